package liveview

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
)

// BroadcastBody is the body of the trainer's message to everyone.
const BroadcastBody = "This message was sent to every account of the class by the trainer.\n\n" +
	"A POP3 client sees it at its next check and downloads it; an IMAP client\n" +
	"in IDLE is told at once (* EXISTS), and the message stays on the server.\n"

// BroadcastSubject is the subject used when the trainer types none.
const BroadcastSubject = "Hello from your trainer"

// keyMap is the live view's key table: the hint bar and the help are made
// from it.
func (lv *liveUI) keyMap() *keymap.Map {
	return &keymap.Map{Name: i18n.Word(lv.Lang, "Classroom"), Bindings: []keymap.Binding{
		{ID: "broadcast", Keys: []keymap.Key{keymap.Char('b')}, Short: "deliver", Desc: "deliver a message to every account (subject, then confirm)", Action: lv.askBroadcast},
		{ID: "resetMailbox", Keys: []keymap.Key{keymap.Char('r')}, Short: "reset", Desc: "reset the server pane's user to its starter mailbox (asks)", Action: lv.askReset},
		{ID: "kick", Keys: []keymap.Key{keymap.Char('x')}, Short: "kick", Desc: "kick the selected connection: close it now (asks)", Action: lv.askKick},
		{ID: "save", Keys: []keymap.Key{keymap.Char('w')}, Desc: liveSaveHelp, Action: lv.saveConn},
		{ID: "pause", Keys: []keymap.Key{keymap.Char('a')}, Short: pauseShort(lv.paused), Desc: "pause / resume the annotations (notes, meanings)", Action: lv.togglePaused},
		{ID: "user", Keys: []keymap.Key{keymap.Char('u')}, Short: "user", Desc: "pick the user whose mailboxes the server pane shows", Action: lv.pickUser},
		{ID: "card", Keys: []keymap.Key{keymap.Char('c')}, Short: "card", Desc: "the connection card: servers, ports, TLS, accounts", Action: lv.showCard},
		{ID: "scores", Keys: []keymap.Key{keymap.Char('s')}, Short: lv.scoresShort(), Desc: "the exercise scoreboard: students × exercises (arrows; Enter or e: the student's evidence)", Action: lv.showScores},
		{ID: "results", Keys: []keymap.Key{keymap.Char('R')}, Desc: "write the exercise results now (serve --results FILE: FILE.csv and FILE.md)", Action: lv.writeResults},
		{ID: "help", Keys: []keymap.Key{keymap.Char('?')}, Short: "help", Keep: true, Desc: "this help", Action: lv.showHelp},
		{ID: "quit", Keys: []keymap.Key{keymap.Char('q'), keymap.Code(tcell.KeyCtrlC)}, Short: "quit", Keep: true, Desc: "quit (the servers then shut down politely)", Action: lv.App.Stop},
		{ID: "pane", Keys: []keymap.Key{keymap.Code(tcell.KeyTab)}, Desc: "next pane: list, transcript (or card), server", Action: func() { lv.cycleFocus(1) }},
		{ID: "panePrev", Keys: []keymap.Key{keymap.Code(tcell.KeyBacktab)}, Desc: "previous pane", Action: func() { lv.cycleFocus(-1) }},
		{ID: "list", Keys: []keymap.Key{keymap.Code(tcell.KeyEscape)}, Desc: "back to the connection list", Action: func() { lv.App.SetFocus(lv.conns) }},
		{ID: "followConn", Keys: []keymap.Key{keymap.Char('n')}, Desc: "follow the newest connection (until you pick one)", Action: lv.followNewest},
		{ID: "follow", Keys: []keymap.Key{keymap.Char('f')}, Desc: "follow the newest line on/off", Action: func() { lv.tv.SetFollow(!lv.tv.Follow()) }},
		{ID: "time", Keys: []keymap.Key{keymap.Char('t')}, Desc: "timestamps on/off", Action: func() { lv.timeSet = true; lv.tv.SetShowTime(!lv.tv.ShowTime()) }},
		{ID: "enter", Keys: []keymap.Key{keymap.Code(tcell.KeyEnter)}, Desc: "list: go to the transcript; transcript: fold a body"},
	}}
}

// cycleFocus moves the focus along the panes on screen: the list, the
// transcript (or the card before the first connection), the server pane.
func (lv *liveUI) cycleFocus(d int) {
	panes := []tview.Primitive{lv.conns, lv.tv}
	if lv.trans == nil {
		panes[1] = lv.cardTV
	}
	if lv.laidOut[2] == 0 {
		panes = append(panes, lv.server)
	}
	f := lv.App.GetFocus()
	at := 0
	for i, p := range panes {
		if p == f {
			at = i
		}
	}
	n := len(panes)
	lv.App.SetFocus(panes[((at+d)%n+n)%n])
}

// --- overlays

// showOverlay puts p centred over the screen, w×h cells at most.
func (lv *liveUI) showOverlay(name string, p tview.Primitive, w, h int) { lv.Ov.Show(name, p, w, h) }

// hideOverlay closes the open overlay; the list gets the focus back.
func (lv *liveUI) hideOverlay() { lv.Ov.Hide(lv.conns) }

// closeKeys makes Esc and the given runes close an overlay.
func (lv *liveUI) closeKeys(b *tview.Box, runes string) { lv.Ov.CloseOn(b, runes, lv.conns) }

// showHelp shows the key tables (the shell's help, as the lesson screen's).
func (lv *liveUI) showHelp() { lv.ShowHelp(lv.keys, widgets.PaneKeys(lv.keys)) }

func (lv *liveUI) showCard() {
	tv := tview.NewTextView().SetWrap(true).SetWordWrap(true).SetScrollable(true).SetText(lv.o.Card)
	tv.SetBackgroundColor(tcell.ColorDefault)
	tv.SetTextColor(tcell.ColorDefault)
	lv.Theme.Frame(tv.Box, i18n.Word(lv.Lang, "Connection card")+" · ↑↓ · Esc")
	lv.closeKeys(tv.Box, "cq")
	lines := strings.Count(lv.o.Card, "\n") + 1
	width := 0
	for _, l := range strings.Split(lv.o.Card, "\n") {
		width = max(width, tview.TaggedStringWidth(tview.Escape(l)))
	}
	w, h := lv.Size()
	lv.showOverlay("card", tv, min(width+4, w), min(lines+2, h-2))
	lv.Ov.SetKeys(widgets.OverlayScroll, widgets.OverlayClose)
}

// confirm asks a yes/no question; yes runs on y or Enter.
func (lv *liveUI) confirm(title, question string, yes func()) {
	th := lv.Theme
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	tv.SetBackgroundColor(tcell.ColorDefault)
	tv.SetTextColor(tcell.ColorDefault)
	th.Frame(tv.Box, title)
	tv.SetText(tview.Escape(question) + "\n\n" + th.Tag(th.Accent) + "y" + widgets.Reset + " " + i18n.Word(lv.Lang, "yes") +
		"    " + th.Tag(th.Accent) + "n" + widgets.Reset + " " + i18n.Word(lv.Lang, "no"))
	tv.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch {
		case ev.Key() == tcell.KeyEnter || ev.Rune() == 'y' || ev.Rune() == 'Y':
			lv.hideOverlay()
			yes()
		case ev.Key() == tcell.KeyEscape || ev.Rune() == 'n' || ev.Rune() == 'N' || ev.Rune() == 'q':
			lv.hideOverlay()
		}
		return nil
	})
	w, h := lv.Size()
	width := min(64, w-2)
	lines := len(tview.WordWrap(question, width-2)) + 4
	lv.showOverlay("confirm", tv, width, min(lines, h-2))
	lv.Ov.SetKeys(
		keymap.Binding{ID: "yes", Keys: []keymap.Key{keymap.Char('y'), keymap.Code(tcell.KeyEnter)}, Short: "yes", Desc: "yes"},
		keymap.Binding{ID: "no", Keys: []keymap.Key{keymap.Char('n'), keymap.Code(tcell.KeyEscape)}, Short: "no", Keep: true, Desc: "no"})
}

// --- the trainer's actions. They run on their own goroutine (a broadcast
// touches every store, a kick closes a socket) and report in the header.

func (lv *liveUI) noClassroom() bool {
	if lv.o.Classroom == nil {
		lv.notify(i18n.Word(lv.Lang, "The trainer's actions are off (no classroom)."))
		return true
	}
	return false
}

func (lv *liveUI) askBroadcast() {
	if lv.noClassroom() {
		return
	}
	th, lang := lv.Theme, lv.Lang
	lv.wantSrv = true // to see the message arrive
	n := len(accountAddrs(lv.o.Network))
	in := tview.NewInputField().SetLabel(i18n.Word(lang, "Subject") + ": ").SetPlaceholder(BroadcastSubject)
	in.SetLabelStyle(th.Accent).SetFieldStyle(th.Select).SetPlaceholderStyle(th.Select.Dim(true))
	in.SetBackgroundColor(tcell.ColorDefault)
	about := tview.NewTextView().SetWrap(true).SetWordWrap(true)
	about.SetBackgroundColor(tcell.ColorDefault)
	about.SetTextColor(tcell.ColorDefault)
	about.SetText(fmt.Sprintf(i18n.Word(lang, "A message from the trainer to every account (%d). Body:"), n) + "\n" + BroadcastBody)
	box := tview.NewFlex().SetDirection(tview.FlexRow).AddItem(in, 1, 0, true).AddItem(tview.NewBox().SetBackgroundColor(tcell.ColorDefault), 1, 0, false).AddItem(about, 0, 1, false)
	box.SetBackgroundColor(tcell.ColorDefault)
	th.Frame(box.Box, i18n.Word(lang, "Deliver to everyone")+" · Enter · Esc")
	in.SetDoneFunc(func(key tcell.Key) {
		if key != tcell.KeyEnter {
			lv.hideOverlay()
			return
		}
		subject := strings.TrimSpace(in.GetText())
		if subject == "" {
			subject = BroadcastSubject
		}
		lv.confirm(i18n.Word(lang, "Deliver to everyone"),
			fmt.Sprintf(i18n.Word(lang, "Deliver “%s” to every account (%d)?"), subject, n),
			func() { lv.broadcast(subject) })
	})
	w, h := lv.Size()
	lv.showOverlay("broadcast", box, min(76, w-2), min(12, h-2))
	lv.Ov.SetKeys(
		keymap.Binding{ID: "deliver", Keys: []keymap.Key{keymap.Code(tcell.KeyEnter)}, Short: "deliver", Desc: "deliver (asks first)"},
		keymap.Binding{ID: "cancel", Keys: []keymap.Key{keymap.Code(tcell.KeyEscape)}, Short: "cancel", Keep: true, Desc: "cancel"})
}

func (lv *liveUI) broadcast(subject string) {
	cls, feed, lang := lv.o.Classroom, lv.feed, lv.Lang
	lv.notify(i18n.Word(lang, "delivering…"))
	go func() {
		n, err := cls.Broadcast(subject, BroadcastBody)
		msg := fmt.Sprintf(i18n.Word(lang, "Delivered “%s” to %d accounts."), subject, n)
		if err != nil {
			msg += " " + widgets.OneLine(err.Error())
		}
		feed.notice(msg)
	}()
}

func (lv *liveUI) askReset() {
	if lv.noClassroom() {
		return
	}
	lv.wantSrv = true
	addr := lv.srv.addr
	if addr == "" {
		lv.notify(i18n.Word(lv.Lang, "Pick a user first (u)."))
		return
	}
	if _, ok := lv.o.Classroom.Account(addr); !ok {
		lv.notify(fmt.Sprintf(i18n.Word(lv.Lang, "%s is not a classroom account."), addr))
		return
	}
	lv.confirm(i18n.Word(lv.Lang, "Reset a mailbox"),
		fmt.Sprintf(i18n.Word(lv.Lang, "Reset %s to its starter state? Every message and folder it has now is removed; the starter messages come back."), addr),
		func() {
			cls, feed, lang := lv.o.Classroom, lv.feed, lv.Lang
			go func() {
				if err := cls.ResetMailbox(addr); err != nil {
					feed.notice(i18n.Word(lang, "Reset failed") + ": " + widgets.OneLine(err.Error()))
					return
				}
				feed.notice(fmt.Sprintf(i18n.Word(lang, "%s is back to its starter mailbox."), addr))
			}()
		})
}

func (lv *liveUI) askKick() {
	if lv.noClassroom() {
		return
	}
	if lv.trans == nil {
		lv.notify(i18n.Word(lv.Lang, "No connection selected."))
		return
	}
	cs := lv.trans.conn
	if !cs.Open {
		lv.notify(fmt.Sprintf(i18n.Word(lv.Lang, "#%d is already closed."), cs.ID))
		return
	}
	who := cs.User
	if who == "" {
		who = i18n.Word(lv.Lang, "not logged in")
	}
	lv.confirm(i18n.Word(lv.Lang, "Kick a connection"),
		fmt.Sprintf(i18n.Word(lv.Lang, "Kick #%d (%s, %s from %s)? It is closed at once, as if the network went away: a POP3 session deletes nothing, an SMTP transaction delivers nothing."),
			cs.ID, who, connWhere(&cs), cs.Remote),
		func() {
			cls, feed, lang, id := lv.o.Classroom, lv.feed, lv.Lang, cs.ID
			lv.kicked[id] = true
			go func() {
				if cls.Kick(id) {
					feed.notice(fmt.Sprintf(i18n.Word(lang, "Kicked #%d."), id))
				} else {
					feed.notice(fmt.Sprintf(i18n.Word(lang, "#%d was already gone."), id))
				}
			}()
		})
}

// togglePaused pauses or resumes the annotations. The registry tells every
// view (and the recorder) through its feed; this view shows it at once.
func (lv *liveUI) togglePaused() {
	p := !lv.paused
	lv.o.Registry.SetAnnotationsPaused(p)
	lv.setPaused(p)
	if p {
		lv.notify(i18n.Word(lv.Lang, "Annotations paused."))
	} else {
		lv.notify(i18n.Word(lv.Lang, "Annotations on."))
	}
}

// followNewest selects the newest connection and follows new ones.
func (lv *liveUI) followNewest() {
	lv.autoSel = true
	lv.refreshConns()
	lv.notify(i18n.Word(lv.Lang, "Following the newest connection."))
}
