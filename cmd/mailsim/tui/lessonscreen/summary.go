package lessonscreen

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/lessons"
	"mailsim/sim/events"
)

// The end of a lesson: a summary over the lesson screen with the score,
// the checks, the points the lesson showed (its claims, in the lesson's
// language) and the lesson to take next. It opens once when the lesson
// ends; E opens it again.

// nextLesson is the lesson to take after l: the next one on the suggested
// path not done yet, else the next one in the picker's order not done yet.
func nextLesson(all []*lessons.Lesson, l *lessons.Lesson, done func(id string) bool) (*lessons.Lesson, bool) {
	find := func(id string) (*lessons.Lesson, bool) { return lessons.Find(all, id) }
	after := false
	for _, id := range lessons.Path {
		if id == l.ID {
			after = true
			continue
		}
		if n, ok := find(id); ok && !done(id) && (after || !onPath(l.ID)) {
			return n, true
		}
	}
	sorted := lessons.SortByGroup(all)
	for i, n := range sorted {
		if n.ID != l.ID {
			continue
		}
		for _, m := range append(sorted[i+1:], sorted[:i]...) {
			if !done(m.ID) {
				return m, true
			}
		}
	}
	return nil, false
}

func onPath(id string) bool {
	for _, p := range lessons.Path {
		if p == id {
			return true
		}
	}
	return false
}

// summaryLines writes the summary for a width.
func (ls *lessonScreen) summaryLines(w int, next *lessons.Lesson) []string {
	th, lang, s := ls.u.Theme, ls.u.Lang, ls.s
	l := ls.lesson
	var out []string
	para := func(st tcell.Style, text string) {
		for _, ln := range widgets.Wrap(text, w) {
			out = append(out, th.Tag(st)+tview.Escape(ln)+widgets.Reset)
		}
	}
	_, ok := s.Ended()
	fails, over := 0, ""
	for _, e := range s.Events() {
		switch e.Kind {
		case events.EventFail:
			fails++
		case events.EventEnd:
			over = tr(lang, "Lesson over") + ": " + e.Text.In(lang) // "12 passed, 0 failed"
		}
	}
	head, st := tr(lang, "Lesson complete."), th.OK
	if !ok || fails > 0 {
		head, st = tr(lang, "Some steps did not go as the lesson expected."), th.Bad
	}
	para(th.Title, l.Title.In(lang))
	para(st, head)
	if right, asked := s.Score(); asked > 0 {
		para(th.Text, fmt.Sprintf("%s %d/%d", tr(lang, "Score"), right, asked))
	}
	if over != "" {
		para(th.Text, over)
	}
	if claims := lessonClaims(l, lang); len(claims) > 0 {
		out = append(out, "")
		para(th.Title, tr(lang, "What this lesson showed"))
		for _, c := range claims {
			for i, ln := range widgets.WrapLine(c, w-2) {
				p := "  "
				if i == 0 {
					p = "• "
				}
				out = append(out, th.Tag(th.Text)+tview.Escape(p+ln)+widgets.Reset)
			}
		}
	}
	out = append(out, "")
	if next != nil {
		para(th.Title, tr(lang, "Next"))
		para(th.Accent, next.Title.In(lang)+" ("+next.ID+")")
		if sum := next.Summary.In(lang); sum != "" {
			para(th.Dim, sum)
		}
		out = append(out, "")
		para(th.Dim, tr(lang, "Enter: open it · Esc: back to this lesson · q: quit"))
	} else {
		para(th.OK, tr(lang, "You have done every lesson."))
		para(th.Dim, tr(lang, "Esc: back to this lesson · q: quit"))
	}
	return out
}

// lessonClaims are the texts of the claims the lesson covers, in lang.
func lessonClaims(l *lessons.Lesson, lang string) []string {
	all, err := lessons.Claims()
	if err != nil {
		return nil
	}
	byID := map[string]lessons.Claim{}
	for _, c := range all {
		byID[c.ID] = c
	}
	var out []string
	for _, id := range l.Covers {
		if c, ok := byID[id]; ok {
			out = append(out, c.Text.In(lang))
		}
	}
	return out
}

// showSummary opens the end-of-lesson summary.
func (ls *lessonScreen) showSummary() {
	u := ls.u
	if ended, _ := ls.s.Ended(); !ended || u.Ov.IsOpen() {
		return
	}
	ls.summaryShown = true
	w, h := u.Size()
	bw := max(30, min(w-4, 90))
	next, _ := nextLesson(u.o.Lessons, ls.lesson, func(id string) bool {
		return id == ls.lesson.ID || u.progress.IsDone(id)
	})
	p := widgets.NewLinesPane(u.Theme)
	p.MoreTxt = tr(u.Lang, "more ↓")
	p.SetLines(ls.summaryLines(bw-2, next))
	u.Theme.Frame(p.Box, tr(u.Lang, "End of the lesson"))
	p.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch {
		case ev.Key() == tcell.KeyEscape || ev.Rune() == 'E':
			u.Ov.Hide(ls.tv)
		case ev.Key() == tcell.KeyEnter && next != nil:
			u.Ov.Hide(nil)
			u.OpenLesson(next)
		case ev.Rune() == 'q':
			u.Quit()
		default:
			return ev // ↑ ↓ PgUp PgDn scroll
		}
		return nil
	})
	u.Ov.Show("summary", p, bw, min(len(p.Lines)+2, h-2))
	u.Ov.SetKeys(
		keymap.Binding{ID: "nextLesson", Keys: []keymap.Key{k(tcell.KeyEnter)}, Short: "next lesson", Desc: "open the next lesson", When: func() bool { return next != nil }},
		widgets.OverlayScroll,
		keymap.Binding{ID: "close", Keys: []keymap.Key{k(tcell.KeyEscape), r('E')}, Short: "close", Keep: true, Desc: "close"},
		keymap.Binding{ID: "quit", Keys: []keymap.Key{r('q')}, Short: "quit", Keep: true, Desc: "quit"})
}
