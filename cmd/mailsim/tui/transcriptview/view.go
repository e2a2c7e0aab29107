// Package transcriptview holds View, the TUI's transcript pane: a list of
// protocol lines (time, actor, direction, text) with foldable message bodies,
// drawn as a custom tview.Primitive whose cost depends only on what is on
// screen, never on the length of the transcript.
//
// The pane reads rows through the Source interface, one row per visible
// line, so the app's model may hold (or generate) millions of rows. Text is
// drawn literally: no tview colour tags are parsed, so "BODY[TEXT]" needs no
// escaping; tabs become spaces and control characters are shown as Unicode
// control pictures ("␀", "␛"), never written raw to the terminal. A line
// wider than the pane is cut with "…", or, with SetWrap(true), continues on
// the following screen rows (see wrap.go).
//
// Like every tview primitive, a View is not safe for concurrent use: call its
// methods from tview handlers or inside Application.QueueUpdateDraw.
//
// It may import tview, tcell and uniseg, and nothing of mailsim.
package transcriptview

import (
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// Row is one line of a transcript as the pane shows it.
type Row struct {
	Time  time.Time // shown as 15:04:05.000 when the time column is on; zero: blank
	Actor string    // device name, e.g. "laptop"
	// Dir is 'C' (client to server) or 'S' (server to client), drawn as the
	// "C:" / "S:" prefix; 0 marks a note row (e.g. "laptop connected to
	// pop.example.com:110"), drawn without a prefix, in italics.
	Dir byte
	// Text is one line, drawn literally (not tview-escaped). For a block it
	// is the summary, e.g. "60 lines, 2345 octets"; the pane adds the fold
	// marker ("▸" collapsed, "▾" expanded).
	Text string
	// Block is non-nil for a folded block (a message body): its lines,
	// shown below the summary row when the block is expanded.
	Block []string
	// Style is the base style of the row, usually one colour per actor.
	// A default background is replaced by the pane's background colour.
	Style tcell.Style
	// Mark is an optional gutter mark, e.g. '!' for a failed expectation or
	// '✓' for a passed check; 0 for none.
	Mark rune
	// Ref is the app's own index (e.g. its event index); the pane ignores it.
	Ref int
}

// Source is the app's transcript model. Rows may be appended while the pane
// shows them: call View.Refresh afterwards. The pane calls Row only for the
// rows it draws (and for the row whose block is toggled), so Row may build
// rows lazily.
type Source interface {
	Len() int
	Row(i int) *Row // nil is drawn as an empty line
}

// DefaultActorWidth is the width of the actor column of a new View.
const DefaultActorWidth = 8

// View is the transcript pane. The zero value is not usable: call New.
type View struct {
	*tview.Box

	src        Source
	folds      foldMap
	showTime   bool
	follow     bool
	actorWidth int
	hoff       int // horizontal scroll of the text column, in cells (wrap off)
	wrap       bool

	// The selection (cursor) and the first line on screen, as anchors
	// (row, sub-line) so that expanding a block above them moves nothing.
	selRow, selSub int
	topRow, topSub int
	topWrap        int  // wrap on: screen rows of the top line scrolled off
	keepSel        bool // the next Draw scrolls the cursor into view
	reveal         int  // the next Draw shows this expanded block; -1 none
	height         int  // inner height at the last Draw, for PgUp/PgDn
	width          int  // inner width at the last Draw, for PgUp with wrap on

	selectedFunc func(i int)
	notified     int // the row last passed to selectedFunc

	boxScreen boxScreen // reused by Draw
	scratch   []cell    // reused by drawText
	wcells    []cell    // reused by wrapText
	wstarts   []int     // reused by wrapText
	wcut      bool      // the line laid out by wrapText goes on past its last row
	// screenLines is, with wrap on, the display line drawn on each screen
	// row at the last Draw (-1 below the last), for mouse clicks.
	screenLines []int
	tbuf        []byte // reused for the time column
}

// New returns a pane over src with the time column shown and follow mode
// on.
func New(src Source) *View {
	return &View{
		Box:        tview.NewBox(),
		src:        src,
		showTime:   true,
		follow:     true,
		actorWidth: DefaultActorWidth,
		reveal:     -1,
		notified:   -1,
		keepSel:    true,
		height:     1,
	}
}

// SetSource replaces the transcript (e.g. when a saved one is loaded): the
// expanded blocks, selection and scroll position are reset, follow mode is
// kept.
func (v *View) SetSource(src Source) {
	v.src = src
	v.folds = foldMap{}
	v.selRow, v.selSub, v.topRow, v.topSub, v.topWrap, v.hoff = 0, 0, 0, 0, 0, 0
	v.keepSel, v.reveal = true, -1
	v.Refresh()
}

// SetShowTime shows or hides the time column.
func (v *View) SetShowTime(show bool) { v.showTime = show }

// ShowTime reports whether the time column is shown.
func (v *View) ShowTime() bool { return v.showTime }

// SetWrap turns wrapping on or off. With wrap on, a line wider than the
// text column continues on the following screen rows, indented under the
// text column and marked "↪", and horizontal scrolling is off; with wrap
// off, such a line is cut with "…". Selection, arrow keys and the wheel
// still move by line (a row, or one line of an expanded block); PgUp and
// PgDn move by a screen of rows, so no wrapped line is skipped.
func (v *View) SetWrap(on bool) {
	if v.wrap != on {
		v.wrap, v.topWrap, v.keepSel = on, 0, true
	}
}

// Wrap reports whether long lines are wrapped.
func (v *View) Wrap() bool { return v.wrap }

// SetActorWidth sets the width of the actor column (names are padded or
// cut to it); n < 1 hides the column.
func (v *View) SetActorWidth(n int) {
	v.actorWidth = max(n, 0)
}

// ActorWidth returns the width of the actor column.
func (v *View) ActorWidth() int { return v.actorWidth }

// SetFollow turns follow mode on or off. In follow mode the last line is
// selected and kept on screen as rows are appended. Moving the selection up
// (keys, click, wheel, Select) turns it off; End turns it on.
func (v *View) SetFollow(on bool) {
	v.follow = on
	if on {
		v.toEnd()
		v.notify()
	}
}

// Follow reports whether follow mode is on.
func (v *View) Follow() bool { return v.follow }

// SetSelectedFunc sets the function called with the source index of the
// selected row whenever it changes: by keys, mouse, Select, or Refresh in
// follow mode. It is not called from Draw.
func (v *View) SetSelectedFunc(f func(i int)) {
	v.selectedFunc = f
}

// Selected returns the source index of the selected row, -1 if the source
// is empty.
func (v *View) Selected() int {
	n := v.src.Len()
	if n == 0 {
		return -1
	}
	return min(v.selRow, n-1)
}

// Select selects row i (clamped to the source) and scrolls it into view.
// Selecting any row but the last turns follow mode off.
func (v *View) Select(i int) {
	n := v.src.Len()
	if n == 0 {
		return
	}
	i = max(0, min(i, n-1))
	if i < n-1 {
		v.follow = false
	}
	v.selRow, v.selSub, v.keepSel = i, 0, true
	v.notify()
}

// ToggleBlock expands or collapses the block at row i; rows that are not
// blocks are left alone. It calls Source.Row(i) at most once and costs
// O(expanded blocks), never O(rows).
func (v *View) ToggleBlock(i int) {
	if i < 0 || i >= v.src.Len() {
		return
	}
	if v.folds.isExpanded(i) {
		v.folds.set(i, 0)
		if v.selRow == i {
			v.selSub = 0
		}
		if v.topRow == i {
			v.topSub = 0
		}
		if v.follow {
			v.toEnd()
		}
		return
	}
	r := v.src.Row(i)
	if r == nil || len(r.Block) == 0 {
		return
	}
	v.folds.set(i, len(r.Block))
	v.reveal = i
	if v.follow {
		v.toEnd()
	}
}

// IsExpanded reports whether row i is an expanded block.
func (v *View) IsExpanded(i int) bool { return v.folds.isExpanded(i) }

// Refresh tells the pane that the source changed (usually: rows were
// appended). The selection is kept; in follow mode it moves to the last line.
// Expanded blocks are re-measured, which costs one Source.Row per expanded
// block.
func (v *View) Refresh() {
	n := v.src.Len()
	v.folds.truncate(n)
	for k := 0; k < len(v.folds.exp); k++ {
		e := v.folds.exp[k]
		r := v.src.Row(e.row)
		if r == nil || len(r.Block) != e.extra {
			extra := 0
			if r != nil {
				extra = len(r.Block)
			}
			v.folds.set(e.row, extra)
			if extra == 0 {
				k--
			}
		}
	}
	v.clamp(n)
	if v.follow {
		v.toEnd()
	}
	v.notify()
}

// total is the number of display lines.
func (v *View) total(n int) int { return n + v.folds.extraTotal() }

// cursor is the display line of the selection.
func (v *View) cursor() int { return v.folds.line(v.selRow, v.selSub) }

// clamp keeps the selection and the top anchor inside a source of n rows.
func (v *View) clamp(n int) {
	fix := func(row, sub *int) {
		if n == 0 {
			*row, *sub = 0, 0
			return
		}
		if *row >= n {
			*row, *sub = n-1, 0
		}
		*row = max(*row, 0)
		*sub = max(0, min(*sub, v.folds.extra(*row)))
	}
	fix(&v.selRow, &v.selSub)
	fix(&v.topRow, &v.topSub)
}

// toEnd puts the selection on the last display line.
func (v *View) toEnd() {
	if t := v.total(v.src.Len()); t > 0 {
		v.selRow, v.selSub = v.folds.locate(t - 1)
	}
	v.keepSel = true
}

// moveTo puts the selection on display line d (clamped). Moving it up turns
// follow mode off.
func (v *View) moveTo(d int) {
	n := v.src.Len()
	if n == 0 {
		return
	}
	d = max(0, min(d, v.total(n)-1))
	if d < v.cursor() {
		v.follow = false
	}
	v.selRow, v.selSub = v.folds.locate(d)
	v.keepSel = true
	v.notify()
}

// notify calls the selected func if the selected row changed since the last
// call.
func (v *View) notify() {
	i := v.Selected()
	if i == v.notified || i < 0 {
		return
	}
	v.notified = i
	if v.selectedFunc != nil {
		v.selectedFunc(i)
	}
}
