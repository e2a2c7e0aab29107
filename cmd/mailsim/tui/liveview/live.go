package liveview

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/exercises"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/classroom"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
)

// ServeOptions configure the classroom's live view (`mailsim serve`).
type ServeOptions struct {
	Registry  *classroom.Registry  // the connections; required
	Classroom *classroom.Classroom // the trainer's actions; nil turns them off
	Network   *network.Network     // the providers, for the server pane
	Screen    tcell.Screen         // nil = the real terminal; tests pass a SimulationScreen
	Lang      string               // "en" | "vi"; "" = "en"
	Card      string               // the connection card, as text
	// SaveDir is where w saves the selected connection's transcript
	// (serve --record DIR); "" = the current directory.
	SaveDir string
	// Notices, when set, brings lines for the status bar from elsewhere
	// (e.g. "refused a connection: too many").
	Notices <-chan string
	// Exercises, when set, gives the view its scoreboard (s) and
	// WriteResults its key (R): it writes the results and says where.
	Exercises    *exercises.Tracker
	WriteResults func() (string, error)
}

// Serve shows the classroom's live view: the connections, the selected
// one's transcript annotated as it happens, a user's mailboxes, and the
// trainer's actions. It blocks until the trainer quits (q, Ctrl-C) or ctx
// ends; the terminal is restored before it returns. The servers keep
// running: stopping them is the caller's.
func Serve(ctx context.Context, o ServeOptions) error {
	if o.Registry == nil {
		return errors.New("tui.Serve: no registry")
	}
	lv := newLive(ctx, o)
	return lv.run()
}

// liveUI is the running live view.
type liveUI struct {
	*widgets.Shell // the app, its pages (main, and the one overlay), theme, language, size
	o              ServeOptions
	ctx            context.Context
	g              *lessons.Glossary
	feed           *liveFeed

	root    *tview.Flex
	middle  *tview.Flex
	header  *widgets.TextPane
	conns   *tview.Table
	left    *tview.Pages // the transcript, or the card while nothing is selected
	tv      *transcriptview.View
	cardTV  *tview.TextView
	meaning *widgets.LinesPane
	server  *widgets.TextPane
	hints   *widgets.TextPane
	keys    *keymap.Map
	score   *scoreboard // the scoreboard while it is on screen

	list     []classroom.ConnState // as the table shows them
	sel      uint64                // the selected connection, 0 none
	trans    *liveTranscript       // its transcript, nil none
	autoSel  bool                  // the selection follows the newest connection (until the trainer picks one)
	kicked   map[uint64]bool       // connections the trainer kicked
	wantSrv  bool                  // show the server pane even before the first connection
	paused   bool
	srv      liveServer
	notice   string
	filling  bool // the table is being refilled: ignore its selection callback
	timeSet  bool
	laidOut  [3]int // the size (and emptiness) the layout was built for
	tableFor int    // the width the table was filled for
}

func newLive(ctx context.Context, o ServeOptions) *liveUI {
	if o.Lang == "" {
		o.Lang = i18n.Fallback
	}
	lv := &liveUI{Shell: widgets.NewShell(o.Screen, o.Lang), o: o, ctx: ctx,
		feed: newLiveFeed(), paused: o.Registry.AnnotationsPaused(),
		autoSel: true, kicked: map[uint64]bool{}}
	lv.srv.n = o.Network
	if g, err := lessons.LoadGlossary(); err == nil {
		lv.g = g
	} else {
		lv.notice = "glossary: " + err.Error()
	}
	th := lv.Theme
	lv.header = widgets.NewTextPane(lv.renderHeader)
	lv.conns = tview.NewTable().SetSelectable(true, false).SetFixed(1, 0)
	lv.conns.SetSelectedStyle(th.Select)
	lv.conns.SetBackgroundColor(tcell.ColorDefault)
	lv.conns.SetSelectionChangedFunc(func(row, _ int) {
		if lv.filling {
			return
		}
		if id, ok := lv.conns.GetCell(row, 0).GetReference().(uint64); ok && id != lv.sel {
			lv.autoSel = false // the trainer picked one
			lv.selectConn(id)
		}
	})
	lv.conns.SetSelectedFunc(func(int, int) { lv.App.SetFocus(lv.tv) })
	lv.tv = transcriptview.New(emptySource{})
	lv.tv.SetActorWidth(0)
	lv.tv.SetSelectedFunc(func(int) { lv.renderMeaning() })
	lv.cardTV = tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true).SetScrollable(true)
	lv.cardTV.SetText(th.Tag(th.Dim) + tview.Escape(i18n.Word(lv.Lang, "Waiting for the first connection (Tab, then ↑↓ scrolls the card):")) + widgets.Reset + "\n\n" + tview.Escape(o.Card))
	lv.left = tview.NewPages().AddPage("card", lv.cardTV, true, true).AddPage("transcript", lv.tv, true, false)
	lv.meaning = widgets.NewLinesPane(th)
	lv.meaning.MoreTxt = i18n.Word(lv.Lang, "more ↓")
	lv.meaning.Render = func(w int) []string {
		i := -1
		if lv.trans != nil {
			i = lv.tv.Selected()
		}
		return liveMeaning(lv.Theme, lv.Lang, lv.g, lv.trans, i).Lines(lv.Theme, lv.Lang, w)
	}
	lv.server = widgets.NewTextPane(func(w int) string { return lv.srv.render(th, lv.Lang, w) })
	lv.hints = lv.HintBar(func() *keymap.Map { return lv.keys })
	lv.cardTV.SetBackgroundColor(tcell.ColorDefault)
	lv.cardTV.SetTextColor(tcell.ColorDefault)
	th.Frame(lv.conns.Box, i18n.Word(lv.Lang, "Connections"))
	th.Frame(lv.tv.Box, i18n.Word(lv.Lang, "Transcript"))
	th.Frame(lv.cardTV.Box, i18n.Word(lv.Lang, "Connection card"))
	th.Frame(lv.meaning.Box, i18n.Word(lv.Lang, "Meaning"))
	th.Frame(lv.server.Box, i18n.Word(lv.Lang, "Server"))

	lv.keys = lv.keyMap()
	lv.root = tview.NewFlex().SetDirection(tview.FlexRow)
	lv.middle = tview.NewFlex()
	lv.Pages.AddPage("main", lv.root, true, true)
	lv.App.SetInputCapture(lv.Capture(func() *keymap.Map { return lv.keys }))
	lv.App.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		lv.SetSize(s.Size())
		lv.layout()
		return false
	})
	lv.layout()
	lv.refreshConns()
	if lv.srv.addr == "" {
		if addrs := accountAddrs(o.Network); len(addrs) > 0 {
			lv.srv.show(addrs[0])
		}
	}
	lv.afterServerChange()
	lv.renderMeaning()
	lv.App.SetFocus(lv.conns)
	return lv
}

// emptySource is the transcript of no connection.
type emptySource struct{}

func (emptySource) Len() int                    { return 0 }
func (emptySource) Row(int) *transcriptview.Row { return nil }

func (lv *liveUI) run() error {
	cancels := []func(){lv.o.Registry.Subscribe(lv.feed.event)}
	if lv.o.Exercises != nil {
		lv.o.Exercises.OnChange(lv.feed.scoresChanged)
	}
	if n := lv.o.Network; n != nil {
		for _, p := range n.Providers {
			if p.Store == nil {
				continue
			}
			domain := p.Domain
			cancels = append(cancels, p.Store.Subscribe(func(c mailstore.Change) { lv.feed.storeChange(domain, c) }))
		}
	}
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	// What happened before the subscription: read it once more.
	lv.feed.Add(func(b *liveBatch) { b.conns = true })

	go lv.feed.Run(lv.Stop, lv.deliver)
	if lv.o.Notices != nil {
		go func() {
			for {
				select {
				case s, ok := <-lv.o.Notices:
					if !ok {
						return
					}
					lv.feed.notice(s)
				case <-lv.Stop:
					return
				}
			}
		}()
	}
	return widgets.RunApp(lv.ctx, lv.App, lv.Stop, nil)
}

// deliver applies a batch on the UI goroutine and redraws: the one
// QueueUpdateDraw of a flush.
func (lv *liveUI) deliver(b liveBatch) {
	lv.Post(func() { lv.apply(b) })
}

// apply takes a batch into the view.
func (lv *liveUI) apply(b liveBatch) {
	if len(b.notices) > 0 {
		lv.notice = b.notices[len(b.notices)-1]
	}
	if b.paused != nil {
		lv.setPaused(*b.paused)
	}
	if b.sel == lv.sel && lv.trans != nil {
		switch {
		case b.reload:
			lv.loadTranscript()
		case len(b.entries) > 0:
			lv.trans.append(b.entries)
			lv.tv.Refresh()
		}
	}
	if b.conns || b.closed {
		lv.refreshConns()
	}
	if b.scores && lv.score != nil {
		lv.score.setBoard(lv.o.Exercises.Board())
	}
	if b.users[lv.srv.addr] {
		lv.srv.refresh()
		lv.server.Invalidate()
	}
	lv.header.Invalidate()
	lv.renderMeaning()
}

// --- layout

// layout arranges the panes for the screen size: the list on top, the
// transcript beside the server pane, the meaning under them.
func (lv *liveUI) layout() {
	w, h := lv.Size()
	empty := 0
	if len(lv.list) == 0 && !lv.wantSrv {
		empty = 1
	}
	if lv.laidOut != [3]int{w, h, empty} {
		lv.laidOut = [3]int{w, h, empty}
		if empty == 1 {
			// No connection yet: the card, full width, for the class to copy.
			lv.middle.Clear()
			lv.root.Clear().AddItem(lv.header, 1, 0, false).AddItem(lv.conns, 4, 0, true).
				AddItem(lv.left, 0, 1, false).AddItem(lv.hints, 1, 0, false)
			return
		}
		connsH, meaningH := 7, 5
		if h >= 32 {
			connsH, meaningH = min(14, 10+(h-32)/4), 6
		}
		tw, sw := 4, 3
		if w >= 100 {
			tw, sw = 3, 2
		}
		if !lv.timeSet {
			lv.tv.SetShowTime(w >= 120)
		}
		lv.middle.Clear().AddItem(lv.left, 0, tw, false).AddItem(lv.server, 0, sw, false)
		lv.root.Clear().AddItem(lv.header, 1, 0, false).AddItem(lv.conns, connsH, 0, true).
			AddItem(lv.middle, 0, 1, false).AddItem(lv.meaning, meaningH, 0, false).AddItem(lv.hints, 1, 0, false)
	}
	if lv.tableFor != w {
		lv.refreshConns()
	}
}

// tableWidth is the cells the list's columns may use.
func (lv *liveUI) tableWidth() int { w, _ := lv.Size(); return max(20, w-3) }

// --- the connection list

// refreshConns reads the connections again and refills the list, keeping
// the selection on the same connection (or moving it to the newest
// one while the selection follows the newest).
func (lv *liveUI) refreshConns() {
	list := lv.o.Registry.Conns()
	sortConns(list)
	lv.list = list
	lv.tableFor, _ = lv.Size()
	want := lv.sel
	if lv.autoSel {
		if id := newest(list); id != 0 {
			want = id
		}
	}
	if !hasConn(list, want) {
		want = 0
		if len(list) > 0 {
			want = list[0].ID
		}
	}
	lv.filling = true
	at := fillConnTable(lv.conns, lv.Theme, lv.Lang, list, lv.kicked, lv.tableWidth(), want)
	if at > 0 {
		lv.conns.Select(at, 0)
	}
	lv.filling = false
	lv.header.Invalidate()
	switch {
	case want == 0:
		lv.clearSelection()
	case want != lv.sel || lv.trans == nil:
		lv.selectConn(want)
	default:
		lv.trans.kicked = lv.kicked[want]
		lv.trans.update(list[at-1])
		lv.tv.Refresh()
		lv.retitle()
		lv.followUser()
	}
}

// newest is the connection of the highest id (the last to connect, open
// or not: a short session stays on screen until the next one), 0 if none.
func newest(list []classroom.ConnState) uint64 {
	var id uint64
	for i := range list {
		if list[i].ID > id {
			id = list[i].ID
		}
	}
	return id
}

func hasConn(list []classroom.ConnState, id uint64) bool {
	for i := range list {
		if list[i].ID == id {
			return true
		}
	}
	return false
}

// selectConn shows connection id's transcript, live.
func (lv *liveUI) selectConn(id uint64) {
	lv.sel = id
	lv.feed.follow(id)
	lv.loadTranscript()
	lv.tv.SetFollow(true)
	lv.left.SwitchToPage("transcript")
	lv.followUser()
	lv.renderMeaning()
}

// loadTranscript reads the selected connection's entries from the registry.
func (lv *liveUI) loadTranscript() {
	cs, ok := lv.o.Registry.Conn(lv.sel)
	if !ok {
		lv.clearSelection()
		return
	}
	lv.trans = newLiveTranscript(lv.Theme, lv.Lang, cs, lv.o.Registry.Transcript(lv.sel, 0), lv.paused)
	lv.trans.kicked = lv.kicked[lv.sel]
	lv.tv.SetSource(lv.trans)
	lv.retitle()
}

func (lv *liveUI) clearSelection() {
	if lv.sel == 0 && lv.trans == nil {
		return
	}
	lv.sel, lv.trans = 0, nil
	lv.feed.follow(0)
	lv.tv.SetSource(emptySource{})
	lv.left.SwitchToPage("card")
	lv.retitle()
}

func (lv *liveUI) retitle() {
	title := i18n.Word(lv.Lang, "Transcript")
	if t := lv.trans; t != nil {
		title += fmt.Sprintf(" · #%d %s", t.conn.ID, connWhere(&t.conn))
		if t.conn.User != "" {
			title += " · " + t.conn.User
		}
	}
	lv.tv.SetTitle(" " + title + " ")
}

// --- the server pane

// followUser shows the selected connection's user, unless the trainer
// picked one.
func (lv *liveUI) followUser() {
	if lv.srv.picked || lv.trans == nil {
		return
	}
	cs := &lv.trans.conn
	if cs.User == "" || cs.Provider == "" {
		return
	}
	if a := cs.User + "@" + cs.Provider; a != lv.srv.addr {
		lv.srv.show(a)
		lv.afterServerChange()
	}
}

func (lv *liveUI) afterServerChange() {
	title := i18n.Word(lv.Lang, "Server")
	if lv.srv.addr != "" {
		title += " · " + lv.srv.addr
	}
	lv.server.SetTitle(" " + title + " ")
	lv.server.Invalidate()
	lv.server.ScrollToBeginning()
}

// --- the meaning pane and the header

// renderMeaning shows the selected line's meaning from its top (the
// pane renders it for its width at the next draw).
func (lv *liveUI) renderMeaning() { lv.meaning.ScrollToBeginning() }

func (lv *liveUI) renderHeader(width int) string {
	th, lang := lv.Theme, lv.Lang
	open, closed := 0, 0
	for _, c := range lv.list {
		if c.Open {
			open++
		} else {
			closed++
		}
	}
	left := fmt.Sprintf("mailsim %s · %s · %s", i18n.Word(lang, "classroom"), i18n.Wordf(lang, "%d open", open), i18n.Wordf(lang, "%d closed", closed))
	notes := i18n.Word(lang, "annotations on")
	if lv.paused {
		notes = i18n.Word(lang, "annotations paused")
	}
	var b strings.Builder
	b.WriteString(th.Tag(th.Title) + tview.Escape(left) + widgets.Reset + " · ")
	st := th.Dim
	if lv.paused {
		st = th.Accent
	}
	b.WriteString(th.Tag(st) + tview.Escape(notes) + widgets.Reset)
	used := tview.TaggedStringWidth(b.String())
	if lv.notice != "" && width-used > 12 {
		b.WriteString("  " + th.Tag(th.Accent) + tview.Escape(widgets.Fit(lv.notice, width-used-2)) + widgets.Reset)
	}
	return b.String()
}

// notify shows a line in the header now (from a handler).
func (lv *liveUI) notify(s string) {
	lv.notice = time.Now().Format("15:04:05") + " " + s
	lv.header.Invalidate()
}

// setPaused shows or hides the annotations.
func (lv *liveUI) setPaused(p bool) {
	if lv.paused == p {
		return
	}
	lv.paused = p
	if lv.trans != nil {
		sel := lv.tv.Selected()
		follow := lv.tv.Follow()
		ref := -1
		if sel >= 0 && sel < len(lv.trans.rows) {
			ref = lv.trans.rows[sel].entry
		}
		lv.trans.setPaused(p)
		lv.tv.SetSource(lv.trans)
		if !follow && ref >= 0 {
			for i, r := range lv.trans.rows {
				if r.entry == ref && r.kind == rowUnit {
					lv.tv.Select(i)
					break
				}
			}
		}
	}
	lv.keys.Update("pause", func(b *keymap.Binding) { b.Short = pauseShort(p) })
	lv.hints.Invalidate()
	lv.header.Invalidate()
	lv.renderMeaning()
}

func pauseShort(paused bool) string {
	if paused {
		return "notes on"
	}
	return "notes off"
}
