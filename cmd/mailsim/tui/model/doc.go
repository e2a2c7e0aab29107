// Package model is the terminal app's model, with no tview or tcell in it:
// a lesson Session (the simulator's events, the position the learner looks
// at, the quiz answers) that speaks to its views through the Listener
// interface; the Driver that runs the simulator on its own goroutine and
// reports through an Outbox; the Batcher that brings a stream to the UI at
// most every FlushEvery, in order; and the learner's Progress file.
//
// It imports lessons, sim and its sub-packages; the screens (package tui,
// package live) and the widgets import it, never the other way round. A
// test holds it to that with `go list -deps`.
package model
