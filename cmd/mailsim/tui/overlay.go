package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// overlays is a screen's one overlay manager: at most one page over the
// screen's pages (help, a quiz, a question), centred, with the focus on it
// while it is open. The screen's key handler leaves every key to the open
// overlay (isOpen).
type overlays struct {
	app   *tview.Application
	pages *tview.Pages
	name  string      // the open overlay's page, "" for none
	grid  *tview.Grid // its centring grid; nil for a modal that centres itself
}

// isOpen reports whether an overlay is open.
func (o *overlays) isOpen() bool { return o.name != "" }

// is reports whether the open overlay is name.
func (o *overlays) is(name string) bool { return o.name != "" && o.name == name }

// show puts p centred over the screen, w×h cells at most, in place of the
// overlay open before.
func (o *overlays) show(name string, p tview.Primitive, w, h int) {
	grid := tview.NewGrid().SetColumns(0, w, 0).SetRows(0, h, 0).AddItem(p, 1, 1, 1, 1, 0, 0, true)
	o.put(name, grid, p)
	o.grid = grid
}

// showModal puts p, which centres itself (a tview.Modal), over the screen.
func (o *overlays) showModal(name string, p tview.Primitive) { o.put(name, p, p) }

func (o *overlays) put(name string, page, focus tview.Primitive) {
	o.remove()
	o.name = name
	o.pages.AddPage(name, page, true, true)
	o.app.SetFocus(focus)
}

// resize makes the open overlay w×h cells.
func (o *overlays) resize(w, h int) {
	if o.grid != nil {
		o.grid.SetColumns(0, w, 0).SetRows(0, h, 0)
	}
}

// hide closes the open overlay and gives the focus to focus (nil: it
// stays where it is).
func (o *overlays) hide(focus tview.Primitive) {
	if !o.isOpen() {
		return
	}
	o.remove()
	if focus != nil {
		o.app.SetFocus(focus)
	}
}

func (o *overlays) remove() {
	if o.name != "" {
		o.pages.RemovePage(o.name)
	}
	o.name, o.grid = "", nil
}

// closeOn makes Esc and the given runes close the overlay b belongs to,
// the focus then going to focus.
func (o *overlays) closeOn(b *tview.Box, runes string, focus tview.Primitive) {
	b.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyEscape || (ev.Key() == tcell.KeyRune && strings.ContainsRune(runes, ev.Rune())) {
			o.hide(focus)
			return nil
		}
		return ev
	})
}
