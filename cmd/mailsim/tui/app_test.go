package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/lessons"
)

// testLesson is screentest.TestLesson, its title and summary in
// Vietnamese too.
func testLesson(quiz bool) *lessons.Lesson {
	l := screentest.TestLesson(quiz)
	l.Title["vi"], l.Summary["vi"] = "POP3 bằng tay", "Tải về rồi xóa trên máy chủ"
	return l
}

// harness runs the whole app, picker and lesson screens, on a
// simulation screen.
type harness struct {
	*screentest.Harness
	u *ui
}

func startApp(t testing.TB, o Options, w, h int) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	o.Screen = scr
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	u, err := newUI(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{Harness: screentest.Start(t, scr, u.App, u.Stop, w, h, u.run), u: u}
}

// waitUntil waits until cond, evaluated on the UI goroutine, holds.
func (h *harness) waitUntil(what string, cond func(u *ui) bool) {
	h.T.Helper()
	h.WaitUntil(what, func() bool { return cond(h.u) })
}

// idleAt waits until the open lesson shows pos steps and nothing runs.
func (h *harness) idleAt(pos int) { h.T.Helper(); h.IdleAt(pos, h.u.host.Session) }

// serverPane is the server pane's text as rendered now.
func (h *harness) serverPane() string {
	var s string
	h.On(func() { s = widgets.RenderServer(h.u.Theme, h.u.Lang, h.u.host.Session().View(), 60) })
	return s
}

func TestPickALessonStepForwardAndBack(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}}, 120, 40)
	h.WaitFor("POP3 by hand", "Download, then delete", "8 steps")
	h.Key(tcell.KeyEnter)
	h.idleAt(0)
	h.WaitFor("Press → to start.")

	for i := 1; i <= 6; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.WaitFor("Step 6/8 · Delete", "marked for deletion")
	if s := h.serverPane(); !strings.Contains(s, "3 messages") || !strings.Contains(s, "1 marked for deletion") {
		t.Errorf("after DELE 1 the server pane should show 3 messages, one marked:\n%s", s)
	}
	h.Key(tcell.KeyRight)
	h.idleAt(7)
	h.WaitFor("Step 7/8 · Quit", "alice/INBOX", ": 2 messages")
	sp := h.serverPane()
	if strings.Contains(sp, "marked for deletion") {
		t.Errorf("after QUIT nothing is marked any more:\n%s", sp)
	}
	if !strings.Contains(sp, "Lunch?") {
		t.Errorf("the message QUIT removed should still show, struck, for that step:\n%s", sp)
	}

	// Back two steps: the state comes from the stored snapshots.
	h.TypeText("p")
	h.Key(tcell.KeyLeft)
	h.idleAt(5)
	h.WaitFor("Step 5/8 · Download", ": 3 messages")
	if sp := h.serverPane(); strings.Contains(sp, "marked for deletion") {
		t.Errorf("at step 5 nothing is marked yet:\n%s", sp)
	}
	h.On(func() {
		if ran := h.u.host.Session().Ran(); ran != 7 {
			t.Errorf("stepping back reran steps: %d steps ran, want 7", ran)
		}
	})
	// Forward again replays from memory.
	h.TypeText("n")
	h.idleAt(6)
	h.WaitFor("Step 6/8", "1 marked for deletion")
	h.On(func() {
		if ran := h.u.host.Session().Ran(); ran != 7 {
			t.Errorf("replaying step 6 ran a step: %d ran, want 7", ran)
		}
	})
}

func TestVietnameseIsAligned(t *testing.T) {
	vi := testLesson(false)
	h := startApp(t, Options{Lessons: []*lessons.Lesson{vi}, Lang: "vi"}, 80, 24)
	s := h.WaitFor("POP3 bằng tay", "Tải về rồi xóa trên máy chủ")
	// The row holds title, summary and step count, and ends at the border.
	found := false
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "POP3 bằng tay") && strings.Contains(line, "8 bước") {
			found = true
			if w := uniseg.StringWidth(line); w != 80 {
				t.Errorf("the row is %d cells wide, want 80: %q", w, line)
			}
		}
	}
	if !found {
		t.Errorf("no picker row with the title and the step count:\n%s", s)
	}
	if got := widgets.Fit("Tải về rồi xóa", 8); got != "Tải về …" {
		t.Errorf("fit = %q", got)
	}
	if got := widgets.Fit("xóa", 5); got != "xóa  " {
		t.Errorf("fit pads by cells, not bytes: %q", got)
	}
}

func TestQuitKeyRestores(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}}, 80, 24)
	h.WaitFor("POP3 by hand")
	h.TypeText("q")
	select {
	case err := <-h.Done:
		if err != nil {
			t.Fatal(err)
		}
		h.Done <- nil
	case <-t.Context().Done():
	}
}

// BenchmarkStartup measures Run with a lesson to open, up to its first
// frame.
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	var total time.Duration
	for b.Loop() {
		scr := tcell.NewSimulationScreen("UTF-8")
		t0 := time.Now()
		u, err := newUI(context.Background(), Options{Lessons: []*lessons.Lesson{testLesson(true)}, Start: "test-pop3", Screen: scr, StateDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		drawn := make(chan struct{})
		first := true
		u.App.SetAfterDrawFunc(func(tcell.Screen) {
			if first {
				first = false
				close(drawn)
			}
		})
		done := make(chan error, 1)
		go func() { done <- u.run() }()
		<-drawn
		total += time.Since(t0)
		u.App.QueueUpdate(u.Quit)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}
