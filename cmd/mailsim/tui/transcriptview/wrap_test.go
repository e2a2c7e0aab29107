package transcriptview

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// longLine is a 300-character wire line whose every 10 characters are
// numbered, so a lost or repeated piece shows.
func longLine() string {
	var b strings.Builder
	for i := 0; b.Len() < 300; i++ {
		fmt.Fprintf(&b, "<%03d-wire>", i)
	}
	return b.String()[:300]
}

func longSession(n int) *rows {
	src := &rows{}
	for i := range n {
		src.rows = append(src.rows, Row{Time: t0, Actor: "laptop", Dir: 'C', Text: fmt.Sprintf("A%d NOOP", i)})
	}
	src.rows = append(src.rows, Row{Time: t0, Actor: "laptop", Dir: 'S', Text: longLine()})
	return src
}

// wrapView returns a w×h screen and a pane over src filling it, without
// the time column, wrapping or not.
func wrapView(t *testing.T, src Source, w, h int, wrap bool) (tcell.SimulationScreen, *View) {
	s := newScreen(t, w, h)
	v := New(src)
	v.SetShowTime(false)
	v.SetWrap(wrap)
	v.SetRect(0, 0, w, h)
	return s, v
}

// textCol is the text column of a pane without the time column.
const textCol = gutterWidth + DefaultActorWidth + 1 + dirWidth

// joined returns the text of the screen lines from the text column on,
// continuation marks removed, each line's trailing spaces trimmed.
func joined(lines []string, textCol int) string {
	var b strings.Builder
	for _, l := range lines {
		r := []rune(l)
		if len(r) <= textCol {
			continue
		}
		b.WriteString(strings.TrimRight(string(r[textCol:]), " "))
	}
	return b.String()
}

func TestWrapShowsAWholeLongLineAndCutsWithoutIt(t *testing.T) {
	s, v := wrapView(t, longSession(1), 80, 12, false)
	tw := 80 - textCol

	lines := draw(t, s, v)
	if !strings.HasSuffix(lines[1], "…") || strings.Contains(strings.Join(lines, ""), "<029-wire>") {
		t.Errorf("wrap off: the long line is not cut with …:\n%s", strings.Join(lines, "\n"))
	}
	if got := strings.TrimRight(lines[2], " "); got != "" {
		t.Errorf("wrap off: the long line takes more than one row: %q", got)
	}

	v.SetWrap(true)
	lines = draw(t, s, v)
	want := (300 + tw - 1) / tw
	if !strings.HasPrefix(lines[1], "  laptop   S: <000-wire>") {
		t.Errorf("first row of the wrapped line: %q", lines[1])
	}
	for k := 1; k < want; k++ {
		l := lines[1+k]
		if !strings.HasPrefix(l, strings.Repeat(" ", textCol-dirWidth)+"↪") {
			t.Errorf("row %d is not a continuation under the text column: %q", 1+k, l)
		}
	}
	if got := joined(lines[1:1+want], textCol); got != longLine() {
		t.Errorf("wrap on: the rows hold\n%q\nwant\n%q\nscreen:\n%s", got, longLine(), strings.Join(lines, "\n"))
	}
	if strings.Contains(strings.Join(lines, ""), "…") {
		t.Errorf("wrap on: a … on screen:\n%s", strings.Join(lines, "\n"))
	}
	if got := strings.TrimRight(lines[1+want], " "); got != "" {
		t.Errorf("a row below the wrapped line: %q", got)
	}
	// The whole line is selected (follow mode: it is the last line).
	for k := 0; k < want; k++ {
		if _, st, _ := s.Get(textCol, 1+k); !reversed(st) {
			t.Errorf("row %d of the selected line is not highlighted", 1+k)
		}
	}
}

func TestWrapAtTheEndShowsTheLastLine(t *testing.T) {
	src := longSession(200)
	for i := 0; i < 200; i += 7 {
		src.rows[i].Text = longLine() // wrapped lines above, too
	}
	s, v := wrapView(t, src, 80, 10, true)
	check := func(name string) {
		t.Helper()
		lines := draw(t, s, v)
		// The last line takes the last 5 rows, whole.
		if got := joined(lines[5:], textCol); got != longLine() {
			t.Errorf("%s: the last rows hold %q\nscreen:\n%s", name, got, strings.Join(lines, "\n"))
		}
		if !strings.HasPrefix(lines[5], "  laptop   S: <000") {
			t.Errorf("%s: the last line does not start on row 5: %q", name, lines[5])
		}
	}
	check("follow")
	key(v, tcell.KeyHome, 0)
	draw(t, s, v)
	key(v, tcell.KeyEnd, 0)
	check("End")
	key(v, tcell.KeyHome, 0)
	draw(t, s, v)
	for range 250 {
		key(v, tcell.KeyDown, 0)
		draw(t, s, v)
	}
	check("Down to the end")
	if v.Selected() != 200 {
		t.Errorf("selected %d, want 200", v.Selected())
	}
	// Selecting a wrapped line above scrolls it whole into view.
	v.Select(196)
	lines := draw(t, s, v)
	if got := joined(lines, textCol); !strings.Contains(got, longLine()) {
		t.Errorf("the selected wrapped line 196 is not whole on screen:\n%s", strings.Join(lines, "\n"))
	}
	// A click on a continuation row selects its line.
	v.Select(0)
	draw(t, s, v)
	click(v, tview.MouseLeftClick, 20, 2)
	if v.Selected() != 0 {
		t.Errorf("a click on a continuation of line 0 selected %d", v.Selected())
	}
	click(v, tview.MouseLeftClick, 20, 5)
	if v.Selected() != 1 {
		t.Errorf("a click on the row after line 0's 5 rows selected %d, want 1", v.Selected())
	}
}

// A line longer than the whole screen shows its start and ends in "…".
func TestWrapALineTallerThanTheScreen(t *testing.T) {
	s, v := wrapView(t, longSession(0), 40, 4, true)
	lines := draw(t, s, v)
	if !strings.Contains(lines[0], "<000-wire>") || !strings.HasSuffix(lines[3], "…") {
		t.Errorf("screen:\n%s", strings.Join(lines, "\n"))
	}
}

// Wrapping never splits a wide character, and control characters are
// still shown as pictures.
func TestWrapWideAndControlCharacters(t *testing.T) {
	text := strings.Repeat("日本", 10) + "\x1b[31m"
	s, v := wrapView(t, &rows{rows: []Row{{Actor: "a", Dir: 'S', Text: text}}}, 30, 6, true)
	lines := draw(t, s, v)
	got := joined(lines, textCol)
	if want := strings.Repeat("日本", 10) + "␛[31m"; got != want {
		t.Errorf("got %q, want %q\n%s", got, want, strings.Join(lines, "\n"))
	}
}

// With wrap on, a frame at a million rows still reads only rows near the
// screen, a few times each at most.
func TestWrapDrawReadsOnlyRowsNearTheScreen(t *testing.T) {
	src := newGenerated(1_000_000)
	sim, v := wrapView(t, src, 200, 60, true)
	for _, sel := range []int{999_999, 500_000, 0} {
		v.Select(sel)
		src.rowCalls, src.asked = 0, map[int]int{}
		v.Draw(sim)
		if src.rowCalls > 4*60 {
			t.Errorf("select %d: %d Row calls for a 60-line screen", sel, src.rowCalls)
		}
		for i := range src.asked {
			if i < sel-60 || i > sel+60 {
				t.Errorf("select %d: row %d read", sel, i)
			}
		}
	}
}

// With wrap on, PgDn and PgUp move by a screen of rows, so no line is
// skipped, and come back to the start.
func TestWrapPagesByScreens(t *testing.T) {
	src := longSession(60)
	for i := 0; i < 60; i += 3 {
		src.rows[i].Text = longLine() // 5 rows each at 80 columns
	}
	s, v := wrapView(t, src, 80, 12, true)
	v.SetFollow(false)
	v.Select(0)
	seen := map[int]bool{}
	tops := []int{}
	lines := draw(t, s, v)
	for range 40 {
		for _, d := range v.screenLines {
			seen[d] = true
		}
		tops = append(tops, v.topRow)
		key(v, tcell.KeyPgDn, 0)
		lines = draw(t, s, v)
	}
	for i := 0; i <= 60; i++ {
		if !seen[i] {
			t.Errorf("line %d never on screen paging down (tops %v)", i, tops)
		}
	}
	if v.Selected() != 60 || joined(lines[7:], textCol) != longLine() {
		t.Errorf("PgDn to the end: selected %d\n%s", v.Selected(), strings.Join(lines, "\n"))
	}
	for range 40 {
		key(v, tcell.KeyPgUp, 0)
		lines = draw(t, s, v)
	}
	if v.topRow != 0 || v.Selected() != 0 || !strings.HasPrefix(lines[0], "  laptop   C: <000-wire>") {
		t.Errorf("PgUp to the start: top %d, selected %d\n%s", v.topRow, v.Selected(), strings.Join(lines, "\n"))
	}
}
