package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// Key is one key press: a special key, or a rune when Key is KeyRune.
type Key struct {
	Key  tcell.Key
	Rune rune
}

func r(c rune) Key        { return Key{Key: tcell.KeyRune, Rune: c} }
func k(key tcell.Key) Key { return Key{Key: key} }
func (x Key) matches(ev *tcell.EventKey) bool {
	if x.Key == tcell.KeyRune {
		return ev.Key() == tcell.KeyRune && ev.Rune() == x.Rune && ev.Modifiers()&(tcell.ModCtrl|tcell.ModAlt) == 0
	}
	return ev.Key() == x.Key
}

// Binding is one row of a screen's key table: the keys, how they are
// written, what they do. The hint bar and the help overlay are generated
// from the same table, so they cannot disagree with what the keys do.
type Binding struct {
	Keys   []Key
	Label  string // "→ n space"
	Short  string // the hint bar's word ("next"); "" keeps it out of the bar
	Desc   string // the help overlay's sentence
	Action func()
	When   func() bool // nil: always in the hint bar (when Short is set); else only while it holds
}

// KeyMap is a screen's key table.
type KeyMap struct {
	Name     string
	Bindings []Binding
	last     *tcell.EventKey
}

// Last is the key event Handle is running an action for (for one action
// bound to several keys, such as the quiz's digits).
func (m *KeyMap) Last() *tcell.EventKey { return m.last }

// Handle runs the action bound to ev and reports whether there was one. A
// binding without an action documents a key the focused widget handles.
func (m *KeyMap) Handle(ev *tcell.EventKey) bool {
	for _, b := range m.Bindings {
		for _, x := range b.Keys {
			if x.matches(ev) {
				if b.Action == nil {
					return false // documented here, handled by the focused widget
				}
				m.last = ev
				b.Action()
				m.last = nil
				return true
			}
		}
	}
	return false
}

// Hints is the hint bar's text (tview tags) in lang, cut to width on a
// whole hint. The words are translated here, when the bar is drawn, so
// the key tables stay in English.
func (m *KeyMap) Hints(th *Theme, lang string, width int) string {
	var b strings.Builder
	used := 0
	for _, x := range m.Bindings {
		if x.Short == "" || x.When != nil && !x.When() {
			continue
		}
		key, short := firstLabel(x.Label), tr(lang, x.Short)
		w := tview.TaggedStringWidth(key) + 1 + tview.TaggedStringWidth(short) + 2
		if used+w > width {
			break
		}
		b.WriteString(th.tag(th.Accent) + tview.Escape(key) + reset + " " + tview.Escape(short) + "  ")
		used += w
	}
	return b.String()
}

func firstLabel(l string) string {
	f := strings.Fields(l)
	if len(f) == 0 {
		return l
	}
	return f[0]
}

// helpTable fills a table with the key maps' bindings, one section per
// map, in lang.
func helpTable(th *Theme, lang string, maps ...*KeyMap) *tview.Table {
	t := tview.NewTable().SetSelectable(false, false)
	row := 0
	for _, m := range maps {
		if row > 0 {
			row++
		}
		t.SetCell(row, 0, tview.NewTableCell(tr(lang, m.Name)).SetStyle(th.Title))
		row++
		for _, b := range m.Bindings {
			t.SetCell(row, 0, tview.NewTableCell(" "+b.Label+"  ").SetStyle(th.Accent))
			t.SetCell(row, 1, tview.NewTableCell(tr(lang, b.Desc)).SetStyle(th.Text))
			row++
		}
	}
	return t
}
