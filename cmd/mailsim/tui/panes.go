package tui

import (
	"slices"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// textPane is a TextView whose text is rendered for its current width, so
// that columns adapt when the terminal is resized.
type textPane struct {
	*tview.TextView
	render func(width int) string
	lastW  int
	dirty  bool
}

func newTextPane(render func(width int) string) *textPane {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(false).SetScrollable(true)
	tv.SetBackgroundColor(tcell.ColorDefault)
	return &textPane{TextView: tv, render: render, dirty: true}
}

// invalidate makes the next Draw render again.
func (p *textPane) invalidate() { p.dirty = true }

// Draw renders when the content or the width changed, then draws.
func (p *textPane) Draw(screen tcell.Screen) {
	_, _, w, _ := p.GetInnerRect()
	if p.dirty || w != p.lastW {
		p.SetText(p.render(w))
		p.lastW, p.dirty = w, false
	}
	p.TextView.Draw(screen)
}

// linesPane is a framed pane of lines already fitted to its width (the
// lesson screen renders them for the width it lays out). When the lines
// are more than the pane's rows, its bottom border says "more ↓" (with the
// key that scrolls it, when it has one) and its top border "↑" once
// scrolled.
type linesPane struct {
	*tview.TextView
	th      *Theme
	lines   []string
	moreKey string // the key that scrolls down, shown in the mark; "" for none
	moreTxt string // "more ↓" in the screen's language
	footer  string // tview-tagged text on the bottom border, left (the legend)
}

func newLinesPane(th *Theme) *linesPane {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(false).SetScrollable(true)
	tv.SetBackgroundColor(tcell.ColorDefault)
	tv.SetTextColor(tcell.ColorDefault)
	return &linesPane{TextView: tv, th: th, moreTxt: "more ↓"}
}

// setLines shows lines; when they differ from what it shows, it scrolls
// back to the top.
func (p *linesPane) setLines(lines []string) {
	if slices.Equal(p.lines, lines) {
		return
	}
	p.lines = lines
	p.SetText(strings.Join(lines, "\n"))
	p.ScrollToBeginning()
}

// hidden is how many lines are below the pane's last row.
func (p *linesPane) hidden() int {
	_, _, _, h := p.GetInnerRect()
	row, _ := p.GetScrollOffset()
	return max(0, len(p.lines)-row-h)
}

// scroll moves the lines by d rows, within them.
func (p *linesPane) scroll(d int) {
	_, _, _, h := p.GetInnerRect()
	row, _ := p.GetScrollOffset()
	p.ScrollTo(max(0, min(row+d, len(p.lines)-h)), 0)
}

// Draw draws the pane, then its marks on the border.
func (p *linesPane) Draw(screen tcell.Screen) {
	p.TextView.Draw(screen)
	x, y, w, h := p.GetRect()
	if w < 8 || h < 2 {
		return
	}
	st := p.th.Accent
	if row, _ := p.GetScrollOffset(); row > 0 {
		putString(screen, x+w-5, y, " ↑ ", st)
	}
	mw := 0
	if p.hidden() > 0 {
		mark := " " + p.moreTxt
		if p.moreKey != "" {
			mark += " " + p.moreKey
		}
		mark += " "
		mw = uniseg.StringWidth(mark)
		if mw <= w-2 {
			putString(screen, x+w-1-mw, y+h-1, mark, st)
		}
	}
	if p.footer != "" && w-2-mw-2 > 0 {
		tview.Print(screen, " "+p.footer+" ", x+1, y+h-1, w-2-mw-1, tview.AlignLeft, tcell.ColorDefault)
	}
}

// putString writes s at x, y in one style, grapheme by grapheme.
func putString(screen tcell.Screen, x, y int, s string, st tcell.Style) {
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		rs := g.Runes()
		screen.SetContent(x, y, rs[0], rs[1:], st)
		x += g.Width()
	}
}
