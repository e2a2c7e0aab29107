// Package tui is mailsim's terminal app (rivo/tview): a lesson picker, and a
// lesson screen that shows every protocol line annotated next to the
// servers' mailboxes and each device's local copy, with stepping back and
// forth, autoplay, quizzes and a sandbox to type commands of one's own (a
// branch of the lesson: leaving it goes back to the lesson as it was, or
// explores on with the lesson's checks off; sandbox.go).
// The same lesson screen replays a saved transcript (Replay, replay.go)
// with no servers running, and saves the session on `w` (save.go). The
// classroom live view of `mailsim serve` (Serve, live*.go) shows real
// clients' connections over sim/classroom's registry.
//
// It has three layers, as k9s does:
//
//   - the model (package model): a Session holds the simulator's events,
//     the position the learner looks at and the quiz answers; the Driver
//     runs the simulator. It has no tview in it (a test checks its imports)
//     and speaks through the Listener interface;
//   - widgets: the transcript pane (package transcriptview, over the
//     Session's rows in rows.go), width-aware text panes (statepane.go), key
//     tables that generate the hint bar and the help (keys.go);
//   - screens: the picker (picker.go) and the lesson screen (lessonview.go,
//     quiz.go, sandbox.go), wired in app.go.
//
// The simulator runs on its own goroutine (model.Driver): a step blocks on
// loopback TCP for milliseconds. Its events come back batched, at most every
// 50 ms, through one QueueUpdateDraw at a time, in order.
//
// It imports lessons, sim and its sub-packages, transcripts, model, keymap
// and transcriptview; nothing imports it but cmd/mailsim.
package tui
