// Package tui is mailsim's terminal app (rivo/tview) for learners: a
// lesson picker, and a lesson screen that shows every protocol line
// annotated next to the servers' mailboxes and each device's local copy,
// with stepping back and forth, autoplay, quizzes and a sandbox to type
// commands of one's own (a branch of the lesson: leaving it goes back to
// the lesson as it was, or explores on with the lesson's checks off;
// sandbox.go). The same lesson screen replays a saved transcript (Replay,
// replay.go) with no servers running, and saves the session on `w`
// (save.go).
//
// The app has three layers, as k9s does, each a package:
//
//   - tui/model: a Session holds the simulator's events, the position the
//     learner looks at and the quiz answers; the Driver runs the simulator
//     on its own goroutine (a step blocks on loopback TCP for
//     milliseconds) and its events come back through a Batcher, at most
//     every 50 ms, in order. No tview in it (a test checks its imports);
//     it speaks through the Listener interface;
//   - widgets: tui/widgets (theme, text fitting, panes, the state pane,
//     hint bar and help, the one overlay manager, the poster, the wire-row
//     builder), tui/keymap (the one key-binding type) and
//     tui/transcriptview (the virtual transcript pane);
//   - screens: this package (the picker, the lesson and replay screens,
//     wired in app.go) and tui/liveview (the classroom live view of
//     `mailsim serve`).
//
// The imports between them:
//
//	tui, tui/liveview → tui/widgets, tui/model, tui/keymap, tui/transcriptview
//	tui/widgets → tui/model, tui/keymap, tui/transcriptview
//	tui/transcriptview → tui/keymap
//	tui/model → no tview, no tcell, no other tui package
//
// It imports lessons, sim and its sub-packages, transcripts, i18n and the
// packages above; nothing imports it but cmd/mailsim.
package tui
