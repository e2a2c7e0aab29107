package transcriptview

import (
	"unicode"
	"unicode/utf8"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/internal/textsafe"
)

// Row layout, left to right:
//
//	[mark gutter][15:04:05.000 ][actor padded to ActorWidth ][C: |S: ]text
//
// A block's summary text starts with "▸ " (collapsed) or "▾ " (expanded);
// its lines repeat the direction prefix and start with "│ ".
const (
	gutterWidth = 2 // the mark and a space
	timeLayout  = "15:04:05.000"
	timeWidth   = len(timeLayout) + 1
	dirWidth    = 3 // "C: "
	foldWidth   = 2 // "▸ "
	tabWidth    = 8
	ellipsis    = "…"
)

// cell is one grapheme cluster of a line laid out for display.
type cell struct {
	s   string // what to Put: a grapheme cluster, a space or a control picture
	w   int    // width in screen cells: 1 or 2
	col int    // first column, counted from the start of the line
}

// Draw draws the rows on screen. It calls Source.Len once and Source.Row
// once per row that is (at least partly) visible (with wrap on, a few times
// per row near the screen, to measure lines); its cost does not depend on
// the number of rows.
func (v *View) Draw(screen tcell.Screen) {
	// The Box draws the border and title, and fills its background cell by
	// cell, which costs more than drawing the rows. Every inner cell is
	// drawn below, so its fill there is skipped.
	x, y, w, h := v.GetInnerRect()
	v.boxScreen = boxScreen{Screen: screen, x: x, y: y, w: w, h: h}
	v.Box.DrawForSubclass(&v.boxScreen, v)
	v.boxScreen.Screen = nil
	if ax, ay, aw, ah := v.GetInnerRect(); ax != x || ay != y || aw != w || ah != h {
		// The inner rect changed since the last SetRect (e.g. SetBorder):
		// draw the box again, unfiltered.
		v.Box.DrawForSubclass(screen, v)
		x, y, w, h = ax, ay, aw, ah
	}
	if w <= 0 || h <= 0 {
		return
	}
	v.height, v.width = h, w
	n := v.src.Len()
	v.clamp(n)
	if v.follow {
		v.toEnd()
	}
	total := v.total(n)

	// Scroll: keep the top where it was, show a newly expanded block, then
	// the cursor, and never leave empty lines below the last one.
	base := tcell.StyleDefault.Background(v.GetBackgroundColor()).Foreground(tview.Styles.PrimaryTextColor)
	if v.wrap {
		v.drawWrapped(screen, x, y, w, h, total, base)
		return
	}
	v.topWrap = 0
	top := v.folds.line(v.topRow, v.topSub)
	if v.reveal >= 0 && v.folds.isExpanded(v.reveal) {
		start := v.folds.line(v.reveal, 0)
		end := start + v.folds.extra(v.reveal)
		if end >= top+h {
			top = end - h + 1
		}
		top = min(top, start)
	}
	v.reveal = -1
	cur := v.cursor()
	if v.keepSel && n > 0 {
		if cur < top {
			top = cur
		}
		if cur >= top+h {
			top = cur - h + 1
		}
	}
	v.keepSel = false
	top = max(0, min(top, total-h))
	v.topRow, v.topSub = v.folds.locate(top)

	row, sub := v.topRow, v.topSub
	fetched, extra := -1, 0
	var r *Row
	for i := 0; i < h; i++ {
		d := top + i
		if d >= total {
			fill(screen, x, y+i, w, base)
			continue
		}
		if row != fetched {
			r, fetched, extra = v.src.Row(row), row, v.folds.extra(row)
		}
		v.drawLine(screen, x, y+i, w, r, sub, 0, extra > 0, d == cur, base)
		if sub < extra {
			sub++
		} else {
			row, sub = row+1, 0
		}
	}
}

// boxScreen passes on the Box's drawing, except inside the inner rect.
type boxScreen struct {
	tcell.Screen
	x, y, w, h int
}

func (s *boxScreen) inside(x, y int) bool {
	return x >= s.x && y >= s.y && x < s.x+s.w && y < s.y+s.h
}

func (s *boxScreen) SetContent(x, y int, primary rune, combining []rune, style tcell.Style) {
	if !s.inside(x, y) {
		s.Screen.SetContent(x, y, primary, combining, style)
	}
}

func (s *boxScreen) Put(x, y int, str string, style tcell.Style) (string, int) {
	if s.inside(x, y) {
		return "", 0
	}
	return s.Screen.Put(x, y, str, style)
}

// drawLine draws sub-line sub of row r (0: the row itself, k: Block[k-1])
// into the w cells from x. With wrap on, it draws screen row part of the
// line, which wrapText has laid out: part 0 with the row's prefix, the
// others as continuations under the text column.
func (v *View) drawLine(screen tcell.Screen, x, y, w int, r *Row, sub, part int, expanded, selected bool, base tcell.Style) {
	if r == nil {
		fill(screen, x, y, w, base.Reverse(selected))
		return
	}
	rs := r.Style
	if fg, bg, _ := rs.Decompose(); bg == tcell.ColorDefault || fg == tcell.ColorDefault {
		_, bbg, _ := base.Decompose()
		bfg, _, _ := base.Decompose()
		if bg == tcell.ColorDefault {
			rs = rs.Background(bbg)
		}
		if fg == tcell.ColorDefault {
			rs = rs.Foreground(bfg)
		}
	}
	if selected {
		base, rs = base.Reverse(true), rs.Reverse(true)
	}
	right := x + w
	col := x
	// seg draws text (from column skip) into a segment of width cells,
	// clipped at the right edge, padded with spaces.
	seg := func(text string, width, skip int, style tcell.Style) {
		width = min(width, right-col)
		if width <= 0 {
			return
		}
		used := v.drawText(screen, col, y, width, text, skip, style)
		fill(screen, col+used, y, width-used, style)
		col += width
	}

	if part > 0 {
		// A continuation: blank up to the direction column, "↪" there.
		seg("", v.textColumn(r, sub)-dirWidth-foldColumn(r, sub), 0, base)
		seg("↪", dirWidth, 0, rs.Dim(true))
		seg("", foldColumn(r, sub), 0, rs)
		if r.Dir != 'C' && r.Dir != 'S' {
			rs = rs.Italic(true)
		}
		v.drawPart(screen, col, y, right-col, part, rs)
		return
	}
	mark := ""
	if sub == 0 && r.Mark != 0 {
		mark = string(r.Mark)
	}
	seg(mark, gutterWidth, 0, markStyle(r.Mark, rs))

	if v.showTime {
		t := ""
		if sub == 0 && !r.Time.IsZero() {
			v.tbuf = r.Time.AppendFormat(v.tbuf[:0], timeLayout)
			t = string(v.tbuf)
		}
		seg(t, timeWidth, 0, base.Dim(true))
	}
	if v.actorWidth > 0 {
		actor := ""
		if sub == 0 {
			actor = r.Actor
		}
		seg(actor, v.actorWidth, 0, rs)
		seg("", 1, 0, rs)
	}

	text, style := r.Text, rs
	switch r.Dir {
	case 'C':
		seg("C:", dirWidth, 0, rs.Bold(sub == 0).Dim(sub > 0))
	case 'S':
		seg("S:", dirWidth, 0, rs.Bold(sub == 0).Dim(sub > 0))
	default:
		seg("", dirWidth, 0, rs)
		style = rs.Italic(true)
	}
	switch {
	case sub > 0:
		text = ""
		if sub-1 < len(r.Block) {
			text = r.Block[sub-1]
		}
		seg("│", foldWidth, 0, rs.Dim(true))
	case r.Block != nil && expanded:
		seg("▾", foldWidth, 0, rs.Bold(true))
	case r.Block != nil:
		seg("▸", foldWidth, 0, rs.Bold(true))
	}
	if v.wrap {
		v.drawPart(screen, col, y, right-col, 0, style)
		return
	}
	seg(text, right-col, v.hoff, style)
}

// markStyle is the style of a gutter mark: '!' and '✗' red, '✓' green.
func markStyle(m rune, rs tcell.Style) tcell.Style {
	switch m {
	case '!', '✗', 'x':
		return rs.Foreground(tcell.ColorRed).Bold(true)
	case '✓':
		return rs.Foreground(tcell.ColorGreen).Bold(true)
	}
	return rs.Bold(true)
}

// fill writes n spaces from x.
func fill(screen tcell.Screen, x, y, n int, style tcell.Style) {
	for i := 0; i < n; i++ {
		screen.Put(x+i, y, " ", style)
	}
}

// drawText draws the columns [skip, skip+maxw) of text from x and returns
// how many cells it wrote (at most maxw). A line that does not fit ends in
// "…". Its cost is bounded by maxw+skip, not by the length of text, except
// for runs of zero-width characters.
func (v *View) drawText(screen tcell.Screen, x, y, maxw int, text string, skip int, style tcell.Style) int {
	if maxw <= 0 {
		return 0
	}
	limit := skip + maxw
	if plainASCII(text, limit+1) {
		// Fast path: one byte, one cell.
		n := len(text)
		if skip >= n {
			return 0
		}
		if n <= limit {
			for i := skip; i < n; i++ {
				screen.Put(x+i-skip, y, text[i:i+1], style)
			}
			return n - skip
		}
		for i := skip; i < limit-1; i++ {
			screen.Put(x+i-skip, y, text[i:i+1], style)
		}
		screen.Put(x+maxw-1, y, ellipsis, style)
		return maxw
	}

	cells, col, overflow := v.layout(text, limit)
	end := limit
	if overflow {
		end = limit - 1
	}
	for _, c := range cells {
		if c.col+c.w <= skip {
			continue
		}
		if c.col >= end {
			break
		}
		if c.col < skip || c.col+c.w > end {
			// A wide character cut by an edge: show its visible half blank.
			for k := max(c.col, skip); k < min(c.col+c.w, end); k++ {
				screen.Put(x+k-skip, y, " ", style)
			}
			continue
		}
		screen.Put(x+c.col-skip, y, c.s, style)
	}
	if overflow {
		screen.Put(x+maxw-1, y, ellipsis, style)
		return maxw
	}
	return max(0, min(col, limit)-skip)
}

// plainASCII reports whether the first n bytes of s (all of s if shorter)
// are printable ASCII, each one cell wide.
func plainASCII(s string, n int) bool {
	n = min(n, len(s))
	for i := 0; i < n; i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// layout splits text into display cells until they pass column limit. It
// returns the cells, the column after the last one and whether text is wider
// than limit. Tabs become spaces, control characters control pictures,
// invalid UTF-8 and C1 controls "�"; a combining mark with no base is shown
// on "◌"; other zero-width characters (format and bidi controls) are
// dropped.
func (v *View) layout(text string, limit int) (cells []cell, col int, overflow bool) {
	cells, col, overflow = layoutInto(v.scratch[:0], text, limit)
	v.scratch = cells[:0]
	return cells, col, overflow
}

// layoutInto is layout appending to cells.
func layoutInto(cells []cell, text string, limit int) ([]cell, int, bool) {
	col := 0
	text = textsafe.Visible(text) // only tab and line feed are left to place
	state := -1
	for text != "" {
		var cl string
		var w int
		cl, text, w, state = uniseg.FirstGraphemeClusterInString(text, state)
		r, size := utf8.DecodeRuneInString(cl)
		switch {
		case r == '\t':
			for w = tabWidth - col%tabWidth; w > 0; w-- {
				cells = append(cells, cell{" ", 1, col})
				col++
			}
		case r < 0x20 || r == 0x7f:
			// A control character, or CR LF (one cluster).
			for _, c := range cl {
				cells = append(cells, cell{controlPicture(c), 1, col})
				col++
			}
		case (r == utf8.RuneError && size == 1) || (r >= 0x80 && r <= 0x9f) || !utf8.ValidString(cl):
			cells = append(cells, cell{"\uFFFD", 1, col})
			col++
		case w == 0:
			if unicode.In(r, unicode.Mn, unicode.Me) {
				cells = append(cells, cell{"\u25cc" + cl, 1, col})
				col++
			}
		default:
			cells = append(cells, cell{cl, w, col})
			col += w
		}
		if col > limit {
			return cells, col, true
		}
	}
	return cells, col, false
}

// controlPicture shows an ASCII control character ("␀" for NUL, "␛" for
// ESC, "␡" for DEL), as every other path that shows wire text does.
func controlPicture(c rune) string {
	if p, ok := textsafe.Picture(c); ok {
		return p
	}
	return "\uFFFD"
}
