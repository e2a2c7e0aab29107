package transcriptview

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// rows is a Source over a slice that counts its calls.
type rows struct {
	rows      []Row
	lenCalls  int
	rowCalls  int
	rowsAsked map[int]int
}

func (s *rows) Len() int { s.lenCalls++; return len(s.rows) }

func (s *rows) Row(i int) *Row {
	s.rowCalls++
	if s.rowsAsked != nil {
		s.rowsAsked[i]++
	}
	return &s.rows[i]
}

// generated is a Source of n rows built on demand, so a million rows cost
// no memory: every 50th row is a block of 60 lines.
type generated struct {
	n        int
	rowCalls int
	asked    map[int]int
	body     []string
}

func newGenerated(n int) *generated {
	g := &generated{n: n}
	for i := range 60 {
		g.body = append(g.body, fmt.Sprintf("line %02d of the message body, some text to fill the width of the pane", i))
	}
	return g
}

var t0 = time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)

func (g *generated) Len() int { return g.n }

func (g *generated) Row(i int) *Row {
	g.rowCalls++
	if g.asked != nil {
		g.asked[i]++
	}
	r := &Row{Time: t0.Add(time.Duration(i) * time.Millisecond), Ref: i, Style: tcell.StyleDefault.Foreground(tcell.ColorYellow)}
	switch {
	case i%50 == 49:
		r.Actor, r.Dir, r.Block = "laptop", 'S', g.body
		r.Text = "60 lines, 2345 octets"
	case i%2 == 0:
		r.Actor, r.Dir, r.Text = "laptop", 'C', "A"+fmt.Sprint(i)+" UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"
	default:
		r.Actor, r.Dir, r.Text = "pop.example.com", 'S', "* 1 FETCH (UID 4 FLAGS (\\Seen) BODY[TEXT] {2345} and a long tail of text that goes past the right edge of a wide pane, far beyond two hundred columns of a terminal, so it is truncated"
		r.Mark = '✓'
	}
	return r
}

// newScreen returns an initialised simulation screen of w×h cells.
func newScreen(t testing.TB, w, h int) tcell.SimulationScreen {
	t.Helper()
	s := tcell.NewSimulationScreen("UTF-8")
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	s.SetSize(w, h)
	t.Cleanup(s.Fini)
	return s
}

// draw draws v on s, shows it, and returns the screen's lines as text (wide
// characters once, trailing spaces kept).
func draw(t testing.TB, s tcell.SimulationScreen, v *View) []string {
	t.Helper()
	v.Draw(s)
	s.Show()
	return contents(s)
}

// contents reads the front buffer of s with GetContents.
func contents(s tcell.SimulationScreen) []string {
	cells, w, h := s.GetContents()
	out := make([]string, h)
	for y := 0; y < h; y++ {
		var b strings.Builder
		for x := 0; x < w; x++ {
			c := string(cells[y*w+x].Runes)
			b.WriteString(c)
			if uniseg.StringWidth(c) == 2 {
				x++ // the other half of a wide character
			}
		}
		out[y] = b.String()
	}
	return out
}

// cellAt returns the grapheme drawn at x, y (from the back buffer).
func cellAt(s tcell.Screen, x, y int) string {
	str, _, _ := s.Get(x, y)
	return str
}

// key sends a key to v as tview would.
func key(v *View, k tcell.Key, r rune) {
	v.InputHandler()(tcell.NewEventKey(k, r, tcell.ModNone), func(tview.Primitive) {})
}

// click sends a mouse action at x, y to v as tview would.
func click(v *View, action tview.MouseAction, x, y int) (consumed bool) {
	consumed, _ = v.MouseHandler()(action, tcell.NewEventMouse(x, y, tcell.Button1, tcell.ModNone), func(tview.Primitive) {})
	return consumed
}

// pad pads s with spaces to w cells.
func pad(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-uniseg.StringWidth(s)))
}

func reversed(st tcell.Style) bool {
	_, _, attrs := st.Decompose()
	return attrs&tcell.AttrReverse != 0
}
