package widgets

import (
	"strings"
	"testing"

	"mailsim/cmd/mailsim/tui/keymap"
)

// plainHints is the hint bar as the reader sees it, without tags (the
// test's keys and words hold no brackets).
func plainHints(m *keymap.Map, lang string, width int) string {
	s := Hints(m, NewTheme(), lang, width)
	return strings.TrimSpace(stripTags(s))
}

func stripTags(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		s = s[i+j+1:]
	}
	return b.String()
}

// TestANarrowHintBarKeepsHelpAndTheWayOut: when the hints do not all
// fit, the ones that give way are the table's last droppable ones; help
// and quit stay, so a reader is never left without a way out.
func TestANarrowHintBarKeepsHelpAndTheWayOut(t *testing.T) {
	m := &keymap.Map{Bindings: []keymap.Binding{
		{ID: "a", Keys: []keymap.Key{keymap.Char('a')}, Short: "alpha"},
		{ID: "b", Keys: []keymap.Key{keymap.Char('b')}, Short: "bravo"},
		{ID: "c", Keys: []keymap.Key{keymap.Char('c')}, Short: "charlie"},
		{ID: "help", Keys: []keymap.Key{keymap.Char('?')}, Short: "help", Keep: true},
		{ID: "quit", Keys: []keymap.Key{keymap.Char('q')}, Short: "quit", Keep: true},
	}}
	for _, tt := range []struct {
		width int
		want  string
	}{
		{80, "a alpha  b bravo  c charlie  ? help  q quit"},
		{45, "a alpha  b bravo  c charlie  ? help  q quit"}, // exactly wide enough, with its last two spaces
		{44, "a alpha  b bravo  ? help  q quit"},
		{25, "a alpha  ? help  q quit"},
		{16, "? help  q quit"},
		{9, "? help"}, // not even the kept ones fit: cut on a whole hint
	} {
		if got := plainHints(m, "en", tt.width); got != tt.want {
			t.Errorf("width %d: %q, want %q", tt.width, got, tt.want)
		}
	}
}
