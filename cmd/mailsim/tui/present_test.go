package tui

import (
	"testing"

	"mailsim/lessons"
)

func TestZoomAPaneAndPresenterMode(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	for i := 1; i <= 6; i++ {
		h.typeText("n")
		h.idleAt(i)
	}
	h.typeText("\tz") // Tab to the server pane, zoom it
	h.waitUntil("the state has the whole width", func(u *ui) bool {
		_, _, w, _ := u.ls.server.GetRect()
		return u.ls.zoomed == u.ls.server && w == 120
	})
	h.waitFor("× 1 marked for deletion", "Lunch?")
	h.typeText("z")
	h.waitUntil("the layout is back", func(u *ui) bool {
		_, _, w, _ := u.ls.server.GetRect()
		return u.ls.zoomed == nil && w == stateWidth(120, false)
	})

	h.typeText("m")
	h.waitUntil("presenter mode widens the transcript and hides the timestamps", func(u *ui) bool {
		_, _, w, _ := u.ls.server.GetRect()
		return u.ls.presenting && w == stateWidth(120, true) && !u.ls.tv.ShowTime()
	})
	h.waitFor("presenting")
	h.typeText("m")
	h.waitUntil("presenter mode is off", func(u *ui) bool { return !u.ls.presenting && u.ls.tv.ShowTime() })
}

func TestThePresentOptionStartsInPresenterMode(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3", Present: true}, 200, 60)
	h.started()
	h.waitUntil("presenting without timestamps", func(u *ui) bool { return u.ls.presenting && !u.ls.tv.ShowTime() })
}
