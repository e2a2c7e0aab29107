// Package widgets holds the terminal app's reusable pieces, shared by the
// lesson screens (tui/lessonscreen), the picker (tui) and the classroom
// live view (tui/liveview): the Shell every screen shows itself in (the
// tview app and pages, theme, language, size, key capture, help,
// questions), the Theme and its tview tags, width-aware text (Fit, Wrap,
// SegLine), the text and lines panes, the state pane (mailboxes on the
// servers and the devices' copies, fitted to a size: statepane.go), the
// hint bar and the help generated from keymap tables, the one Overlays
// manager, the Poster that brings work to the UI goroutine, WireUnit (the
// one way a unit on the wire becomes a transcript row and the details of
// the meaning pane) and Meaning (the one layout of the meaning pane).
//
// It imports tview, tcell, keymap, transcriptview, model, i18n and the
// types it shows (sim/events, sim/mailstore, sim/classroom); no screen.
package widgets
