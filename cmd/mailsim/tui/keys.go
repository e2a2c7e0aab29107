package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
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

// keyNames are how keys without a rune are written; the others use
// tcell's names ("Ctrl-C").
var keyNames = map[tcell.Key]string{
	tcell.KeyRight: "→", tcell.KeyLeft: "←", tcell.KeyUp: "↑", tcell.KeyDown: "↓",
	tcell.KeyEnter: "Enter", tcell.KeyEscape: "Esc", tcell.KeyTab: "Tab", tcell.KeyBacktab: "S-Tab",
	tcell.KeyBackspace2: "Backspace", tcell.KeyBackspace: "Backspace", tcell.KeyPgUp: "PgUp", tcell.KeyPgDn: "PgDn",
	tcell.KeyHome: "Home", tcell.KeyEnd: "End",
}

// String is how the key is written in the hint bar and the help.
func (x Key) String() string {
	if x.Key == tcell.KeyRune {
		if x.Rune == ' ' {
			return "space"
		}
		return string(x.Rune)
	}
	if n, ok := keyNames[x.Key]; ok {
		return n
	}
	if n, ok := tcell.KeyNames[x.Key]; ok {
		return n
	}
	return "?"
}

// Binding is one row of a screen's key table: an ID the code refers to,
// the keys, what they do. Labels are written from the keys, and the hint
// bar and the help overlay are generated from the same table, so they
// cannot disagree with what the keys do.
type Binding struct {
	ID     string // what other code calls the binding by ("next", "save"); labels never are
	Keys   []Key
	Label  string // how the keys are written when not simply one after the other ("1–3"); "" = from Keys
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
		key, short := x.firstKey(), tr(lang, x.Short)
		w := tview.TaggedStringWidth(key) + 1 + tview.TaggedStringWidth(short) + 2
		if used+w > width {
			break
		}
		b.WriteString(th.tag(th.Accent) + tview.Escape(key) + reset + " " + tview.Escape(short) + "  ")
		used += w
	}
	return b.String()
}

// label writes the binding's keys: its Label, or its keys one after the
// other ("→ n space").
func (b Binding) label() string {
	if b.Label != "" {
		return b.Label
	}
	names := make([]string, len(b.Keys))
	for i, x := range b.Keys {
		names[i] = x.String()
	}
	return strings.Join(names, " ")
}

// firstKey is the hint bar's key: the first of the label.
func (b Binding) firstKey() string {
	if b.Label == "" && len(b.Keys) > 0 {
		return b.Keys[0].String()
	}
	f := strings.Fields(b.Label)
	if len(f) == 0 {
		return b.Label
	}
	return f[0]
}

// Find returns the binding with an ID.
func (m *KeyMap) Find(id string) (Binding, bool) {
	for _, b := range m.Bindings {
		if b.ID == id {
			return b, true
		}
	}
	return Binding{}, false
}

// Takes reports whether one of the map's bindings has key x.
func (m *KeyMap) Takes(x Key) bool {
	for _, b := range m.Bindings {
		for _, y := range b.Keys {
			if x == y {
				return true
			}
		}
	}
	return false
}

// without is a key table of bindings described here (their actions belong
// to a widget) minus the keys taken by the maps before it, for the help:
// a key the screen takes first never reaches the widget.
func without(name string, list []Binding, taken ...*KeyMap) *KeyMap {
	m := &KeyMap{Name: name}
	for _, b := range list {
		var keep []Key
		for _, x := range b.Keys {
			free := true
			for _, t := range taken {
				free = free && !t.Takes(x)
			}
			if free {
				keep = append(keep, x)
			}
		}
		if len(keep) > 0 {
			b.Keys, b.Label = keep, ""
			m.Bindings = append(m.Bindings, b)
		}
	}
	return m
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
			t.SetCell(row, 0, tview.NewTableCell(" "+b.label()+"  ").SetStyle(th.Accent))
			t.SetCell(row, 1, tview.NewTableCell(tr(lang, b.Desc)).SetStyle(th.Text))
			row++
		}
	}
	return t
}

// helpLines writes the key maps for a width: a heading per map, then per
// binding its keys and, beside them, its description wrapped.
func helpLines(th *Theme, lang string, width int, maps ...*KeyMap) []string {
	keyW := 0
	for _, m := range maps {
		for _, b := range m.Bindings {
			keyW = max(keyW, uniseg.StringWidth(b.label()))
		}
	}
	keyW = min(keyW, max(8, width/4))
	var out []string
	for i, m := range maps {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, segLine(th, width, seg{th.Title, tr(lang, m.Name)}))
		for _, b := range m.Bindings {
			key := " " + fitWord(b.label(), keyW) + "  "
			pad := strings.Repeat(" ", uniseg.StringWidth(key))
			for j, ln := range wrapLine(tr(lang, b.Desc), width-uniseg.StringWidth(key)) {
				k := pad
				if j == 0 {
					k = key
				}
				out = append(out, th.tag(th.Accent)+tview.Escape(k)+reset+th.tag(th.Text)+tview.Escape(ln)+reset)
			}
		}
	}
	return out
}
