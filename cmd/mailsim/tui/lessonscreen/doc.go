// Package lessonscreen is the learners' lesson screen: every protocol line
// of a lesson annotated next to the servers' mailboxes and each device's
// local copy, with stepping back and forth, autoplay, quizzes (quiz.go),
// the end-of-lesson summary (summary.go) and a sandbox to type commands of
// one's own (a branch of the lesson: leaving it goes back to the lesson as
// it was, or explores on with the lesson's checks off; sandbox.go). The
// same screen replays a saved transcript with no servers running
// (replay.go), and saves the session on `w` (save.go). layout.go fits the
// panes to the screen; rows.go is the transcript pane's rows.
//
// A Host (host.go) is the app as the screens see it: the widgets.Shell
// they show themselves in, the model.Driver that runs the open lesson's
// simulator, and the open screen. The root tui package (the app shell and
// the picker) builds one and opens lessons and replays in it.
//
// It imports tview, tui/model, tui/widgets, tui/keymap and
// tui/transcriptview, lessons, sim, transcripts and i18n; never the root
// tui package nor tui/liveview (internal/layers checks).
package lessonscreen
