package tui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/lessons"
)

// pickerScreen lists the lessons by group, each with its title, summary,
// step count, languages and a done mark.
type pickerScreen struct {
	u      *ui
	root   *tview.Flex
	table  *tview.Table
	detail *tview.TextView
	hints  *textPane
	keys   *KeyMap
	rows   []*lessons.Lesson // per table row; nil for a group heading
	msg    string
	width  int // the screen width the table was laid out for
}

func newPickerScreen(u *ui) *pickerScreen {
	p := &pickerScreen{u: u}
	th := u.th
	p.table = tview.NewTable().SetSelectable(true, false)
	p.table.SetSelectedStyle(th.Select).SetBackgroundColor(tcell.ColorDefault)
	p.table.SetSelectedFunc(func(row, _ int) {
		if row >= 0 && row < len(p.rows) && p.rows[row] != nil {
			u.openLesson(p.rows[row])
		}
	})
	p.table.SetSelectionChangedFunc(func(int, int) { p.renderDetail() })
	p.detail = tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	p.detail.SetBackgroundColor(tcell.ColorDefault)
	p.keys = &KeyMap{Name: "Lessons", Bindings: []Binding{
		{Keys: []Key{k(tcell.KeyUp), r('k')}, Label: "↑ k", Desc: "previous lesson"},
		{Keys: []Key{k(tcell.KeyDown), r('j')}, Label: "↓ j", Desc: "next lesson"},
		{Keys: []Key{k(tcell.KeyEnter)}, Label: "Enter", Short: "open", Desc: "open the lesson"},
		{Keys: []Key{r('L')}, Label: "L", Short: "language", Desc: "language: English / Tiếng Việt", Action: u.nextLang},
		{Keys: []Key{r('?')}, Label: "?", Short: "help", Desc: "this help", Action: func() { u.showHelp(p.keys) }},
		{Keys: []Key{r('q'), k(tcell.KeyCtrlC)}, Label: "q Ctrl-C", Short: "quit", Desc: "quit", Action: u.quit},
	}}
	p.hints = newTextPane(func(w int) string { return p.keys.Hints(th, p.u.lang, w) })
	p.root = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(p.table, 0, 1, true).
		AddItem(p.detail, 5, 0, false).
		AddItem(p.hints, 1, 0, false)
	p.refresh()
	return p
}

// setMessage shows a line above the details (e.g. an unknown lesson id).
func (p *pickerScreen) setMessage(m string) {
	p.msg = m
	p.renderDetail()
}

// fitWidth lays the table out again when the screen width changed.
func (p *pickerScreen) fitWidth(w int) {
	if w != p.width {
		p.width = w
		p.refresh()
	}
}

// refresh fills the table (after a language change or a finished lesson).
func (p *pickerScreen) refresh() {
	th, lang := p.u.th, p.u.lang
	th.frame(p.table.Box, "mailsim · "+tr(lang, "Lessons"))
	th.frame(p.detail.Box, "")
	sel, _ := p.table.GetSelection()
	p.table.Clear()
	p.rows = p.rows[:0]
	titleW := 12
	for _, l := range p.u.o.Lessons {
		titleW = max(titleW, tview.TaggedStringWidth(tview.Escape(l.Title.In(lang))))
	}
	titleW = min(titleW, 36)
	// mark, title, summary, "14 steps", "en vi", and the table's gaps
	summaryW := max(8, p.u.width()-2-2-titleW-9-6-4)
	if p.width == 0 {
		p.width = p.u.width()
	}
	group := "\x00"
	for _, l := range lessons.SortByGroup(p.u.o.Lessons) {
		if l.Group != group {
			group = l.Group
			row := len(p.rows)
			p.table.SetCell(row, 0, tview.NewTableCell(" "+tr(lang, lessons.GroupTitle(group))).SetStyle(th.Title).SetSelectable(false))
			for c := 1; c < 5; c++ {
				p.table.SetCell(row, c, tview.NewTableCell("").SetSelectable(false))
			}
			p.rows = append(p.rows, nil)
		}
		row := len(p.rows)
		mark := "  "
		if p.u.progress.IsDone(l.ID) {
			mark = " ✓"
		}
		color := th.fg(th.protoColor(l.Group))
		p.table.SetCell(row, 0, tview.NewTableCell(mark).SetStyle(th.OK))
		p.table.SetCell(row, 1, tview.NewTableCell(tview.Escape(l.Title.In(lang))).SetStyle(color.Bold(true)).SetMaxWidth(titleW))
		p.table.SetCell(row, 2, tview.NewTableCell(tview.Escape(l.Summary.In(lang))).SetStyle(th.Text).SetExpansion(1).SetMaxWidth(summaryW))
		p.table.SetCell(row, 3, tview.NewTableCell(fmt.Sprintf("%d %s", len(l.Steps), tr(lang, "steps"))).SetStyle(th.Dim).SetAlign(tview.AlignRight))
		p.table.SetCell(row, 4, tview.NewTableCell(strings.Join(l.Languages(), " ")+" ").SetStyle(th.Dim))
		p.rows = append(p.rows, l)
	}
	if len(p.rows) == 0 {
		p.table.SetCell(0, 0, tview.NewTableCell(" No lessons.").SetStyle(th.Dim).SetSelectable(false))
	}
	if sel <= 0 || sel >= len(p.rows) || p.rows[sel] == nil {
		sel = 1
	}
	p.table.Select(sel, 0)
	p.hints.invalidate()
	p.renderDetail()
}

// renderDetail describes the selected lesson.
func (p *pickerScreen) renderDetail() {
	th, lang := p.u.th, p.u.lang
	var b strings.Builder
	if p.msg != "" {
		b.WriteString(th.tag(th.Bad) + tview.Escape(p.msg) + reset + "\n")
	}
	row, _ := p.table.GetSelection()
	if row >= 0 && row < len(p.rows) && p.rows[row] != nil {
		l := p.rows[row]
		b.WriteString(th.tag(th.Title) + tview.Escape(l.Title.In(lang)) + reset)
		if d, ok := p.u.progress.Done[l.ID]; ok {
			s := " · " + tr(lang, "done")
			if d.Asked > 0 {
				s += fmt.Sprintf(" · %s %d/%d", tr(lang, "Score"), d.Right, d.Asked)
			}
			b.WriteString(th.tag(th.OK) + tview.Escape(s) + reset)
		}
		b.WriteString("\n" + tview.Escape(l.Summary.In(lang)) + "\n")
		b.WriteString(th.tag(th.Dim) + tview.Escape(fmt.Sprintf("mailsim learn %s · %d %s · %s", l.ID, len(l.Steps), tr(lang, "steps"), strings.Join(l.Languages(), ", "))) + reset)
	}
	p.detail.SetText(b.String())
}
