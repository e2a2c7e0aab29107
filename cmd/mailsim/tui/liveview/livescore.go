package liveview

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/exercises"
	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
)

// The scoreboard: students × exercises, each cell done (✓ and the time),
// tried (~) or not yet (·). Its model is exercises.Board; scoreCell and
// scoreHeader turn it into text without a screen, and the scoreboard
// primitive draws only the rows on screen, so a class of hundreds redraws
// in the same time as a class of ten.

// scoreCellWidth is the width of one exercise column ("✓ 09:41").
const scoreCellWidth = 8

// scoreCell is a cell's text and style.
func scoreCell(th *widgets.Theme, c exercises.Cell) (string, tcell.Style) {
	switch c.Status {
	case exercises.Done:
		return "✓ " + c.At.Format("15:04"), th.OK
	case exercises.Tried:
		return "~ " + c.At.Format("15:04"), th.Accent
	}
	return "·", th.Dim
}

// scoreHeader is the header row: "Student", then each exercise's number,
// then how many are done.
func scoreHeader(lang string, b exercises.Board, nameW int) string {
	var sb strings.Builder
	sb.WriteString(fitPad(i18n.Word(lang, "Student"), nameW))
	for j := range b.Exercises {
		sb.WriteString(fitPad(fmt.Sprintf("%d", j+1), scoreCellWidth))
	}
	sb.WriteString(i18n.Word(lang, "done"))
	return sb.String()
}

// scoreLegend names the columns: "1 pop3-keep · 2 pop3-delete ...".
func scoreLegend(b exercises.Board) string {
	parts := make([]string, len(b.Exercises))
	for j, ex := range b.Exercises {
		parts[j] = fmt.Sprintf("%d %s", j+1, ex.ID)
	}
	return strings.Join(parts, " · ")
}

// fitPad cuts or pads s to exactly w cells.
func fitPad(s string, w int) string {
	s = widgets.Fit(s, w-1)
	if n := tview.TaggedStringWidth(tview.Escape(s)); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// studentEvidence is the evidence view of one student: every exercise
// with its status and the lines that satisfied its checks.
func studentEvidence(lang string, b exercises.Board, i int) string {
	var sb strings.Builder
	for j, ex := range b.Exercises {
		c := b.Cells[i][j]
		fmt.Fprintf(&sb, "%d. %s: %s", j+1, ex.Title.In(lang), i18n.Word(lang, c.Status.String()))
		if c.Status != exercises.NotYet {
			sb.WriteString(" " + c.At.Format("15:04:05"))
		}
		sb.WriteString("\n")
		for _, e := range c.Evidence {
			sb.WriteString("    " + e + "\n")
		}
	}
	return sb.String()
}

// scoreboard draws the board; it is a tview primitive.
type scoreboard struct {
	*tview.Box
	th       *widgets.Theme
	lang     string
	board    exercises.Board
	row, col int // the selected student and exercise
	top      int // the first student row on screen
	evidence func(student int)
}

func newScoreboard(th *widgets.Theme, lang string, b exercises.Board) *scoreboard {
	s := &scoreboard{Box: tview.NewBox(), th: th, lang: lang, board: b}
	s.SetBackgroundColor(tcell.ColorDefault)
	return s
}

// setBoard takes a new copy of the board, keeping the selection.
func (s *scoreboard) setBoard(b exercises.Board) { s.board = b }

const scoreNameWidth = 14

// Draw draws the header, the legend and the student rows on screen.
func (s *scoreboard) Draw(screen tcell.Screen) {
	s.Box.DrawForSubclass(screen, s)
	x, y, w, h := s.GetInnerRect()
	if w <= 0 || h < 3 {
		return
	}
	b := s.board
	print := func(text string, x, y, w int, st tcell.Style) { drawText(screen, x, y, w, text, st) }
	print(fmt.Sprintf("%d/%d · %s", b.Completions, len(b.Students)*len(b.Exercises), scoreLegend(b)), x, y, w, s.th.Dim)
	print(scoreHeader(s.lang, b, scoreNameWidth), x, y+1, w, s.th.Title)
	rows := h - 2
	if s.row < s.top {
		s.top = s.row
	}
	if s.row >= s.top+rows {
		s.top = s.row - rows + 1
	}
	for r := 0; r < rows && s.top+r < len(b.Students); r++ {
		i := s.top + r
		ry := y + 2 + r
		nameSt := s.th.Text
		if i == s.row {
			nameSt = s.th.Select
		}
		print(b.Students[i].Name, x, ry, min(w, scoreNameWidth-1), nameSt)
		cx := x + scoreNameWidth
		done := 0
		for j := range b.Exercises {
			if cx+scoreCellWidth > x+w {
				break
			}
			text, st := scoreCell(s.th, b.Cells[i][j])
			if b.Cells[i][j].Status == exercises.Done {
				done++
			}
			if i == s.row && j == s.col {
				st = s.th.Select
			}
			print(text, cx, ry, scoreCellWidth-1, st)
			cx += scoreCellWidth
		}
		if cx < x+w {
			print(fmt.Sprintf("%d", done), cx, ry, x+w-cx, s.th.Text)
		}
	}
}

// drawText draws s from x on row y in at most w cells, one grapheme
// cluster at a time (no colour tags, no line breaking: what the board
// needs, at a fraction of tview.Print's cost). Control characters were
// made visible before (student names are checked account names).
func drawText(screen tcell.Screen, x, y, w int, s string, st tcell.Style) {
	state := -1
	end := x + w
	for s != "" && x < end {
		var cluster string
		var boundaries int
		cluster, s, boundaries, state = uniseg.FirstGraphemeClusterInString(s, state)
		cw := boundaries >> uniseg.ShiftWidth
		if x+cw > end {
			return
		}
		runes := []rune(cluster)
		screen.SetContent(x, y, runes[0], runes[1:], st)
		x += max(cw, 1)
	}
}

// InputHandler moves the selection; Enter or e shows the student's evidence.
func (s *scoreboard) InputHandler() func(*tcell.EventKey, func(tview.Primitive)) {
	return s.WrapInputHandler(func(ev *tcell.EventKey, _ func(tview.Primitive)) {
		n, m := len(s.board.Students), len(s.board.Exercises)
		_, _, _, h := s.GetInnerRect()
		switch {
		case ev.Key() == tcell.KeyUp:
			s.row--
		case ev.Key() == tcell.KeyDown:
			s.row++
		case ev.Key() == tcell.KeyLeft:
			s.col--
		case ev.Key() == tcell.KeyRight:
			s.col++
		case ev.Key() == tcell.KeyPgUp:
			s.row -= max(1, h-2)
		case ev.Key() == tcell.KeyPgDn:
			s.row += max(1, h-2)
		case ev.Key() == tcell.KeyHome:
			s.row = 0
		case ev.Key() == tcell.KeyEnd:
			s.row = n - 1
		case ev.Key() == tcell.KeyEnter || (ev.Key() == tcell.KeyRune && ev.Rune() == 'e'):
			if s.evidence != nil && n > 0 {
				s.evidence(s.row)
			}
		}
		s.row = max(0, min(s.row, n-1))
		s.col = max(0, min(s.col, m-1))
	})
}

// scoresShort keeps the scoreboard out of the hint bar when serve checks
// no exercises.
func (lv *liveUI) scoresShort() string {
	if lv.o.Exercises == nil {
		return ""
	}
	return "scores"
}

// showScores opens the scoreboard over the view.
func (lv *liveUI) showScores() {
	if lv.o.Exercises == nil {
		lv.notify(i18n.Word(lv.Lang, "No exercises: start serve with --exercises builtin (or a DIR)."))
		return
	}
	sel := lv.score
	lv.score = newScoreboard(lv.Theme, lv.Lang, lv.o.Exercises.Board())
	if sel != nil {
		lv.score.row, lv.score.col, lv.score.top = sel.row, sel.col, sel.top
	}
	lv.score.evidence = lv.showEvidence
	lv.Theme.Frame(lv.score.Box, i18n.Word(lv.Lang, "Scoreboard")+" · Enter/e "+i18n.Word(lv.Lang, "evidence")+" · R "+i18n.Word(lv.Lang, "results")+" · Esc")
	lv.score.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch {
		case ev.Key() == tcell.KeyEscape || (ev.Key() == tcell.KeyRune && (ev.Rune() == 's' || ev.Rune() == 'q')):
			lv.hideOverlay()
			lv.score = nil
			return nil
		case ev.Key() == tcell.KeyRune && ev.Rune() == 'R':
			lv.writeResults()
			return nil
		}
		return ev
	})
	w, h := lv.Size()
	lv.showOverlay("scores", lv.score, max(20, w-2), max(5, h-2))
	lv.Ov.SetKeys(
		keymap.Binding{ID: "evidence", Keys: []keymap.Key{keymap.Code(tcell.KeyEnter), keymap.Char('e')}, Short: "evidence", Desc: "what the selected student did for the selected exercise"},
		keymap.Binding{ID: "results", Keys: []keymap.Key{keymap.Char('R')}, Short: "results", Desc: "write the results file now"},
		keymap.Binding{ID: "move", Keys: []keymap.Key{keymap.Code(tcell.KeyUp), keymap.Code(tcell.KeyDown), keymap.Code(tcell.KeyLeft), keymap.Code(tcell.KeyRight)}, Short: "move", Desc: "select another student or exercise"},
		widgets.OverlayClose)
}

// showEvidence shows what satisfied each check of one student; Esc goes
// back to the scoreboard.
func (lv *liveUI) showEvidence(i int) {
	b := lv.score.board
	tv := tview.NewTextView().SetWrap(false).SetScrollable(true).SetText(textsafe.Visible(studentEvidence(lv.Lang, b, i)))
	tv.SetBackgroundColor(tcell.ColorDefault)
	tv.SetTextColor(tcell.ColorDefault)
	lv.Theme.Frame(tv.Box, i18n.Word(lv.Lang, "Evidence")+" · "+b.Students[i].Name+" · ↑↓ · Esc")
	keep := lv.score
	tv.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyEscape || (ev.Key() == tcell.KeyRune && (ev.Rune() == 'e' || ev.Rune() == 'q')) {
			lv.score = keep
			lv.showScores()
			return nil
		}
		return ev
	})
	w, h := lv.Size()
	lv.showOverlay("evidence", tv, max(20, w-4), max(5, h-4))
	lv.Ov.SetKeys(widgets.OverlayScroll, keymap.Binding{ID: "back", Keys: []keymap.Key{keymap.Code(tcell.KeyEscape)}, Short: "back", Keep: true, Desc: "back to the scoreboard"})
}

// writeResults writes the results file now (R).
func (lv *liveUI) writeResults() {
	if lv.o.WriteResults == nil {
		lv.notify(i18n.Word(lv.Lang, "No results file: start serve with --exercises and --results FILE."))
		return
	}
	msg, err := lv.o.WriteResults()
	if err != nil {
		lv.notify(err.Error())
		return
	}
	if msg == "" {
		msg = i18n.Word(lv.Lang, "No results file: start serve with --exercises and --results FILE.")
	}
	lv.notify(msg)
}
