package lessonscreen

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/wire"
)

// quizGuard is how long after running ahead stopped at a quiz its keys
// are not taken as answers: keys typed or held before the question was
// on screen (the rest of "g 99", a held →) must not answer it.
const quizGuard = 600 * time.Millisecond

// quizModal is a quiz asked before its step runs: the whole question and
// every choice, wrapped to fit (and scrolling when the screen is tiny), the
// keys that answer, then right or wrong and the explanation. Its keys are
// a KeyMap like the screens', so the hint bar shows them while it is open.
type quizModal struct {
	ls       *lessonScreen
	step     int
	q        *lessons.QuizSpec
	pane     *widgets.LinesPane
	keys     *keymap.Map
	sel      int  // the highlighted choice, -1 for none
	answer   int  // the choice given, -1 before
	stopped  bool // running ahead (go to, play) stopped here
	openedAt time.Time
	guard    time.Duration
}

// askQuiz shows the quiz of a step before it runs. When the learner was
// running ahead, running stops here and, for a moment, keys do not answer.
func (ls *lessonScreen) askQuiz(step int, q *lessons.QuizSpec) {
	u, th := ls.u, ls.u.Theme
	qm := &quizModal{ls: ls, step: step, q: q, sel: -1, answer: -1, openedAt: time.Now(), guard: ls.quizGuard}
	qm.stopped = ls.runTo > 0 || ls.playing
	ls.runTo = 0
	ls.setPlaying(false)
	ls.quizOn = true
	ls.quiz = qm
	ls.stopTimer()

	qm.pane = widgets.NewLinesPane(th)
	qm.pane.MoreKey = "PgDn"
	th.Frame(qm.pane.Box, "")
	qm.keys = qm.keyMap()
	qm.pane.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		qm.keys.Handle(ev)
		return nil // nothing reaches the lesson while the quiz is open
	})
	qm.render()
	ls.dirty = true
	ls.hints.Invalidate()
	u.Ov.Show("quiz", qm.pane, qm.width(), qm.height())
	u.Ov.SetKeys(qm.keys.Bindings...)
}

// keyMap is the quiz's key table: digits answer, arrows and Enter choose,
// → goes on once answered, Esc puts the quiz away.
func (qm *quizModal) keyMap() *keymap.Map {
	n := len(qm.q.Choices)
	var digits []keymap.Key
	for i := range min(n, 9) {
		digits = append(digits, r(rune('1'+i)))
	}
	return &keymap.Map{Name: "Quiz", Bindings: []keymap.Binding{
		{ID: "answer", Keys: digits, Short: "answer", Desc: "answer with that choice", Action: qm.digit},
		{ID: "up", Keys: []keymap.Key{k(tcell.KeyUp)}, Desc: "highlight the previous choice", Action: func() { qm.move(-1) }},
		{ID: "down", Keys: []keymap.Key{k(tcell.KeyDown)}, Short: "choose", Desc: "highlight the next choice", Action: func() { qm.move(1) }},
		{ID: "enter", Keys: []keymap.Key{k(tcell.KeyEnter)}, Desc: "answer with the highlighted choice; once answered, run the step", Action: qm.enter},
		{ID: "goOn", Keys: []keymap.Key{k(tcell.KeyRight), r('n'), r(' ')}, Short: "go on", Desc: "once answered, run the step", Action: qm.goOn, When: func() bool { return qm.answer >= 0 }},
		{ID: "pageDown", Keys: []keymap.Key{k(tcell.KeyPgDn)}, Desc: "scroll the quiz down", Action: func() { qm.pane.Scroll(max(1, qm.height()-3)) }, When: func() bool { return qm.pane.Hidden() > 0 }},
		{ID: "pageUp", Keys: []keymap.Key{k(tcell.KeyPgUp)}, Desc: "scroll the quiz up", Action: func() { qm.pane.Scroll(-max(1, qm.height()-3)) }},
		{ID: "later", Keys: []keymap.Key{k(tcell.KeyEscape)}, Short: "later", Keep: true, Desc: "put the quiz away without answering (→ asks again)", Action: qm.close},
	}}
}

// guarded reports whether keys are still held off after running ahead.
func (qm *quizModal) guarded() bool {
	return qm.stopped && time.Since(qm.openedAt) < qm.guard
}

// digit answers with the choice of the digit pressed.
func (qm *quizModal) digit() {
	if ev := qm.keys.Last(); ev != nil {
		qm.choose(int(ev.Rune() - '1'))
	}
}

// choose answers with choice i (0-based), once.
func (qm *quizModal) choose(i int) {
	if qm.answer >= 0 || i < 0 || i >= len(qm.q.Choices) || qm.guarded() {
		return
	}
	qm.answer, qm.sel = i, i
	qm.ls.s.AnswerQuiz(qm.step, i)
	qm.render()
	qm.ls.hints.Invalidate()
}

func (qm *quizModal) enter() {
	switch {
	case qm.answer >= 0:
		qm.goOn()
	case qm.sel >= 0:
		qm.choose(qm.sel)
	}
}

// move highlights the previous or next choice.
func (qm *quizModal) move(d int) {
	if qm.answer >= 0 {
		return
	}
	n := len(qm.q.Choices)
	if qm.sel < 0 {
		qm.sel = map[bool]int{true: 0, false: n - 1}[d > 0]
	} else {
		qm.sel = (qm.sel + d + n) % n
	}
	qm.render()
}

// goOn closes the answered quiz and runs its step.
func (qm *quizModal) goOn() {
	if qm.answer < 0 {
		return
	}
	qm.close()
	qm.ls.next()
}

func (qm *quizModal) close() {
	ls := qm.ls
	ls.quizOn = false
	ls.quiz = nil
	ls.dirty = true
	ls.hints.Invalidate()
	ls.u.Ov.Hide(ls.tv)
}

// width and height are the modal's size on the screen now.
func (qm *quizModal) width() int {
	w, _ := qm.ls.u.Size()
	return max(20, min(w-4, 96))
}

func (qm *quizModal) height() int {
	_, h := qm.ls.u.Size()
	return max(5, min(len(qm.pane.Lines)+2, h-4))
}

// render writes the modal's lines for its width.
func (qm *quizModal) render() {
	ls := qm.ls
	th, lang := ls.u.Theme, ls.u.Lang
	w := qm.width() - 2
	var out []string
	para := func(st tcell.Style, text string) {
		for _, ln := range widgets.Wrap(text, w) {
			out = append(out, th.Tag(st)+tview.Escape(ln)+widgets.Reset)
		}
	}
	th.Frame(qm.pane.Box, fmt.Sprintf("%s · %s %d/%d", tr(lang, "Quiz"), tr(lang, "Step"), qm.step+1, ls.s.Steps()))
	para(th.Title, qm.q.Question.In(lang))
	out = append(out, "")
	for i, c := range qm.q.Choices {
		mark := " "
		st := th.Text
		switch {
		case qm.answer >= 0 && c.Correct:
			mark, st = "✓", th.OK
		case qm.answer == i:
			mark, st = "✗", th.Bad
		}
		if i == qm.sel && qm.answer < 0 {
			st = th.Select
		}
		prefix := fmt.Sprintf("%s %d  ", mark, i+1)
		indent := strings.Repeat(" ", uniseg.StringWidth(prefix))
		for j, ln := range widgets.WrapLine(c.Text.In(lang), w-len(indent)) {
			p := indent
			if j == 0 {
				p = prefix
			}
			out = append(out, th.Tag(th.Accent)+tview.Escape(p)+widgets.Reset+th.Tag(st)+tview.Escape(ln)+widgets.Reset)
		}
	}
	out = append(out, "")
	if qm.answer < 0 {
		if qm.stopped {
			para(th.Accent, tr(lang, "Running ahead stopped at this quiz: read it, then answer."))
		}
		para(th.Dim, i18n.Wordf(lang, "Answer with %s, or ↑ ↓ and Enter. Esc: later.", answerKeys(qm.keys)))
	} else {
		verdict, st := tr(lang, "Right!"), th.OK
		if !qm.q.Choices[qm.answer].Correct {
			verdict, st = tr(lang, "Not quite."), th.Bad
			for _, c := range qm.q.Choices {
				if c.Correct {
					verdict += " → " + c.Text.In(lang)
					break
				}
			}
		}
		para(st, verdict)
		if ex := qm.q.Explain.In(lang); ex != "" {
			para(th.Text, ex)
		}
		para(th.Dim, tr(lang, "press Enter to continue"))
	}
	qm.pane.SetLines(out)
	if ls.u.Ov.Is("quiz") {
		ls.u.Ov.Resize(qm.width(), qm.height())
	}
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

// answerKeys is how the digits that answer are written ("1–3").
func answerKeys(m *keymap.Map) string {
	b, _ := m.Find("answer")
	return b.Label()
}
