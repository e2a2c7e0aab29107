package tui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
)

func TestTheHelpListsEveryKeyThatWorksAndNoKeyThatDoesNot(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.on(func() {
		ls := h.u.ls
		for _, b := range ls.keys.Bindings {
			if b.Action == nil {
				t.Errorf("%s (%s) is listed and does nothing", b.ID, b.label())
			}
			if b.ID == "" {
				t.Errorf("%q has no ID", b.label())
			}
		}
		if b, _ := ls.keys.Find("next"); b.label() != "→ n space" {
			t.Errorf("the next step's keys are written %q", b.label())
		}
		pane := paneKeys(ls.keys)
		right := false
		for _, b := range pane.Bindings {
			for _, x := range b.Keys {
				if ls.keys.Takes(x) {
					t.Errorf("%s is listed for the transcript pane, but the lesson screen takes it first", x)
				}
				right = right || x == r('l')
			}
		}
		if !right {
			t.Error("l (scroll right) works in the transcript pane and is not listed")
		}
		if rp := ls.replayKeyMap(); rp.Takes(r('s')) || rp.Takes(r('w')) || !rp.Takes(r('/')) {
			t.Error("the replay's keys should drop s and w and add /")
		}
	})
	h.on(func() {
		help := strings.Join(helpLines(h.u.th, "en", 100, h.u.ls.helpMaps()...), "\n")
		for _, want := range []string{"scroll text right", "scroll the story up", "Story, meaning, server and devices panes", "zoom the focused pane"} {
			if !strings.Contains(help, want) {
				t.Errorf("the help does not say %q:\n%s", want, help)
			}
		}
	})
	h.typeText("?")
	h.waitFor("Help · Esc", "next step (runs it when it is new)")
	h.key(tcell.KeyEscape)
}
