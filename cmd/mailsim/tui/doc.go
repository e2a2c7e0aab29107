// Package tui is mailsim's terminal app (rivo/tview) for learners: the
// app shell (app.go: Run, and Replay in replay.go) and the lesson picker
// (picker.go). The lesson screen, which shows every protocol line
// annotated next to the servers' mailboxes and each device's local copy,
// and replays saved transcripts, is package tui/lessonscreen.
//
// The app has three layers, as k9s does, each a package:
//
//   - tui/model: a Session holds the simulator's events, the position the
//     learner looks at and the quiz answers; the Driver runs the simulator
//     on its own goroutine (a step blocks on loopback TCP for
//     milliseconds) and its events come back through a Batcher, at most
//     every 50 ms, in order. No tview in it (a test checks its imports);
//     it speaks through the Listener interface;
//   - widgets: tui/widgets (the shell every screen shows itself in, theme,
//     text fitting, panes, the state pane, hint bar and help, the one
//     overlay manager, the poster, the wire-row builder), tui/keymap (the
//     one key-binding type) and tui/transcriptview (the virtual transcript
//     pane);
//   - screens: tui/lessonscreen (the lesson and replay screens),
//     tui/liveview (the classroom live view of `mailsim serve`) and, in
//     this package, the picker, wired to the lesson screens in app.go.
//
// The imports between them:
//
//	tui → tui/lessonscreen
//	tui, tui/lessonscreen, tui/liveview → tui/widgets, tui/model, tui/keymap, tui/transcriptview
//	tui/widgets → tui/model, tui/keymap, tui/transcriptview
//	tui/transcriptview → tui/keymap
//	tui/model → no tview, no tcell, no other tui package
//
// It imports lessons, sim and its sub-packages, transcripts, i18n and the
// packages above; nothing imports it but cmd/mailsim.
package tui
