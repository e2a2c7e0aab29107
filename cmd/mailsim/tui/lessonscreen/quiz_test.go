package lessonscreen

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/internal/i18n"
	"mailsim/lessons"
)

// longQuizLesson is testLesson with a quiz whose question and choices are
// long enough to wrap at 80 columns, in both languages.
func longQuizLesson() *lessons.Lesson {
	l := testLesson(true)
	q := l.Steps[3].Quiz
	q.Question = i18n.Text{
		"en": "The laptop has logged in and holds nothing yet. Before it asks, think about what the server knows: how many messages wait in alice's INBOX, and what does STAT answer about them?",
		"vi": "Laptop đã đăng nhập và chưa có thư nào. Trước khi hỏi, hãy nghĩ xem máy chủ biết gì: có bao nhiêu thư đang chờ trong INBOX của alice, và STAT sẽ trả lời gì về chúng?",
	}
	q.Choices[0].Text = i18n.Text{"en": "+OK 3 and a size in octets: the count and the total size of the messages in the mailbox", "vi": "+OK 3 và một kích thước tính bằng octet: số thư và tổng kích thước của các thư trong hộp"}
	return l
}

// modalText is the quiz modal's inside, as one string without spaces.
func (h *harness) modalText() string {
	var s string
	h.u.App.QueueUpdateDraw(func() {})
	h.On(func() {
		if h.u.ls.quiz == nil {
			return
		}
		cs, w, hgt := h.Scr.GetContents()
		var cells [][]string
		for y := 0; y < hgt; y++ {
			row := make([]string, w)
			for x := 0; x < w; x++ {
				row[x] = string(cs[y*w+x].Runes)
			}
			cells = append(cells, row)
		}
		s = strings.Join(rectOf(h.u.ls.quiz.pane).inner(cells), "")
	})
	return strings.Join(strings.Fields(s), "")
}

func TestTheQuizShowsItsWholeQuestionAndKeysAndHidesTheState(t *testing.T) {
	for _, lang := range []string{"en", "vi"} {
		t.Run(lang, func(t *testing.T) {
			l := longQuizLesson()
			h := startApp(t, appOptions{Lessons: []*lessons.Lesson{l}, Start: "test-pop3", Lang: lang}, 80, 24)
			h.started()
			for i := 1; i <= 3; i++ {
				h.TypeText("n")
				h.idleAt(i)
			}
			h.TypeText("n")
			h.waitUntil("the quiz is open", func(u *Host) bool { return u.ls.quiz != nil })
			got := h.modalText()
			q := l.Steps[3].Quiz
			for _, want := range []string{q.Question.In(lang), q.Choices[0].Text.In(lang), q.Choices[1].Text.In(lang), "1–2"} {
				if !strings.Contains(got, strings.Join(strings.Fields(want), "")) {
					t.Errorf("the quiz does not show all of %q:\n%s", want, h.Text())
				}
			}
			scr := h.Text()
			hidden := tr(lang, "Hidden until you answer the quiz.")
			if !strings.Contains(scr, hidden) || strings.Contains(scr, "Lunch?") {
				t.Errorf("the state panes should be hidden while the quiz is open:\n%s", scr)
			}
			if !strings.Contains(scr, "1–2 "+tr(lang, "answer")) {
				t.Errorf("the hint bar should show the quiz's keys:\n%s", scr)
			}
			h.TypeText("1")
			h.WaitFor(tr(lang, "Right!"))
			h.Key(tcell.KeyEnter)
			h.idleAt(4)
			if s := h.Text(); strings.Contains(s, hidden) {
				t.Errorf("after the answer the state shows again:\n%s", s)
			}
		})
	}
}

func TestRunningAheadStopsAtAQuizAndTheNextKeyDoesNotAnswerIt(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(true)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.On(func() { h.u.ls.quizGuard = time.Hour }) // however slow the machine, the next key comes "too soon"
	h.TypeText("g99")
	h.Key(tcell.KeyEnter)
	h.waitUntil("running ahead stopped at the first quiz", func(u *Host) bool {
		return u.ls.quiz != nil && u.ls.s.Ran() == 3 && !u.ls.s.Busy()
	})
	h.WaitFor("Running ahead stopped at this quiz")
	h.TypeText("1")
	h.Key(tcell.KeyRight) // a held → does not answer either
	h.Key(tcell.KeyEnter)
	h.Key(tcell.KeyDown) // keys are handled in order: once ↓ highlights, the others were handled
	h.waitUntil("↓ highlighted the first choice", func(u *Host) bool { return u.ls.quiz != nil && u.ls.quiz.sel == 0 })
	h.On(func() {
		if _, ok := h.u.ls.s.AnswerOf(3); ok {
			t.Error("a key typed right after running ahead stopped answered the quiz")
		}
		if h.u.ls.runTo != 0 || h.u.ls.playing {
			t.Error("running ahead should have stopped at the quiz")
		}
		h.u.ls.quiz.guard = 0 // the learner has read it now
	})
	h.Key(tcell.KeyEnter)
	h.WaitFor("Right!")
	h.On(func() {
		if a, ok := h.u.ls.s.AnswerOf(3); !ok || a.Choice != 0 {
			t.Errorf("↓ Enter should answer with the first choice: %+v, %v", a, ok)
		}
	})
	h.Key(tcell.KeyEnter)
	h.idleAt(4)
	h.On(func() {
		if n := h.u.ls.s.Ran(); n != 4 {
			t.Errorf("answering goes on by one step only: %d ran", n)
		}
	})
}
