package transcriptview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// clipped is a screen that records every write outside a rectangle.
type clipped struct {
	tcell.Screen
	x, y, w, h int
	outside    []string
}

func (c *clipped) check(x, y int) {
	if x < c.x || y < c.y || x >= c.x+c.w || y >= c.y+c.h {
		c.outside = append(c.outside, fmt.Sprintf("%d,%d", x, y))
	}
}

func (c *clipped) Put(x, y int, s string, st tcell.Style) (string, int) {
	c.check(x, y)
	return c.Screen.Put(x, y, s, st)
}

func (c *clipped) SetContent(x, y int, r rune, comb []rune, st tcell.Style) {
	c.check(x, y)
	c.Screen.SetContent(x, y, r, comb, st)
}

func TestResizeDrawsOnlyInsideTheBox(t *testing.T) {
	sim := newScreen(t, 200, 60)
	src := newGenerated(100_000)
	v := New(src)
	v.SetBorder(true).SetTitle("Transcript")
	for _, row := range []int{99_949, 99_999, 49_999} {
		v.ToggleBlock(row)
	}
	for i, size := range [][2]int{{200, 60}, {80, 24}, {200, 60}, {1, 1}, {5, 3}, {80, 24}} {
		w, h := size[0], size[1]
		sim.SetSize(w, h)
		sim.Fill('#', tcell.StyleDefault)
		// The box leaves a margin of 2 columns and 1 line on each side.
		bx, by, bw, bh := 2, 1, w-4, h-2
		v.SetRect(bx, by, bw, bh)
		scr := &clipped{Screen: sim, x: bx, y: by, w: bw, h: bh}
		v.Draw(scr)
		if i == 2 {
			v.Select(50_000) // and scroll to the middle, into a block
			key(v, tcell.KeyUp, 0)
			key(v, tcell.KeyRight, 0)
			v.Draw(scr)
		}
		sim.Show()
		if len(scr.outside) > 0 {
			t.Errorf("%dx%d: drawn outside the box at %v", w, h, scr.outside[:min(len(scr.outside), 5)])
		}
		cells, cw, ch := sim.GetContents()
		for y := range ch {
			for x := range cw {
				inside := x >= bx && y >= by && x < bx+bw && y < by+bh
				if got := string(cells[y*cw+x].Runes); !inside && got != "#" {
					t.Fatalf("%dx%d: cell %d,%d outside the box is %q", w, h, x, y, got)
				}
			}
		}
	}
}

// The real guarantee behind the benchmarks: a frame asks the source only
// for the rows it shows, and keys ask for none.
func TestDrawReadsOnlyVisibleRows(t *testing.T) {
	sim := newScreen(t, 200, 60)
	src := newGenerated(1_000_000)
	src.asked = map[int]int{}
	v := New(src)
	v.SetRect(0, 0, 200, 60)
	for _, row := range []int{49, 499_949, 499_999, 999_949} {
		v.ToggleBlock(row) // one Row call each
	}
	check := func(name string, maxRows int) {
		t.Helper()
		src.rowCalls, src.asked = 0, map[int]int{}
		v.Draw(sim)
		top := v.topRow
		if src.rowCalls > maxRows {
			t.Errorf("%s: %d Row calls for a 60-line screen, want <= %d", name, src.rowCalls, maxRows)
		}
		for i, c := range src.asked {
			if c != 1 || i < top || i >= top+60 {
				t.Errorf("%s: row %d asked %d times (top row %d)", name, i, c, top)
			}
		}
	}
	check("end", 60)
	v.Select(499_970)
	check("middle", 60)
	v.Select(499_949) // scrolls up to put the expanded block at the top
	check("a block", 60)
	if src.rowCalls != 1 {
		t.Errorf("a screen that is mostly one block asked for %d rows", src.rowCalls)
	}
	v.Select(0)
	check("start", 60)

	src.rowCalls = 0
	for _, k := range []tcell.Key{tcell.KeyEnd, tcell.KeyPgUp, tcell.KeyUp, tcell.KeyHome, tcell.KeyPgDn, tcell.KeyDown, tcell.KeyRight} {
		key(v, k, 0)
	}
	click(v, 0, 0, 0)
	v.Refresh() // one Row call per expanded block
	if src.rowCalls != 4 {
		t.Errorf("keys and Refresh asked for %d rows, want 4 (the expanded blocks)", src.rowCalls)
	}
}

// Turning the border on or off between frames, without a new SetRect,
// still draws every cell of the box afresh.
func TestTogglingTheBorderRedrawsTheBox(t *testing.T) {
	sim := newScreen(t, 40, 8)
	v := New(popSession())
	v.SetRect(0, 0, 40, 8)
	v.SetBorder(true)
	draw(t, sim, v)
	v.SetBorder(false)
	lines := draw(t, sim, v)
	if got := cellAt(sim, 0, 0); got != " " || strings.ContainsAny(lines[7], "─┘") {
		t.Errorf("border left behind: %q / %q", lines[0], lines[7])
	}
	v.SetBorder(true)
	lines = draw(t, sim, v)
	if !strings.HasPrefix(lines[0], "┌") || !strings.HasPrefix(lines[7], "└") {
		t.Errorf("border not drawn: %q / %q", lines[0], lines[7])
	}
}
