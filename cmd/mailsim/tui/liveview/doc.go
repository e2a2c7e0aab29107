// Package liveview is the classroom's live view (`mailsim serve`): the
// connections of real clients, the selected one's transcript annotated as
// it happens, a user's mailboxes, the exercise scoreboard and the
// trainer's actions (deliver to everyone, reset a mailbox, kick, save).
//
// Its data is sim/classroom's registry and the providers' stores: a feed
// (livefeed.go) gathers their events, which arrive on the servers'
// goroutines, into one model.Batcher, and a widgets.Poster brings each
// batch to the screen. The panes, the state pane, the hint bar and help
// and the overlays are package widgets'; the key table is a keymap.Map.
//
// It imports tview, the tui widgets and model, sim/classroom, sim/network,
// exercises and i18n; nothing imports it but cmd/mailsim.
package liveview
