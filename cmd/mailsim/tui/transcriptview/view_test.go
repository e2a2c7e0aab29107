package transcriptview

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

func popSession() *rows {
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return &rows{rows: []Row{
		{Time: at(0), Actor: "laptop", Text: "laptop connected to pop.example.com:110"},
		{Time: at(1), Actor: "laptop", Dir: 'S', Text: "+OK POP3 ready"},
		{Time: at(2), Actor: "laptop", Dir: 'C', Text: "USER alice"},
		{Time: at(3), Actor: "laptop", Dir: 'S', Text: "+OK"},
		{Time: at(4), Actor: "phone", Dir: 'C', Text: "A1 FETCH 1 BODY[TEXT]", Mark: '!'},
		{Time: at(5), Actor: "phone", Dir: 'S', Text: "3 lines, 40 octets", Block: []string{"Hello,", "", "[see you]"}},
		{Time: at(6), Actor: "phone", Dir: 'S', Text: "A1 OK FETCH completed"},
	}}
}

func TestRowsAreDrawnAtTheirPlaces(t *testing.T) {
	s := newScreen(t, 120, 30)
	src := popSession()
	v := New(src)
	v.SetFollow(false)
	v.SetRect(0, 0, 120, 30)
	got := draw(t, s, v)
	want := []string{
		"  09:30:00.000 laptop      laptop connected to pop.example.com:110",
		"  09:30:00.001 laptop   S: +OK POP3 ready",
		"  09:30:00.002 laptop   C: USER alice",
		"  09:30:00.003 laptop   S: +OK",
		"! 09:30:00.004 phone    C: A1 FETCH 1 BODY[TEXT]",
		"  09:30:00.005 phone    S: ▸ 3 lines, 40 octets",
		"  09:30:00.006 phone    S: A1 OK FETCH completed",
		"",
	}
	for y, w := range want {
		if got[y] != pad(w, 120) {
			t.Errorf("line %d:\n got %q\nwant %q", y, strings.TrimRight(got[y], " "), w)
		}
	}

	v.SetShowTime(false)
	v.SetActorWidth(3)
	got = draw(t, s, v)
	if w := "  la… S: +OK POP3 ready"; got[1] != pad(w, 120) {
		t.Errorf("without time, actor width 3:\n got %q\nwant %q", strings.TrimRight(got[1], " "), w)
	}
	if w := "! ph… C: A1 FETCH"; !strings.HasPrefix(got[4], w) {
		t.Errorf("a long actor is cut: got %q", got[4])
	}
}

func TestWireTextIsDrawnLiterally(t *testing.T) {
	s := newScreen(t, 120, 30)
	v := New(&rows{rows: []Row{
		{Dir: 'C', Text: "A1 FETCH 1 BODY[TEXT] [red]not a tag[-]"},
		{Dir: 'S', Text: "tab\there NUL\x00 ESC\x1b[31m DEL\x7f bad\xffbyte C1\u0085 CRLF\r\n"},
	}})
	v.SetShowTime(false)
	v.SetActorWidth(0)
	v.SetRect(0, 0, 120, 30)
	got := draw(t, s, v)
	if w := "  C: A1 FETCH 1 BODY[TEXT] [red]not a tag[-]"; got[0] != pad(w, 120) {
		t.Errorf("brackets:\n got %q\nwant %q", got[0], w)
	}
	if w := "  S: tab     here NUL␀ ESC␛[31m DEL␡ bad�byte C1� CRLF␍␊"; got[1] != pad(w, 120) {
		t.Errorf("controls:\n got %q\nwant %q", got[1], w)
	}
}

func TestLongLinesEndWithAnEllipsisAtTheEdge(t *testing.T) {
	s := newScreen(t, 40, 5)
	long := strings.Repeat("0123456789", 10)
	v := New(&rows{rows: []Row{{Dir: 'C', Text: long}, {Dir: 'S', Text: "Thư " + long}, {Dir: 'S', Text: "exactly fits " + strings.Repeat("x", 40-5-13)}}})
	v.SetShowTime(false)
	v.SetActorWidth(0)
	v.SetRect(0, 0, 40, 5)
	got := draw(t, s, v)
	if w := "  C: " + long[:34] + "…"; got[0] != w {
		t.Errorf("ASCII:\n got %q\nwant %q", got[0], w)
	}
	if w := "  S: Thư " + long[:30] + "…"; got[1] != w {
		t.Errorf("Vietnamese:\n got %q\nwant %q", got[1], w)
	}
	if strings.Contains(got[2], "…") {
		t.Errorf("a line that fits exactly is not cut: %q", got[2])
	}

	// Horizontal scroll moves the text column only.
	key(v, tcell.KeyRight, 0)
	got = draw(t, s, v)
	if w := "  C: " + long[8:42] + "…"; got[0] != w {
		t.Errorf("scrolled right:\n got %q\nwant %q", got[0], w)
	}
	key(v, tcell.KeyRune, 'h')
	if got = draw(t, s, v); !strings.HasPrefix(got[0], "  C: 0123") {
		t.Errorf("scrolled back: %q", got[0])
	}
}

func TestEnterExpandsAndCollapsesABlock(t *testing.T) {
	s := newScreen(t, 120, 30)
	v := New(popSession())
	v.SetShowTime(false)
	v.SetRect(0, 0, 120, 30)
	v.Select(5)
	key(v, tcell.KeyEnter, 0)
	got := draw(t, s, v)
	for i, w := range []string{
		"  phone    S: ▾ 3 lines, 40 octets",
		"           S: │ Hello,",
		"           S: │ ",
		"           S: │ [see you]",
		"  phone    S: A1 OK FETCH completed",
	} {
		if got[5+i] != pad(w, 120) {
			t.Errorf("expanded line %d:\n got %q\nwant %q", 5+i, strings.TrimRight(got[5+i], " "), w)
		}
	}
	if !v.IsExpanded(5) || v.Selected() != 5 {
		t.Errorf("expanded=%v selected=%d, want true 5", v.IsExpanded(5), v.Selected())
	}
	// The cursor walks through the block's lines; the selected row stays.
	key(v, tcell.KeyDown, 0)
	key(v, tcell.KeyDown, 0)
	if v.Selected() != 5 {
		t.Errorf("inside the block: selected %d, want 5", v.Selected())
	}
	key(v, tcell.KeyRune, ' ')
	got = draw(t, s, v)
	if w := "  phone    S: ▸ 3 lines, 40 octets"; got[5] != pad(w, 120) {
		t.Errorf("collapsed:\n got %q\nwant %q", got[5], w)
	}
	if w := "  phone    S: A1 OK FETCH completed"; got[6] != pad(w, 120) {
		t.Errorf("after collapse:\n got %q\nwant %q", got[6], w)
	}
	if v.IsExpanded(5) || v.Selected() != 5 {
		t.Errorf("expanded=%v selected=%d, want false 5", v.IsExpanded(5), v.Selected())
	}
	// Enter on a row that is not a block does nothing.
	v.Select(2)
	key(v, tcell.KeyEnter, 0)
	if v.IsExpanded(2) {
		t.Error("a plain row expanded")
	}
}

func TestTheSelectedLineIsReversed(t *testing.T) {
	s := newScreen(t, 60, 10)
	v := New(popSession())
	v.SetRect(0, 0, 60, 10)
	v.Select(2)
	draw(t, s, v)
	for y := 0; y < 7; y++ {
		for _, x := range []int{0, 20, 40, 59} {
			_, st, _ := s.Get(x, y)
			if rev := reversed(st); rev != (y == 2) {
				t.Errorf("cell %d,%d reverse=%v", x, y, rev)
			}
		}
	}
}

func TestKeysMoveTheSelection(t *testing.T) {
	s := newScreen(t, 80, 10) // 10 lines on screen
	src := newGenerated(1000)
	v := New(src)
	var changes []int
	v.SetSelectedFunc(func(i int) { changes = append(changes, i) })
	v.SetRect(0, 0, 80, 10)
	draw(t, s, v)
	steps := []struct {
		name   string
		key    tcell.Key
		r      rune
		want   int
		follow bool
	}{
		{"follow starts at the end", tcell.KeyRune, 0, 999, true},
		{"Up leaves follow mode", tcell.KeyUp, 0, 998, false},
		{"k goes up", tcell.KeyRune, 'k', 997, false},
		{"Down goes down", tcell.KeyDown, 0, 998, false},
		{"j goes down", tcell.KeyRune, 'j', 999, false},
		{"Down at the end stays", tcell.KeyDown, 0, 999, false},
		{"Home goes to the first row", tcell.KeyHome, 0, 0, false},
		{"PgDn goes down one screen", tcell.KeyPgDn, 0, 10, false},
		{"PgUp goes back", tcell.KeyPgUp, 0, 0, false},
		{"G goes to the end and follows", tcell.KeyRune, 'G', 999, true},
		{"g goes to the start", tcell.KeyRune, 'g', 0, false},
		{"End follows", tcell.KeyEnd, 0, 999, true},
	}
	for _, st := range steps {
		if st.r != 0 || st.key != tcell.KeyRune {
			key(v, st.key, st.r)
		}
		lines := draw(t, s, v)
		if v.Selected() != st.want || v.Follow() != st.follow {
			t.Fatalf("%s: selected %d follow %v, want %d %v", st.name, v.Selected(), v.Follow(), st.want, st.follow)
		}
		// The selected row is on screen.
		y := v.folds.line(v.selRow, v.selSub) - v.folds.line(v.topRow, v.topSub)
		if y < 0 || y >= 10 || !strings.Contains(lines[y], "09:30:") {
			t.Fatalf("%s: cursor line %d not on screen", st.name, y)
		}
		_, style, _ := s.Get(0, y)
		if !reversed(style) {
			t.Fatalf("%s: line %d is not highlighted", st.name, y)
		}
	}
	if fmt.Sprint(changes) != "[998 997 998 999 0 10 0 999 0 999]" {
		t.Errorf("selected func calls: %v", changes)
	}
}

func TestFollowKeepsTheLastRowVisible(t *testing.T) {
	s := newScreen(t, 80, 10)
	src := &rows{}
	v := New(src)
	v.SetRect(0, 0, 80, 10)
	var last int
	v.SetSelectedFunc(func(i int) { last = i })
	for n := 1; n <= 25; n++ {
		src.rows = append(src.rows, Row{Actor: "laptop", Dir: 'C', Text: fmt.Sprintf("NOOP %d", n)})
		v.Refresh()
		lines := draw(t, s, v)
		bottom := min(n, 10) - 1
		if !strings.Contains(lines[bottom], fmt.Sprintf("NOOP %d ", n)) && !strings.HasSuffix(strings.TrimRight(lines[bottom], " "), fmt.Sprintf("NOOP %d", n)) {
			t.Fatalf("after %d rows the last line on screen is %q", n, lines[bottom])
		}
		if v.Selected() != n-1 || last != n-1 {
			t.Fatalf("after %d rows: selected %d, func got %d", n, v.Selected(), last)
		}
	}
	// Once the user moves up, appending leaves the view alone.
	key(v, tcell.KeyUp, 0)
	draw(t, s, v)
	src.rows = append(src.rows, Row{Dir: 'C', Text: "NOOP 26"})
	v.Refresh()
	lines := draw(t, s, v)
	if v.Selected() != 23 || strings.Contains(strings.Join(lines, "\n"), "NOOP 26") {
		t.Errorf("follow off: selected %d; NOOP 26 shown: %v", v.Selected(), strings.Contains(strings.Join(lines, "\n"), "NOOP 26"))
	}
	// An expanded last block: follow shows its end.
	v.SetFollow(true)
	src.rows = append(src.rows, Row{Dir: 'S', Text: "5 lines", Block: []string{"1", "2", "3", "4", "last body line"}})
	v.Refresh()
	v.ToggleBlock(len(src.rows) - 1)
	lines = draw(t, s, v)
	if !strings.Contains(lines[9], "last body line") {
		t.Errorf("expanded last block: bottom line %q", lines[9])
	}
}

func TestMouse(t *testing.T) {
	s := newScreen(t, 80, 12)
	src := popSession()
	v := New(src)
	v.SetBorder(true)
	v.SetRect(0, 0, 80, 12) // inner rect starts at 1,1
	draw(t, s, v)
	if v.Selected() != 6 || !v.Follow() {
		t.Fatalf("start: selected %d follow %v", v.Selected(), v.Follow())
	}
	if !click(v, tview.MouseLeftClick, 30, 1+2) {
		t.Error("click not consumed")
	}
	if v.Selected() != 2 || v.Follow() {
		t.Errorf("after a click on the 3rd line: selected %d follow %v, want 2 false", v.Selected(), v.Follow())
	}
	if click(v, tview.MouseLeftClick, 100, 3) {
		t.Error("a click outside the box was consumed")
	}
	click(v, tview.MouseLeftClick, 30, 1+10) // below the last row
	if v.Selected() != 2 {
		t.Errorf("a click below the rows moved the selection to %d", v.Selected())
	}
	// A double click on the block row toggles it.
	click(v, tview.MouseLeftClick, 30, 1+5)
	click(v, tview.MouseLeftDoubleClick, 30, 1+5)
	if v.Selected() != 5 || !v.IsExpanded(5) {
		t.Errorf("double click: selected %d expanded %v", v.Selected(), v.IsExpanded(5))
	}
	// The wheel scrolls the view, not the selection.
	big := newGenerated(500)
	v.SetSource(big)
	v.SetFollow(true)
	draw(t, s, v)
	top := v.topRow
	click(v, tview.MouseScrollUp, 10, 5)
	draw(t, s, v)
	if v.topRow != top-3 || v.Selected() != 499 || v.Follow() {
		t.Errorf("wheel up: top %d (was %d) selected %d follow %v", v.topRow, top, v.Selected(), v.Follow())
	}
	click(v, tview.MouseScrollDown, 10, 5)
	draw(t, s, v)
	if v.topRow != top {
		t.Errorf("wheel down: top %d, want %d", v.topRow, top)
	}
}

// The pane works inside a real tview application: focus, Flex, key and
// mouse events from the screen.
func TestInsideAnApplication(t *testing.T) {
	s := tcell.NewSimulationScreen("UTF-8")
	src := popSession()
	v := New(src)
	v.SetBorder(true).SetTitle("Transcript")
	flex := tview.NewFlex().AddItem(tview.NewBox().SetBorder(true), 20, 0, false).AddItem(v, 0, 1, true)
	app := tview.NewApplication().SetScreen(s).SetRoot(flex, true).EnableMouse(true)
	s.SetSize(100, 20)
	selected := make(chan int, 16)
	v.SetSelectedFunc(func(i int) { selected <- i })
	done := make(chan error)
	go func() { done <- app.Run() }()
	defer func() {
		app.Stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	wait := func(want int) {
		t.Helper()
		timeout := time.After(5 * time.Second)
		for {
			select {
			case i := <-selected:
				if i == want {
					return
				}
			case <-timeout:
				t.Fatalf("selection never became %d", want)
			}
		}
	}
	// Let the app draw once, then send keys through the screen.
	app.QueueUpdateDraw(func() {})
	s.InjectKey(tcell.KeyRune, 'g', tcell.ModNone)
	wait(0)
	s.InjectKey(tcell.KeyDown, 0, tcell.ModNone)
	wait(1)
	// Click on the 5th row: Flex puts the pane at x=20, its border at y=0.
	s.InjectMouse(40, 1+4, tcell.Button1, tcell.ModNone)
	s.InjectMouse(40, 1+4, tcell.ButtonNone, tcell.ModNone)
	wait(4)
}

func TestVietnameseAndWideTextAlign(t *testing.T) {
	s := newScreen(t, 120, 30)
	src := &rows{rows: []Row{
		{Actor: "laptop", Dir: 'C', Text: "RETR 1"},
		{Actor: "máy tính", Dir: 'S', Text: "Thư đã được tải về"},                                // precomposed (NFC)
		{Actor: "điện thoại", Dir: 'S', Text: "Thu\u031b\u0300 đa\u0303 đu\u031bo\u031b\u0323c"}, // combining marks (NFD)
		{Actor: "laptop", Dir: 'C', Text: strings.Repeat("日本語のメール📧", 10)},                        // wide, cut at the edge
		{Actor: "laptop", Dir: 'C', Text: "\u0301 a lone combining mark"},
	}}
	v := New(src)
	v.SetFollow(false)
	v.SetRect(10, 3, 60, 20) // a box inside the screen
	const fill = '#'
	s.Fill(fill, tcell.StyleDefault)
	v.Draw(s)
	s.Show()

	textX := 10 + gutterWidth + timeWidth + DefaultActorWidth + 1 + dirWidth
	dirX := textX - dirWidth
	for y, want := range []struct{ dir, first string }{
		{"C", "R"}, {"S", "T"}, {"S", "T"}, {"C", "日"}, {"C", "◌\u0301"},
	} {
		if got := cellAt(s, dirX, 3+y); got != want.dir {
			t.Errorf("row %d: %q at the direction column, want %q", y, got, want.dir)
		}
		if got := cellAt(s, textX, 3+y); got != want.first {
			t.Errorf("row %d: %q at the text column, want %q", y, got, want.first)
		}
	}
	if got := cellAt(s, textX+1, 4); got != "h" {
		t.Errorf("after T: %q", got)
	}
	if got := cellAt(s, textX+2, 4); got != "ư" {
		t.Errorf("precomposed ư: %q", got)
	}
	if got := cellAt(s, textX+2, 5); got != "u\u031b\u0300" {
		t.Errorf("decomposed ừ is one cell: %q", got)
	}
	// Actor names with diacritics are padded by width, and cut with "…".
	actorX := 10 + gutterWidth + timeWidth
	if got := cellAt(s, actorX+7, 4); got != "h" {
		t.Errorf("máy tính: last letter at %d is %q", actorX+7, got)
	}
	if got := cellAt(s, actorX+7, 5); got != "…" {
		t.Errorf("điện thoại cut to 8 cells: %q", got)
	}
	// The wide row ends inside the box with "…", and nothing is outside.
	if got := cellAt(s, 10+60-1, 6); got != "…" {
		t.Errorf("wide row: last cell %q", got)
	}
	lines := contents(s)
	for y, line := range lines {
		if y < 3 || y >= 23 {
			if line != strings.Repeat(string(fill), 120) {
				t.Errorf("line %d outside the box was drawn on: %q", y, line)
			}
			continue
		}
		if !strings.HasPrefix(line, strings.Repeat(string(fill), 10)) || !strings.HasSuffix(line, strings.Repeat(string(fill), 50)) {
			t.Errorf("line %d: cells outside the box were drawn on: %q", y, line)
		}
	}
}

func TestAnEmptyOrGrowingSourceIsSafe(t *testing.T) {
	s := newScreen(t, 40, 5)
	src := &rows{}
	v := New(src)
	v.SetRect(0, 0, 40, 5)
	for _, k := range []tcell.Key{tcell.KeyUp, tcell.KeyDown, tcell.KeyPgDn, tcell.KeyEnd, tcell.KeyHome, tcell.KeyEnter} {
		key(v, k, 0)
	}
	click(v, tview.MouseLeftClick, 3, 3)
	v.ToggleBlock(0)
	v.Select(3)
	v.Refresh()
	if lines := draw(t, s, v); strings.TrimSpace(strings.Join(lines, "")) != "" || v.Selected() != -1 {
		t.Errorf("empty source: selected %d, screen %q", v.Selected(), lines)
	}
	// The source shrinks under an expanded block and the selection.
	src.rows = popSession().rows
	v.Refresh()
	v.ToggleBlock(5)
	v.Select(5)
	key(v, tcell.KeyDown, 0)
	src.rows = src.rows[:3]
	v.Refresh()
	draw(t, s, v)
	if v.Selected() != 2 || v.IsExpanded(5) {
		t.Errorf("after shrinking: selected %d, row 5 expanded %v", v.Selected(), v.IsExpanded(5))
	}
}

func TestEveryPaneBindingHasAnActionAndKeys(t *testing.T) {
	for _, b := range Bindings() {
		if actions[b.ID] == nil || len(b.Keys) == 0 {
			t.Errorf("binding %q (%s) has no action or no keys", b.ID, b.Label())
		}
	}
	if len(actions) != len(bindings) {
		t.Errorf("%d actions for %d bindings", len(actions), len(bindings))
	}
}
