package tui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/lessons"
	"mailsim/sim/wire"
)

// askQuiz shows a quiz before its step runs: the question, the choices (1..n
// or arrows and Enter), then right or wrong and the explanation. Enter then
// runs the step; Esc puts the question away without answering.
func (ls *lessonScreen) askQuiz(step int, q *lessons.QuizSpec) {
	u, th, lang := ls.u, ls.u.th, ls.u.lang
	ls.quizOn = true
	ls.stopTimer()

	question := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	question.SetBackgroundColor(tcell.ColorDefault)
	question.SetText(th.tag(th.Title) + tview.Escape(q.Question.In(lang)) + reset)
	list := tview.NewList().ShowSecondaryText(false).SetHighlightFullLine(true)
	list.SetBackgroundColor(tcell.ColorDefault)
	list.SetMainTextStyle(th.Text).SetShortcutStyle(th.Accent).SetSelectedStyle(th.Select)
	for i, c := range q.Choices {
		list.AddItem(tview.Escape(c.Text.In(lang)), "", rune('1'+i), nil)
	}
	result := tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	result.SetBackgroundColor(tcell.ColorDefault)

	box := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(question, 0, 1, false).
		AddItem(list, len(q.Choices), 0, true).
		AddItem(result, 0, 2, false)
	th.frame(box.Box, fmt.Sprintf("%s · %s %d/%d", tr(lang, "Quiz"), tr(lang, "Step"), step+1, ls.s.Steps()))

	close := func() {
		ls.quizOn = false
		u.hideOverlay(ls.tv)
	}
	answered := false
	list.SetSelectedFunc(func(i int, _, _ string, _ rune) {
		if answered {
			return
		}
		answered = true
		a := ls.s.AnswerQuiz(step, i)
		verdict, st := tr(lang, "Right!"), th.OK
		if !a.Correct {
			verdict, st = tr(lang, "Not quite."), th.Bad
			for _, c := range q.Choices {
				if c.Correct {
					verdict += " → " + c.Text.In(lang)
					break
				}
			}
		}
		var b strings.Builder
		b.WriteString(th.tag(st) + tview.Escape(verdict) + reset + "\n")
		if ex := q.Explain.In(lang); ex != "" {
			b.WriteString(tview.Escape(oneLine(ex)) + "\n")
		}
		b.WriteString(th.tag(th.Dim) + tr(lang, "press Enter to continue") + reset)
		result.SetText(b.String())
	})
	box.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		switch {
		case ev.Key() == tcell.KeyEscape:
			close()
			return nil
		case answered && (ev.Key() == tcell.KeyEnter || ev.Rune() == ' ' || ev.Rune() == 'n' || ev.Key() == tcell.KeyRight):
			close()
			ls.next() // the quiz is answered: now its step runs
			return nil
		case answered:
			return nil
		}
		return ev
	})
	w, h := u.size()
	u.showOverlay("quiz", box, min(72, w-4), min(len(q.Choices)+10, h-2))
}

// protocolVerbs are the commands the sandbox completes, per protocol.
var protocolVerbs = map[string][]string{
	"pop3": {"USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL", "QUIT", "CAPA", "STLS"},
	"imap": {"CAPABILITY", "LOGIN", "SELECT", "EXAMINE", "FETCH", "STORE", "SEARCH", "EXPUNGE", "LIST", "LOGOUT", "IDLE", "NOOP", "UID", "COPY", "MOVE", "APPEND", "CREATE", "DELETE", "STATUS"},
	"smtp": {"EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "AUTH", "STARTTLS", "VRFY"},
}

// complete offers the verbs that start the command being typed. For IMAP
// the verb follows a tag ("a1 SEL" -> "a1 SELECT"); a verb typed without a
// tag is offered with one. A finished verb or any argument ends the offer,
// so Enter sends.
func complete(proto, text string, tag int) []string {
	verbs := protocolVerbs[proto]
	if text == "" || strings.HasSuffix(text, " ") && proto != string(wire.IMAP) {
		return nil
	}
	prefix, word := "", text
	f := strings.Fields(text)
	if proto == string(wire.IMAP) {
		switch {
		case len(f) == 2 && !strings.HasSuffix(text, " "):
			prefix, word = f[0]+" ", f[1]
		case len(f) == 1 && !strings.HasSuffix(text, " "):
			prefix, word = fmt.Sprintf("a%d ", tag), f[0]
		default:
			return nil
		}
	} else if len(f) != 1 {
		return nil
	}
	var out []string
	for _, v := range verbs {
		if strings.EqualFold(v, word) {
			return nil // complete already
		}
		if strings.HasPrefix(v, strings.ToUpper(word)) {
			out = append(out, prefix+v)
		}
	}
	return out
}
