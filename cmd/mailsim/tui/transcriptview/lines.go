package transcriptview

import "sort"

// The display-line model.
//
// Every source row is one display line, except an expanded block, which is
// 1+len(Block) lines (its summary, then its lines). Only expanded blocks change
// the mapping, so they are kept in a slice sorted by row, each with the sum of
// the extra lines of the expanded blocks before it. Mapping a row to its first
// display line, or a display line back to (row, sub-line), is a binary search
// over that slice: O(log expanded), independent of the number of rows.

// expanded is one expanded block.
type expanded struct {
	row    int // source index of the block row
	extra  int // len(Block) when it was expanded (or at the last Refresh)
	before int // sum of extra over the expanded blocks before this one
}

// foldMap holds the expanded blocks of a view.
type foldMap struct {
	exp []expanded
}

// extraTotal is the number of display lines added by all expanded blocks.
func (m *foldMap) extraTotal() int {
	if len(m.exp) == 0 {
		return 0
	}
	last := m.exp[len(m.exp)-1]
	return last.before + last.extra
}

// index returns the position of the first expanded block whose row is >= row.
func (m *foldMap) index(row int) int {
	return sort.Search(len(m.exp), func(k int) bool { return m.exp[k].row >= row })
}

// extra returns how many lines row adds below itself: 0 unless it is expanded.
func (m *foldMap) extra(row int) int {
	if k := m.index(row); k < len(m.exp) && m.exp[k].row == row {
		return m.exp[k].extra
	}
	return 0
}

// isExpanded reports whether row is an expanded block.
func (m *foldMap) isExpanded(row int) bool {
	k := m.index(row)
	return k < len(m.exp) && m.exp[k].row == row
}

// line returns the display line of sub-line sub of row (sub 0 is the row itself).
func (m *foldMap) line(row, sub int) int {
	k := m.index(row)
	if k < len(m.exp) {
		return row + m.exp[k].before + sub
	}
	return row + m.extraTotal() + sub
}

// locate maps display line d (>= 0) back to a row and a sub-line.
func (m *foldMap) locate(d int) (row, sub int) {
	// The last expanded block starting at or before d.
	k := sort.Search(len(m.exp), func(k int) bool {
		e := m.exp[k]
		return e.row+e.before > d
	}) - 1
	if k < 0 {
		return d, 0
	}
	e := m.exp[k]
	start := e.row + e.before
	if d <= start+e.extra {
		return e.row, d - start
	}
	return d - e.before - e.extra, 0
}

// set expands row with extra lines (extra > 0) or collapses it (extra <= 0).
// It costs O(expanded blocks).
func (m *foldMap) set(row, extra int) {
	k := m.index(row)
	present := k < len(m.exp) && m.exp[k].row == row
	switch {
	case extra > 0 && present:
		m.exp[k].extra = extra
	case extra > 0:
		m.exp = append(m.exp, expanded{})
		copy(m.exp[k+1:], m.exp[k:])
		m.exp[k] = expanded{row: row, extra: extra}
	case present:
		m.exp = append(m.exp[:k], m.exp[k+1:]...)
	default:
		return
	}
	m.resum(k)
}

// truncate forgets the expanded blocks at rows >= n (the source shrank).
func (m *foldMap) truncate(n int) {
	m.exp = m.exp[:m.index(n)]
}

// resum recomputes the prefix sums from position k on.
func (m *foldMap) resum(k int) {
	sum := 0
	if k > 0 {
		sum = m.exp[k-1].before + m.exp[k-1].extra
	}
	for ; k < len(m.exp); k++ {
		m.exp[k].before = sum
		sum += m.exp[k].extra
	}
}
