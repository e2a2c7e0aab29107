package lessonscreen

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/lessons"
)

func TestZoomAPaneAndPresenterMode(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	for i := 1; i <= 6; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.TypeText("\tz") // Tab to the server pane, zoom it
	h.waitUntil("the state has the whole width", func(u *Host) bool {
		_, _, w, _ := u.ls.server.GetRect()
		return u.ls.zoomed == u.ls.server && w == 120
	})
	h.WaitFor("× 1 marked for deletion", "Lunch?")
	h.TypeText("z")
	h.waitUntil("the layout is back", func(u *Host) bool {
		_, _, w, _ := u.ls.server.GetRect()
		return u.ls.zoomed == nil && w == stateWidth(120, false)
	})

	h.TypeText("m")
	h.waitUntil("presenter mode widens the transcript and hides the timestamps", func(u *Host) bool {
		_, _, w, _ := u.ls.server.GetRect()
		return u.ls.presenting && w == stateWidth(120, true) && !u.ls.tv.ShowTime()
	})
	h.WaitFor("presenting")
	h.TypeText("m")
	h.waitUntil("presenter mode is off", func(u *Host) bool { return !u.ls.presenting && u.ls.tv.ShowTime() })
}

func TestThePresentOptionStartsInPresenterMode(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3", Present: true}, 200, 60)
	h.started()
	h.waitUntil("presenting without timestamps", func(u *Host) bool { return u.ls.presenting && !u.ls.tv.ShowTime() })
}

// In presenter mode a wire line wider than the transcript pane is wrapped
// onto continuation rows, so the whole of it is on screen; without it the
// line is cut with "…".
func TestPresenterModeWrapsALongWireLine(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 200; i++ {
		fmt.Fprintf(&b, "<%02d-presented>", i)
	}
	long := "NOOP " + b.String()[:200]
	l := testLesson(false)
	l.Steps = append(l.Steps[:1], append([]lessons.Step{{Kind: lessons.Send, Actor: "laptop", Command: long, Title: en("A long line")}}, l.Steps[1:]...)...)
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{l}, Start: "test-pop3"}, 120, 40)
	h.started()
	for i := 1; i <= 2; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	// paneText is the transcript pane's text, its rows joined from the
	// given column of the pane on.
	paneText := func(from string) string {
		var out string
		h.On(func() {
			x, y, w, ht := h.u.ls.tv.GetInnerRect()
			lines := strings.Split(screentest.Text(h.Scr), "\n")
			col := -1
			for row := y; row < y+ht && row < len(lines); row++ {
				r := []rune(lines[row])
				line := string(r[min(x, len(r)):min(x+w, len(r))])
				if col < 0 {
					if i := strings.Index(line, from); i >= 0 {
						col = len([]rune(line[:i]))
					}
				}
				if col >= 0 {
					lr := []rune(line)
					out += strings.TrimRight(string(lr[min(col, len(lr)):]), " ")
				}
			}
		})
		return out
	}
	h.WaitFor("NOOP <00-presented>")
	if got := paneText("NOOP <00"); strings.Contains(got, long) || !strings.Contains(got, "…") {
		t.Errorf("without presenter mode the line is not cut with …: %q", got)
	}
	h.TypeText("m")
	h.waitUntil("presenting", func(u *Host) bool { return u.ls.presenting && u.ls.tv.Wrap() })
	deadline := time.Now().Add(screentest.ConditionWait)
	for !strings.Contains(paneText("NOOP <00"), long) {
		if time.Now().After(deadline) {
			t.Fatalf("presenter mode does not show the whole line %q; the pane holds %q\n%s", long, paneText("NOOP <00"), h.Text())
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.TypeText("m")
	h.waitUntil("not presenting", func(u *Host) bool { return !u.ls.presenting && !u.ls.tv.Wrap() })
}
