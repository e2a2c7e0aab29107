package keymap

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

func TestLabelsAreWrittenFromTheKeys(t *testing.T) {
	for _, c := range []struct {
		name string
		keys []Key
		want string
	}{
		{"one rune", []Key{Char('q')}, "q"},
		{"a special key and runes", []Key{Code(tcell.KeyRight), Char('n'), Char(' ')}, "→ n space"},
		{"tcell's name for a control key", []Key{Char('q'), Code(tcell.KeyCtrlC)}, "q Ctrl-C"},
		{"two digits in a row as a range", []Key{Char('1'), Char('2')}, "1–2"},
		{"nine digits as a range", []Key{Char('1'), Char('2'), Char('3'), Char('4'), Char('5'), Char('6'), Char('7'), Char('8'), Char('9')}, "1–9"},
		{"runes not in a row one by one", []Key{Char('+'), Char('=')}, "+ ="},
	} {
		b := Binding{Keys: c.keys}
		if got := b.Label(); got != c.want {
			t.Errorf("%s: Label() = %q, want %q", c.name, got, c.want)
		}
		if got, want := b.FirstKey(), strings.Fields(c.want)[0]; got != want {
			t.Errorf("%s: FirstKey() = %q, want %q", c.name, got, want)
		}
	}
}

func TestHandleRunsTheActionOfTheKeyAndNothingForAWidgetsKey(t *testing.T) {
	var ran []string
	m := &Map{Bindings: []Binding{
		{ID: "next", Keys: []Key{Code(tcell.KeyRight), Char('n')}, Action: func() { ran = append(ran, "next") }},
		{ID: "fold", Keys: []Key{Code(tcell.KeyEnter)}}, // the focused widget's
	}}
	if !m.Handle(tcell.NewEventKey(tcell.KeyRune, 'n', tcell.ModNone)) || len(ran) != 1 {
		t.Errorf("n did not run next: %v", ran)
	}
	if m.Handle(tcell.NewEventKey(tcell.KeyRune, 'n', tcell.ModAlt)) {
		t.Error("Alt-n ran next")
	}
	if m.Handle(tcell.NewEventKey(tcell.KeyEnter, 0, tcell.ModNone)) {
		t.Error("Enter, documented for the widget, was taken")
	}
	if !m.Update("next", func(b *Binding) { b.Short = "go" }) || m.Bindings[0].Short != "go" {
		t.Error("Update did not reach the binding by its ID")
	}
	if m.Update("nope", func(*Binding) {}) {
		t.Error("Update found an ID that is not there")
	}
}

func TestWithoutDropsTheKeysTakenFirst(t *testing.T) {
	screen := &Map{Bindings: []Binding{{ID: "next", Keys: []Key{Code(tcell.KeyRight)}}}}
	pane := Without("pane", []Binding{
		{ID: "right", Keys: []Key{Code(tcell.KeyRight), Char('l')}},
		{ID: "only", Keys: []Key{Code(tcell.KeyRight)}},
	}, screen)
	if len(pane.Bindings) != 1 || pane.Bindings[0].Label() != "l" {
		t.Errorf("Without kept %+v, want right on l only", pane.Bindings)
	}
}
