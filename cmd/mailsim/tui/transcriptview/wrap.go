package transcriptview

import "github.com/gdamore/tcell/v2"

// Wrapping.
//
// With wrap on, a line (a row, or one line of an expanded block) takes as
// many screen rows as its text needs at the text column's width. Scrolling
// and selection still count lines; the top of the screen is a line plus the
// number of its screen rows scrolled off (topWrap), so the last line can sit
// on the last screen row. A line's height is found by laying out its text,
// capped at the screen's height, so every walk below reads at most about one
// screen of lines: the cost of a frame still depends only on the screen.

// foldColumn is the width of the fold column of sub-line sub of r.
func foldColumn(r *Row, sub int) int {
	if sub > 0 || r.Block != nil {
		return foldWidth
	}
	return 0
}

// textColumn is the column where the text of sub-line sub of r starts.
func (v *View) textColumn(r *Row, sub int) int {
	c := gutterWidth + dirWidth + foldColumn(r, sub)
	if v.showTime {
		c += timeWidth
	}
	if v.actorWidth > 0 {
		c += v.actorWidth + 1
	}
	return c
}

// lineText is the text of sub-line sub of r.
func lineText(r *Row, sub int) string {
	if sub == 0 {
		return r.Text
	}
	if sub-1 < len(r.Block) {
		return r.Block[sub-1]
	}
	return ""
}

// wrapText lays text out in screen rows of at most tw cells, at most
// maxRows of them, into v.wcells; row k is v.wcells[v.wstarts[k]:v.wstarts[k+1]].
// It returns the number of rows (at least 1) and whether text goes on past
// the last one. Rows break between grapheme clusters, so a wide character
// is never split. Its cost is bounded by maxRows*tw.
func (v *View) wrapText(text string, tw, maxRows int) (rows int, cut bool) {
	starts := append(v.wstarts[:0], 0)
	defer func() { v.wstarts = starts }()
	if tw < 2 || maxRows < 1 {
		// No room to wrap: one row, cut as with wrap off.
		v.wcells = v.wcells[:0]
		return 1, false
	}
	limit := maxRows * tw
	var cells []cell
	var overflow bool
	if plainASCII(text, limit+1) {
		cells = v.wcells[:0]
		for i := 0; i < len(text) && i <= limit; i++ {
			cells = append(cells, cell{text[i : i+1], 1, i})
		}
		overflow = len(text) > limit
	} else {
		cells, _, overflow = layoutInto(v.wcells[:0], text, limit)
	}
	v.wcells = cells
	start := 0 // column of the current row's first cell
	for i, c := range cells {
		if c.col+c.w-start <= tw {
			continue
		}
		if len(starts) == maxRows {
			// Row maxRows would start here: text is cut.
			starts = append(starts, i)
			return maxRows, true
		}
		starts = append(starts, i)
		start = c.col
	}
	starts = append(starts, len(cells))
	return len(starts) - 1, overflow
}

// drawPart draws screen row part of the line laid out by wrapText into the
// w cells from x, padded with spaces; the last row of a cut line ends in "…".
func (v *View) drawPart(screen tcell.Screen, x, y, w, part int, style tcell.Style) {
	if w <= 0 {
		return
	}
	if part+1 >= len(v.wstarts) {
		fill(screen, x, y, w, style)
		return
	}
	row := v.wcells[v.wstarts[part]:v.wstarts[part+1]]
	last := part+2 == len(v.wstarts) && v.wcut
	used := 0
	for i, c := range row {
		start := row[0].col
		if c.col-start+c.w > w || (last && i == len(row)-1) {
			break
		}
		screen.Put(x+c.col-start, y, c.s, style)
		used = c.col - start + c.w
	}
	if last {
		used = min(used, w-1)
		fill(screen, x+used, y, w-1-used, style)
		screen.Put(x+w-1, y, ellipsis, style)
		return
	}
	fill(screen, x+used, y, w-used, style)
}

// lineHeight is the number of screen rows (1..h) that display line d takes
// in a pane w cells wide. It reads one row.
func (v *View) lineHeight(d, w, h int) int {
	row, sub := v.folds.locate(d)
	r := v.src.Row(row)
	if r == nil {
		return 1
	}
	text := lineText(r, sub)
	tw := w - v.textColumn(r, sub)
	if plainASCII(text, len(text)) {
		if tw < 2 {
			return 1
		}
		return max(1, min(h, (len(text)+tw-1)/tw))
	}
	n, _ := v.wrapText(text, tw, h)
	return n
}

// anchorBottom returns the top (line, rows scrolled off) that puts the last
// screen row of line d on the last screen row, or d itself from its start
// if it is taller than the screen.
func (v *View) anchorBottom(d, w, h int) (top, off int) {
	rows := v.lineHeight(d, w, h)
	top = d
	for rows < h && top > 0 {
		top--
		rows += v.lineHeight(top, w, h)
	}
	return top, max(0, rows-h)
}

// rowsThrough counts the screen rows from the top (line top, off rows
// scrolled off) through the end of line d, stopping once it passes h.
func (v *View) rowsThrough(top, off, d, w, h int) int {
	if d-top >= h+off {
		return h + 1 // every line takes a row at least: no need to read them
	}
	rows := -off
	for l := top; l <= d && rows <= h; l++ {
		rows += v.lineHeight(l, w, h)
	}
	return rows
}

// pageWrapped moves the view by one screen with wrap on: PgDn puts the
// line at the bottom of the screen at the top, PgUp puts the line above the
// top at the bottom. The cursor moves by as many lines as the view did.
func (v *View) pageWrapped(dir int) {
	top := v.folds.line(v.topRow, v.topSub)
	newTop, off := top, 0
	if dir > 0 {
		for _, d := range v.screenLines {
			newTop = max(newTop, d)
		}
		if newTop == top && v.topWrap == 0 {
			newTop = top + 1 // one line fills the screen
		}
		newTop = min(newTop, max(0, v.total(v.src.Len())-1))
	} else if top > 0 || v.topWrap > 0 {
		above := top - 1
		if v.topWrap > 0 {
			above = top // partly above the screen
		}
		newTop, off = v.anchorBottom(above, v.width, max(v.height, 1))
	}
	cur := v.cursor() + newTop - top
	if newTop == top {
		cur = v.cursor() + dir
	}
	v.topRow, v.topSub = v.folds.locate(newTop)
	v.topWrap = off
	v.moveTo(cur)
}

// drawWrapped scrolls and draws the lines with wrap on (see Draw).
func (v *View) drawWrapped(screen tcell.Screen, x, y, w, h, total int, base tcell.Style) {
	top, off := v.folds.line(v.topRow, v.topSub), v.topWrap
	if total == 0 {
		top, off = 0, 0
	}
	// Show a newly expanded block, as much of it as fits from its summary.
	if v.reveal >= 0 && v.folds.isExpanded(v.reveal) {
		start := v.folds.line(v.reveal, 0)
		end := start + v.folds.extra(v.reveal)
		if v.rowsThrough(top, off, end, w, h) > h {
			top, off = v.anchorBottom(end, w, h)
		}
		if start < top || (start == top && off > 0) {
			top, off = start, 0
		}
	}
	v.reveal = -1
	cur := v.cursor()
	if v.keepSel && total > 0 {
		switch {
		case cur < top || (cur == top && off > 0):
			top, off = cur, 0
		case v.rowsThrough(top, off, cur, w, h) > h:
			top, off = v.anchorBottom(cur, w, h)
		}
	}
	v.keepSel = false
	if total > 0 {
		// Never leave empty rows below the last line.
		top = min(top, total-1)
		off = min(off, v.lineHeight(top, w, h)-1)
		if v.rowsThrough(top, off, total-1, w, h) < h {
			top, off = v.anchorBottom(total-1, w, h)
		}
	}
	v.topRow, v.topSub = v.folds.locate(top)
	v.topWrap = off

	v.screenLines = v.screenLines[:0]
	d, part := top, off
	for i := 0; i < h; {
		if d >= total {
			fill(screen, x, y+i, w, base)
			v.screenLines = append(v.screenLines, -1)
			i++
			continue
		}
		row, sub := v.folds.locate(d)
		r := v.src.Row(row)
		rows := 1
		v.wstarts, v.wcut = append(v.wstarts[:0], 0), false
		if r != nil {
			rows, v.wcut = v.wrapText(lineText(r, sub), w-v.textColumn(r, sub), h)
			if len(v.wstarts) < 2 { // no room to wrap: draw cut, as with wrap off
				v.wrap = false
				v.drawLine(screen, x, y+i, w, r, sub, 0, v.folds.extra(row) > 0, d == cur, base)
				v.wrap = true
				v.screenLines = append(v.screenLines, d)
				i, d, part = i+1, d+1, 0
				continue
			}
		}
		for ; part < rows && i < h; part++ {
			v.drawLine(screen, x, y+i, w, r, sub, part, v.folds.extra(row) > 0, d == cur, base)
			v.screenLines = append(v.screenLines, d)
			i++
		}
		d, part = d+1, 0
	}
}
