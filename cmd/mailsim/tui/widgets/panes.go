package widgets

import (
	"slices"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"
)

// TextPane is a TextView whose text is rendered for its current width, so
// that columns adapt when the terminal is resized.
type TextPane struct {
	*tview.TextView
	render func(width int) string
	lastW  int
	dirty  bool
	// EveryDraw renders at every draw: a short text that follows the
	// focus and the overlays (the hint bar).
	EveryDraw bool
}

func NewTextPane(render func(width int) string) *TextPane {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(false).SetScrollable(true)
	tv.SetBackgroundColor(tcell.ColorDefault)
	return &TextPane{TextView: tv, render: render, dirty: true}
}

// Invalidate makes the next Draw render again.
func (p *TextPane) Invalidate() { p.dirty = true }

// Draw renders when the content or the width changed, then draws.
func (p *TextPane) Draw(screen tcell.Screen) {
	_, _, w, _ := p.GetInnerRect()
	if p.dirty || p.EveryDraw || w != p.lastW {
		p.SetText(p.render(w))
		p.lastW, p.dirty = w, false
	}
	p.TextView.Draw(screen)
}

// LinesPane is a framed pane of lines already fitted to its width (the
// lesson screen renders them for the width it lays out). When the lines
// are more than the pane's rows, its bottom border says "more ↓" (with the
// key that scrolls it, when it has one) and its top border "↑" once
// scrolled.
type LinesPane struct {
	*tview.TextView
	th      *Theme
	Lines   []string
	MoreKey string // the key that scrolls down, shown in the mark; "" for none
	MoreTxt string // "more ↓" in the screen's language
	Footer  string // tview-tagged text on the bottom border, left (the legend)
	// Render, when set, gives the lines for the pane's inner width at
	// each draw (for a screen that does not lay the pane out itself).
	Render func(width int) []string
}

func NewLinesPane(th *Theme) *LinesPane {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(false).SetScrollable(true)
	tv.SetBackgroundColor(tcell.ColorDefault)
	tv.SetTextColor(tcell.ColorDefault)
	return &LinesPane{TextView: tv, th: th, MoreTxt: "more ↓"}
}

// SetLines shows lines; when they differ from what it shows, it scrolls
// back to the top.
func (p *LinesPane) SetLines(lines []string) {
	if slices.Equal(p.Lines, lines) {
		return
	}
	p.Lines = lines
	p.SetText(strings.Join(lines, "\n"))
	p.ScrollToBeginning()
}

// Hidden is how many lines are below the pane's last row.
func (p *LinesPane) Hidden() int {
	_, _, _, h := p.GetInnerRect()
	row, _ := p.GetScrollOffset()
	return max(0, len(p.Lines)-row-h)
}

// Scroll moves the lines by d rows, within them.
func (p *LinesPane) Scroll(d int) {
	_, _, _, h := p.GetInnerRect()
	row, _ := p.GetScrollOffset()
	p.ScrollTo(max(0, min(row+d, len(p.Lines)-h)), 0)
}

// Draw draws the pane, then its marks on the border.
func (p *LinesPane) Draw(screen tcell.Screen) {
	if p.Render != nil {
		_, _, w, _ := p.GetInnerRect()
		p.SetLines(p.Render(w))
	}
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
	if p.Hidden() > 0 {
		mark := " " + p.MoreTxt
		if p.MoreKey != "" {
			mark += " " + p.MoreKey
		}
		mark += " "
		mw = uniseg.StringWidth(mark)
		if mw <= w-2 {
			putString(screen, x+w-1-mw, y+h-1, mark, st)
		}
	}
	if p.Footer != "" && w-2-mw-2 > 0 {
		tview.Print(screen, " "+p.Footer+" ", x+1, y+h-1, w-2-mw-1, tview.AlignLeft, tcell.ColorDefault)
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
