package liveview

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
)

// liveServer is what the server pane shows: one user's mailboxes, as the
// store holds them now, with what changed since the pane last showed them
// highlighted (the lesson screen's server rendering).
type liveServer struct {
	n      *network.Network
	addr   string // "student01@example.com"; "" none
	picked bool   // the trainer picked the user (else it follows the selected connection)
	view   model.View
}

// userState snapshots one user of the network, as a events.State with one
// provider holding only that user.
func userState(n *network.Network, addr string) *events.State {
	name, domain, _ := strings.Cut(addr, "@")
	p, ok := n.Provider(domain)
	if !ok || p.Store == nil {
		return nil
	}
	snap := p.Store.Snapshot()
	us, ok := snap.User(name)
	if !ok {
		return nil
	}
	return &events.State{Providers: []events.ProviderState{{Domain: domain,
		Snapshot: &mailstore.Snapshot{Taken: snap.Taken, Users: []mailstore.UserSnapshot{*us}}}}}
}

// show switches to another user: nothing is highlighted.
func (s *liveServer) show(addr string) {
	s.addr = addr
	s.view = model.View{}
	if s.n != nil && addr != "" {
		s.view.State = userState(s.n, addr)
	}
}

// refresh takes the user's state again, highlighting what changed.
func (s *liveServer) refresh() {
	if s.n == nil || s.addr == "" {
		return
	}
	cur := userState(s.n, s.addr)
	prev := s.view.State
	s.view = model.View{State: cur, Prev: prev, Delta: events.Diff(prev, cur)}
}

func (s *liveServer) render(th *widgets.Theme, lang string, width int) string {
	switch {
	case s.addr == "":
		return th.Tag(th.Dim) + tview.Escape(i18n.Word(lang, "Press u to pick a user.")) + widgets.Reset
	case s.view.State == nil:
		return th.Tag(th.Dim) + tview.Escape(i18n.Word(lang, "No such user.")) + widgets.Reset
	}
	return widgets.RenderServer(th, lang, s.view, width)
}

// accountAddrs lists every user of the network as user@domain, provider
// by provider.
func accountAddrs(n *network.Network) []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, p := range n.Providers {
		if p.Store == nil {
			continue
		}
		for _, u := range p.Store.Users() {
			out = append(out, u+"@"+p.Domain)
		}
	}
	return out
}

// userPicker is the overlay list of users for the server pane.
func (lv *liveUI) pickUser() {
	th, lang := lv.Theme, lv.Lang
	lv.wantSrv = true
	addrs := accountAddrs(lv.o.Network)
	t := tview.NewTable().SetSelectable(true, false)
	t.SetSelectedStyle(th.Select)
	t.SetBackgroundColor(tcell.ColorDefault)
	th.Frame(t.Box, i18n.Word(lang, "Show the mailboxes of")+" · Enter · Esc")
	t.SetCell(0, 0, tview.NewTableCell(" "+i18n.Word(lang, "the selected connection's user")).SetStyle(th.Dim).SetReference(""))
	sel := 0
	for i, a := range addrs {
		t.SetCell(i+1, 0, tview.NewTableCell(" "+a).SetStyle(th.Text).SetReference(a))
		if lv.srv.picked && a == lv.srv.addr {
			sel = i + 1
		}
	}
	t.Select(sel, 0)
	t.SetSelectedFunc(func(row, _ int) {
		a, _ := t.GetCell(row, 0).GetReference().(string)
		lv.hideOverlay()
		if a == "" {
			lv.srv.picked = false
			lv.followUser()
		} else {
			lv.srv.picked = true
			lv.srv.show(a)
		}
		lv.afterServerChange()
	})
	t.SetDoneFunc(func(key tcell.Key) {
		if key == tcell.KeyEscape {
			lv.hideOverlay()
		}
	})
	t.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Rune() == 'q' || ev.Rune() == 'u' {
			lv.hideOverlay()
			return nil
		}
		return ev
	})
	w, h := lv.Size()
	lv.showOverlay("users", t, min(48, w-2), min(len(addrs)+3, h-2))
	lv.Ov.SetKeys(
		keymap.Binding{ID: "pick", Keys: []keymap.Key{keymap.Code(tcell.KeyEnter)}, Short: "pick", Desc: "show that user's mailboxes"},
		keymap.Binding{ID: "move", Keys: []keymap.Key{keymap.Code(tcell.KeyUp), keymap.Code(tcell.KeyDown)}, Short: "move", Desc: "highlight another user"},
		widgets.OverlayClose)
}
