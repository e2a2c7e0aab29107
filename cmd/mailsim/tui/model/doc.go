// Package model is the terminal app's model, with no tview or tcell in it:
// a lesson Session (the simulator's events, the position the learner looks
// at, the quiz answers) that speaks to its views through the Listener
// interface; what the session shows (Shown: the lesson's titles, steps,
// quizzes and actors, built from a lesson for a live run and from a
// transcript for a replay, so that a replay needs no lesson); the Driver that runs the simulator on its own goroutine and
// reports through an Outbox; the Batcher that brings a stream to the UI at
// most every FlushEvery, in order; and the learner's Progress file.
//
// It imports lessons, sim and its sub-packages, and transcripts; the
// screens (tui, tui/lessonscreen, tui/liveview) and the widgets import it, never the other way round. A
// test holds it to that with `go list -deps`.
package model
