// Package keymap holds the app's one key-binding type: a screen's or a
// widget's key table, where each binding has an ID the code refers to,
// the keys, and the words a hint bar and a help screen show. Labels are
// always written from the keys (Binding.Label), so no code can depend on
// how a key is written, and editing a description changes no behaviour.
//
// It imports tcell only, so that every widget (transcriptview) and every
// screen can share it.
package keymap

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
)

// Key is one key press: a special key, or a rune when Key is KeyRune.
type Key struct {
	Key  tcell.Key
	Rune rune
}

// Char is the key that types c.
func Char(c rune) Key { return Key{Key: tcell.KeyRune, Rune: c} }

// Code is a special key (an arrow, Enter, Ctrl-C).
func Code(k tcell.Key) Key { return Key{Key: k} }

// Matches reports whether ev is this key (a rune typed with Ctrl or Alt
// is not).
func (x Key) Matches(ev *tcell.EventKey) bool {
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

// String is how the key is written in a hint bar and a help screen.
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

// Binding is one row of a key table: an ID the code refers to, the keys,
// what they do.
type Binding struct {
	ID     string // what other code calls the binding by ("next", "save")
	Keys   []Key
	Short  string // the hint bar's word ("next"); "" keeps it out of the bar
	Desc   string // the help's sentence
	Action func()
	When   func() bool // nil: always in the hint bar (when Short is set); else only while it holds
	// Keep holds the hint in a bar too narrow for all: help and the way
	// out, without which a reader is stuck. Others give way from the end.
	Keep bool
}

// Label writes the binding's keys one after the other ("→ n space"); a
// run of three or more consecutive runes is written as a range ("1–3").
func (b Binding) Label() string {
	var names []string
	for i := 0; i < len(b.Keys); i++ {
		j := i
		for j+1 < len(b.Keys) && b.Keys[j].Key == tcell.KeyRune && b.Keys[j+1].Key == tcell.KeyRune && b.Keys[j+1].Rune == b.Keys[j].Rune+1 {
			j++
		}
		if j > i {
			names = append(names, fmt.Sprintf("%s–%s", b.Keys[i], b.Keys[j]))
			i = j
			continue
		}
		names = append(names, b.Keys[i].String())
	}
	return strings.Join(names, " ")
}

// FirstKey is the hint bar's key: the first of the label.
func (b Binding) FirstKey() string {
	f := strings.Fields(b.Label())
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// Takes reports whether the binding has key x.
func (b Binding) Takes(x Key) bool {
	for _, y := range b.Keys {
		if x == y {
			return true
		}
	}
	return false
}

// Map is a key table: the bindings of a screen or a widget, in the order
// of its help.
type Map struct {
	Name     string
	Bindings []Binding
	last     *tcell.EventKey
}

// Last is the key event Handle is running an action for (for one action
// bound to several keys, such as the quiz's digits).
func (m *Map) Last() *tcell.EventKey { return m.last }

// Handle runs the action bound to ev and reports whether there was one. A
// binding without an action documents a key the focused widget handles.
func (m *Map) Handle(ev *tcell.EventKey) bool {
	b, ok := m.Match(ev)
	if !ok || b.Action == nil {
		return false // none, or documented here and handled by the focused widget
	}
	m.last = ev
	b.Action()
	m.last = nil
	return true
}

// Match is the binding of ev.
func (m *Map) Match(ev *tcell.EventKey) (Binding, bool) {
	for _, b := range m.Bindings {
		for _, x := range b.Keys {
			if x.Matches(ev) {
				return b, true
			}
		}
	}
	return Binding{}, false
}

// Find returns the binding with an ID.
func (m *Map) Find(id string) (Binding, bool) {
	if i := m.index(id); i >= 0 {
		return m.Bindings[i], true
	}
	return Binding{}, false
}

// Update changes the binding with an ID in place (a hint word that
// follows a state); it reports whether there was one.
func (m *Map) Update(id string, f func(*Binding)) bool {
	i := m.index(id)
	if i >= 0 {
		f(&m.Bindings[i])
	}
	return i >= 0
}

func (m *Map) index(id string) int {
	for i, b := range m.Bindings {
		if b.ID == id {
			return i
		}
	}
	return -1
}

// Takes reports whether one of the map's bindings has key x.
func (m *Map) Takes(x Key) bool {
	for _, b := range m.Bindings {
		if b.Takes(x) {
			return true
		}
	}
	return false
}

// Without is a key table named name of the bindings in list minus the
// keys taken by the maps given, for a help: a key a screen takes first
// never reaches the widget that also binds it.
func Without(name string, list []Binding, taken ...*Map) *Map {
	m := &Map{Name: name}
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
			b.Keys = keep
			m.Bindings = append(m.Bindings, b)
		}
	}
	return m
}
