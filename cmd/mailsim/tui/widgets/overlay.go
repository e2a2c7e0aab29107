package widgets

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
)

// Overlays is a screen's one overlay manager: at most one page over the
// screen's pages (help, a quiz, a question), centred, with the focus on it
// while it is open. The screen's key handler leaves every key to the open
// overlay (isOpen).
type Overlays struct {
	App   *tview.Application
	Pages *tview.Pages
	Name  string      // the open overlay's page, "" for none
	grid  *tview.Grid // its centring grid; nil for a modal that centres itself
	keys  *keymap.Map // its keys, for the hint bar (SetKeys)
}

// Keys every overlay documents for the hint bar; the overlay's widgets
// handle them.
var (
	OverlayClose  = keymap.Binding{ID: "close", Keys: []keymap.Key{keymap.Code(tcell.KeyEscape)}, Short: "close", Keep: true, Desc: "close"}
	OverlayScroll = keymap.Binding{ID: "scroll", Keys: []keymap.Key{keymap.Code(tcell.KeyUp), keymap.Code(tcell.KeyDown)}, Short: "scroll", Desc: "scroll"}
)

// SetKeys says what the open overlay's keys are, for the hint bar (its
// widgets handle them). Without, the bar says Esc closes it.
func (o *Overlays) SetKeys(b ...keymap.Binding) { o.keys = &keymap.Map{Bindings: b} }

// Keys are the open overlay's keys for the hint bar.
func (o *Overlays) Keys() *keymap.Map {
	if o.keys == nil {
		return &keymap.Map{Bindings: []keymap.Binding{OverlayClose}}
	}
	return o.keys
}

// IsOpen reports whether an overlay is open.
func (o *Overlays) IsOpen() bool { return o.Name != "" }

// Is reports whether the open overlay is name.
func (o *Overlays) Is(name string) bool { return o.Name != "" && o.Name == name }

// Show puts p centred over the screen, w×h cells at most, in place of the
// overlay open before.
func (o *Overlays) Show(name string, p tview.Primitive, w, h int) {
	grid := tview.NewGrid().SetColumns(0, w, 0).SetRows(0, h, 0).AddItem(p, 1, 1, 1, 1, 0, 0, true)
	o.put(name, grid, p)
	o.grid = grid
}

// ShowModal puts p, which centres itself (a tview.Modal), over the screen.
func (o *Overlays) ShowModal(name string, p tview.Primitive) { o.put(name, p, p) }

func (o *Overlays) put(name string, page, focus tview.Primitive) {
	o.remove()
	o.Name = name
	o.Pages.AddPage(name, page, true, true)
	o.App.SetFocus(focus)
}

// Resize makes the open overlay w×h cells.
func (o *Overlays) Resize(w, h int) {
	if o.grid != nil {
		o.grid.SetColumns(0, w, 0).SetRows(0, h, 0)
	}
}

// Hide closes the open overlay and gives the focus to focus (nil: it
// stays where it is).
func (o *Overlays) Hide(focus tview.Primitive) {
	if !o.IsOpen() {
		return
	}
	o.remove()
	if focus != nil {
		o.App.SetFocus(focus)
	}
}

func (o *Overlays) remove() {
	if o.Name != "" {
		o.Pages.RemovePage(o.Name)
	}
	o.Name, o.grid, o.keys = "", nil, nil
}

// CloseOn makes Esc and the given runes close the overlay b belongs to,
// the focus then going to focus.
func (o *Overlays) CloseOn(b *tview.Box, runes string, focus tview.Primitive) {
	b.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyEscape || (ev.Key() == tcell.KeyRune && strings.ContainsRune(runes, ev.Rune())) {
			o.Hide(focus)
			return nil
		}
		return ev
	})
}
