package tui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/lessons"
)

// pickerScreen lists the lessons by group (lessons.SortByGroup), one line
// each: a mark (▶ start here, ✓ done), the title, the summary when there
// is room, the step count, the languages and the score. The columns are
// computed from the width (pickerColumns); text that does not fit is cut
// at the end of a word with "…". Below the list: a progress line, the
// selected lesson's details, and the key hints or the filter field.
type pickerScreen struct {
	u        *ui
	root     *tview.Flex
	table    *tview.Table
	progress *tview.TextView
	detail   *tview.TextView
	bottom   *tview.Pages // hints, or the filter field
	hints    *widgets.TextPane
	filter   *tview.InputField
	keys     *keymap.Map
	rows     []*lessons.Lesson // per table row; nil for a group heading
	msg      string
	query    string // the filter: lessons whose texts contain it, in any language
	width    int    // the screen width the table was laid out for
	height   int    // the screen height the details were laid out for
}

func newPickerScreen(u *ui) *pickerScreen {
	p := &pickerScreen{u: u}
	th := u.Theme
	p.table = tview.NewTable().SetSelectable(true, false)
	p.table.SetSelectedStyle(th.Select).SetBackgroundColor(tcell.ColorDefault)
	p.table.SetSelectedFunc(func(row, _ int) {
		if row >= 0 && row < len(p.rows) && p.rows[row] != nil {
			p.open(p.rows[row])
		}
	})
	p.table.SetSelectionChangedFunc(func(int, int) { p.renderDetail() })
	p.progress = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	p.progress.SetBackgroundColor(tcell.ColorDefault)
	p.detail = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	p.detail.SetBackgroundColor(tcell.ColorDefault)
	p.filter = tview.NewInputField().SetLabel("/").SetFieldWidth(30)
	p.filter.SetLabelStyle(th.Accent).SetFieldStyle(th.Select)
	p.filter.SetChangedFunc(func(text string) {
		p.query = text
		p.refresh()
	})
	p.filter.SetDoneFunc(p.filterDone)
	p.keys = &keymap.Map{Name: "Lessons", Bindings: []keymap.Binding{
		{ID: "up", Keys: []keymap.Key{k(tcell.KeyUp), r('k')}, Desc: "previous lesson"},
		{ID: "down", Keys: []keymap.Key{k(tcell.KeyDown), r('j')}, Desc: "next lesson"},
		{ID: "open", Keys: []keymap.Key{k(tcell.KeyEnter)}, Short: "open", Desc: "open the lesson"},
		{ID: "filter", Keys: []keymap.Key{r('/')}, Short: "filter", Desc: "filter: show the lessons whose title or summary, in any language, contains what you type (Esc clears)", Action: p.askFilter},
		{ID: "lang", Keys: []keymap.Key{r('L')}, Short: "language", Desc: "language: " + i18n.LanguageMenu(), Action: u.nextLang},
		{ID: "resetProgress", Keys: []keymap.Key{r('R')}, Desc: "reset progress: forget which lessons are done and their scores (asks first)", Action: p.askReset},
		{ID: "help", Keys: []keymap.Key{r('?')}, Short: "help", Keep: true, Desc: "this help", Action: func() { u.ShowHelp(p.keys) }},
		{ID: "quit", Keys: []keymap.Key{r('q'), k(tcell.KeyCtrlC)}, Short: "quit", Keep: true, Desc: "quit", Action: u.Quit},
	}}
	p.hints = p.u.HintBar(func() *keymap.Map { return p.keys })
	p.bottom = tview.NewPages().AddPage("hints", p.hints, true, true).AddPage("filter", p.filter, true, false)
	p.root = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(p.table, 0, 1, true).
		AddItem(p.progress, 1, 0, false).
		AddItem(p.detail, 6, 0, false).
		AddItem(p.bottom, 1, 0, false)
	p.refresh()
	if l, ok := p.startHere(); ok {
		p.selectLesson(l.ID)
	}
	return p
}

// setMessage shows a line above the details (e.g. an unknown lesson id).
func (p *pickerScreen) setMessage(m string) {
	p.msg = m
	p.renderDetail()
}

// fitSize lays the table and the details out again when the screen size
// changed.
func (p *pickerScreen) fitSize(w, h int) {
	if w != p.width || h != p.height {
		p.width, p.height = w, h
		p.refresh()
	}
}

// pickerCols are the widths of the picker's columns, in cells; a summary
// of 0 is hidden. Two spaces separate them.
type pickerCols struct {
	mark, title, summary, steps, langs, score int
}

// colGap is the space between two columns.
const colGap = 2

// pickerColumns fits the columns to an inner width (the table's, inside its
// frame): the mark, steps, languages and score columns take what their
// widest cell needs; the title takes what is left, up to its longest
// title; the summary gets the rest when at least minSummary cells remain.
func pickerColumns(inner int, titles, steps, langs, scores []string) pickerCols {
	const minSummary = 16
	widest := func(list []string) int {
		w := 0
		for _, s := range list {
			w = max(w, uniseg.StringWidth(s))
		}
		return w
	}
	c := pickerCols{mark: 1, steps: widest(steps), langs: widest(langs), score: widest(scores)}
	fixed := c.mark + colGap + c.steps + colGap + c.langs + colGap + c.score
	rest := inner - fixed - colGap
	c.title = min(widest(titles), rest)
	if left := rest - c.title - colGap; left >= minSummary {
		c.summary = left
	}
	c.title = max(c.title, 1)
	return c
}

// cutLine is fitWord without the padding: s, or its start cut at a word's
// end with "…", at most w cells.
func cutLine(s string, w int) string { return strings.TrimRight(widgets.FitWord(s, w), " ") }

// matches reports whether a lesson's id, title or summary, in any of its
// languages, contains the query (folded).
func matches(l *lessons.Lesson, query string) bool {
	q := i18n.Fold(strings.TrimSpace(query))
	if q == "" {
		return true
	}
	texts := []string{l.ID}
	for _, t := range []i18n.Text{l.Title, l.Summary} {
		for _, s := range t {
			texts = append(texts, s)
		}
	}
	for _, s := range texts {
		if strings.Contains(i18n.Fold(s), q) {
			return true
		}
	}
	return false
}

// startHere is the lesson a newcomer should open: the first lesson of the
// suggested path (lessons.Path) that is not done.
func (p *pickerScreen) startHere() (*lessons.Lesson, bool) {
	for _, id := range lessons.Path {
		if l, ok := lessons.Find(p.u.o.Lessons, id); ok && !p.u.progress.IsDone(id) {
			return l, true
		}
	}
	return nil, false
}

// scoreCell is a lesson's progress column: its score when it had quizzes,
// "done" otherwise, "" when not done.
func (p *pickerScreen) scoreCell(l *lessons.Lesson) string {
	d, ok := p.u.progress.Done[l.ID]
	switch {
	case !ok:
		return ""
	case d.Asked > 0:
		return fmt.Sprintf("%d/%d", d.Right, d.Asked)
	}
	return tr(p.u.Lang, "done")
}

// refresh fills the table (after a language change, a finished lesson, a
// new width or filter).
func (p *pickerScreen) refresh() {
	th, lang := p.u.Theme, p.u.Lang
	th.Frame(p.table.Box, "mailsim · "+tr(lang, "Lessons"))
	th.Frame(p.detail.Box, "")
	var selID string
	if sel, _ := p.table.GetSelection(); sel >= 0 && sel < len(p.rows) && p.rows[sel] != nil {
		selID = p.rows[sel].ID
	}
	if p.width == 0 {
		p.width = p.u.Width()
	}
	inner := p.width - 2

	var shown []*lessons.Lesson
	for _, l := range lessons.SortByGroup(p.all()) {
		if matches(l, p.query) {
			shown = append(shown, l)
		}
	}
	scores := []string{tr(lang, "done")} // the column is there before any lesson is done
	var titles, steps, langs []string
	for _, l := range p.all() { // all of them: the columns stay put while filtering
		titles = append(titles, l.Title.In(lang))
		steps = append(steps, stepCount(lang, len(l.Steps)))
		langs = append(langs, strings.Join(l.Languages(), " "))
		scores = append(scores, p.scoreCell(l))
	}
	c := pickerColumns(inner, titles, steps, langs, scores)
	start, _ := p.startHere()

	p.table.Clear()
	p.rows = p.rows[:0]
	group := "\x00"
	for _, l := range shown {
		if l.Group != group {
			group = l.Group
			head := cutLine(tr(lang, lessons.GroupTitle(group)), inner)
			p.table.SetCell(len(p.rows), 0, tview.NewTableCell(tview.Escape(head)).SetStyle(th.Title).SetSelectable(false))
			p.rows = append(p.rows, nil)
		}
		p.table.SetCell(len(p.rows), 0, tview.NewTableCell(p.rowText(l, c, l == start)).SetExpansion(1))
		p.rows = append(p.rows, l)
	}
	if len(p.rows) == 0 {
		msg := tr(lang, "No lessons.")
		if p.query != "" {
			msg = i18n.Wordf(lang, "No lesson matches %q (Esc clears the filter).", p.query)
		}
		p.table.SetCell(0, 0, tview.NewTableCell(tview.Escape(cutLine(msg, inner))).SetStyle(th.Dim).SetSelectable(false))
	}
	p.selectLesson(selID)
	p.hints.Invalidate()
	p.renderProgress()
	p.renderDetail()
}

// rowText is one lesson's line: its columns, padded and cut, in colour.
func (p *pickerScreen) rowText(l *lessons.Lesson, c pickerCols, start bool) string {
	th, lang := p.u.Theme, p.u.Lang
	mark, markStyle := " ", th.Text
	switch {
	case p.u.progress.IsDone(l.ID):
		mark, markStyle = "✓", th.OK
	case start:
		mark, markStyle = "▶", th.Accent
	}
	cell := func(st tcell.Style, s string, w int) string {
		return th.Tag(st) + tview.Escape(widgets.FitWord(s, w)) + widgets.Reset
	}
	gap := strings.Repeat(" ", colGap)
	var b strings.Builder
	b.WriteString(th.Tag(markStyle) + mark + widgets.Reset + gap)
	b.WriteString(cell(th.Fg(th.ProtoColor(l.Group)).Bold(true), l.Title.In(lang), c.title) + gap)
	if c.summary > 0 {
		b.WriteString(cell(th.Text, l.Summary.In(lang), c.summary) + gap)
	}
	steps := stepCount(lang, len(l.Steps))
	b.WriteString(th.Tag(th.Dim) + strings.Repeat(" ", c.steps-uniseg.StringWidth(steps)) + tview.Escape(steps) + widgets.Reset + gap)
	b.WriteString(cell(th.Dim, strings.Join(l.Languages(), " "), c.langs) + gap)
	b.WriteString(cell(th.OK, p.scoreCell(l), c.score))
	return b.String()
}

// stepCount is "19 steps" in lang ("1 step": a gallery sample may have one).
func stepCount(lang string, n int) string {
	if n == 1 {
		return "1 " + tr(lang, "step")
	}
	return fmt.Sprintf("%d %s", n, tr(lang, "steps"))
}

// selectLesson selects the row of lesson id, or the first lesson.
func (p *pickerScreen) selectLesson(id string) {
	first := -1
	for i, l := range p.rows {
		if l == nil {
			continue
		}
		if first < 0 {
			first = i
		}
		if l.ID == id {
			p.table.Select(i, 0)
			return
		}
	}
	if first >= 0 {
		p.table.Select(first, 0)
	}
}

// renderProgress writes the progress line: lessons done, the quiz score
// over them, where to start, and the filter.
func (p *pickerScreen) renderProgress() {
	th, lang := p.u.Theme, p.u.Lang
	done, right, asked := 0, 0, 0
	for _, l := range p.u.o.Lessons {
		if d, ok := p.u.progress.Done[l.ID]; ok {
			done++
			right += d.Right
			asked += d.Asked
		}
	}
	var parts []string
	if done == 0 {
		parts = append(parts, tr(lang, "No lesson done yet"))
	} else {
		parts = append(parts, i18n.Wordf(lang, "%d of %d lessons done", done, len(p.u.o.Lessons)))
	}
	if asked > 0 {
		parts = append(parts, i18n.Wordf(lang, "quizzes %d/%d right", right, asked))
	}
	if l, ok := p.startHere(); ok {
		parts = append(parts, "▶ "+i18n.Wordf(lang, "start here: %s", l.Title.In(lang)))
	}
	if p.query != "" {
		n := 0
		for _, l := range p.rows {
			if l != nil {
				n++
			}
		}
		parts = append(parts, i18n.Wordf(lang, "filter %q: %d shown", p.query, n))
	}
	p.progress.SetText(" " + th.Tag(th.Dim) + tview.Escape(cutLine(strings.Join(parts, " · "), max(1, p.width-2))) + widgets.Reset)
}

// renderDetail describes the selected lesson, in a pane as tall as the
// description (4 to a quarter of the screen's rows); what is still
// taller ends its last row with "…".
func (p *pickerScreen) renderDetail() {
	th, lang := p.u.Theme, p.u.Lang
	var paras []widgets.Para
	if p.msg != "" {
		paras = append(paras, widgets.Para{Style: th.Bad, Text: p.msg})
	}
	row, _ := p.table.GetSelection()
	if row >= 0 && row < len(p.rows) && p.rows[row] != nil {
		l := p.rows[row]
		head := l.Title.In(lang)
		if d, ok := p.u.progress.Done[l.ID]; ok {
			head += " · " + tr(lang, "done")
			if d.Asked > 0 {
				head += fmt.Sprintf(" · %s %d/%d", tr(lang, "Score"), d.Right, d.Asked)
			}
		}
		paras = append(paras, widgets.Para{Style: th.Title, Text: head}, widgets.Para{Style: th.Text, Text: l.Summary.In(lang)})
		if start, ok := p.startHere(); ok && start == l {
			paras = append(paras, widgets.Para{Style: th.Accent, Text: "▶ " + tr(lang, "Start here: the suggested path is") + " " + pathText(p.u.o.Lessons)})
		}
		cmd := "learn"
		if p.isReplay(l) {
			cmd = "replay"
		}
		paras = append(paras, widgets.Para{Style: th.Dim, Text: fmt.Sprintf("mailsim %s %s · %s · %s", cmd, l.ID, stepCount(lang, len(l.Steps)), strings.Join(l.Languages(), ", "))})
	}
	if p.root == nil {
		return // called while the screen is built
	}
	w := max(1, p.u.Width()-2)
	type line struct {
		st   tcell.Style
		text string
	}
	var lines []line
	for _, pa := range paras {
		for _, ln := range widgets.Wrap(pa.Text, w) {
			lines = append(lines, line{pa.Style, ln})
		}
	}
	_, h := p.u.Size()
	rows := max(4, min(len(lines), h/4))
	if len(lines) > rows {
		last := &lines[rows-1]
		last.text = cutLine(last.text+" "+lines[rows].text+" …", w)
		lines = lines[:rows]
	}
	var b strings.Builder
	for i, ln := range lines {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(th.Tag(ln.st) + tview.Escape(ln.text) + widgets.Reset)
	}
	p.detail.SetText(b.String())
	p.root.ResizeItem(p.detail, rows+2, 0)
}

// pathText is the suggested path: "pop3-basics → imap-basics → …".
func pathText(list []*lessons.Lesson) string {
	var ids []string
	for _, id := range lessons.Path {
		if _, ok := lessons.Find(list, id); ok {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, " → ")
}

// all is the lessons and the replays' lessons (the gallery).
func (p *pickerScreen) all() []*lessons.Lesson {
	out := append([]*lessons.Lesson(nil), p.u.o.Lessons...)
	for _, r := range p.u.o.Replays {
		out = append(out, r.Lesson)
	}
	return out
}

// isReplay reports whether l is a replay's lesson.
func (p *pickerScreen) isReplay(l *lessons.Lesson) bool {
	for _, r := range p.u.o.Replays {
		if r.Lesson == l {
			return true
		}
	}
	return false
}

// open starts a lesson, or replays a saved session.
func (p *pickerScreen) open(l *lessons.Lesson) {
	for _, r := range p.u.o.Replays {
		if r.Lesson != l {
			continue
		}
		t, err := r.Load()
		if err != nil {
			p.setMessage(err.Error())
			return
		}
		p.u.host.OpenReplay(t, true)
		return
	}
	p.u.host.OpenLesson(l)
}

// --- the filter

func (p *pickerScreen) askFilter() {
	p.filter.SetText(p.query)
	p.bottom.SwitchToPage("filter")
	p.u.App.SetFocus(p.filter)
}

// filterDone keeps the filter on Enter and clears it on Esc.
func (p *pickerScreen) filterDone(key tcell.Key) {
	if key == tcell.KeyEscape {
		p.filter.SetText("") // calls the changed func: the full list again
	}
	p.bottom.SwitchToPage("hints")
	p.u.App.SetFocus(p.table)
}

// --- resetting progress

// askReset asks before forgetting the progress: only the second button,
// or y, resets.
func (p *pickerScreen) askReset() {
	lang := p.u.Lang
	done := len(p.u.progress.Done)
	if done == 0 {
		p.setMessage(tr(lang, "No progress to reset."))
		return
	}
	p.u.Ask("reset-progress",
		i18n.Wordf(lang, "Forget the progress of %d lessons (done marks and quiz scores)? This cannot be undone.", done),
		[]string{tr(lang, "Keep my progress"), tr(lang, "Reset progress")},
		map[rune]int{'n': 0, 'y': 1}, p.u.Theme.Bad, p.table,
		func(choice int) {
			if choice != 1 {
				return
			}
			if err := p.u.progress.Reset(); err != nil {
				p.setMessage(err.Error())
			} else {
				p.setMessage(tr(lang, "Progress reset."))
			}
			p.refresh()
		})
}
