package lessonscreen

import (
	"testing"
	"time"

	"mailsim/lessons"
)

// BenchmarkStepRedraw200x60 measures what a step costs the screen at
// 200×60: moving to the step, laying every pane out for it (state fitted,
// story and meaning wrapped) and drawing the whole screen. The goal is
// under 10 ms.
func BenchmarkStepRedraw200x60(b *testing.B) {
	h := startApp(b, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 200, 60)
	h.started()
	h.On(func() { h.u.ls.goToStep(7) })
	h.idleAt(7)
	redrawSteps(b, h, 6)
}

// BenchmarkStepRedraw200x60BigMailbox is BenchmarkStepRedraw200x60 on
// imap-tradeoffs at step 12: two providers, one of them with a
// 10,000-message mailbox, and four devices. Columns and the legend are
// worked out from the rows on screen, not from the whole mailbox.
func BenchmarkStepRedraw200x60BigMailbox(b *testing.B) {
	all, err := lessons.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	h := startApp(b, appOptions{Lessons: all, Start: "imap-tradeoffs", Files: builtinFiles}, 200, 60)
	h.started()
	h.On(func() { answerEveryQuiz(h.u.ls.s); h.u.ls.goToStep(12) })
	h.idleAt(12)
	redrawSteps(b, h, 11)
}

// redrawSteps times moving between steps from and from+1 (from memory,
// nothing runs) and drawing the whole screen each time.
func redrawSteps(b *testing.B, h *harness, from int) {
	var total time.Duration
	n := 0
	for b.Loop() {
		h.On(func() {
			t0 := time.Now()
			h.u.ls.s.Seek(from + n%2)
			h.u.App.ForceDraw()
			total += time.Since(t0)
		})
		n++
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/step-redraw")
}
