package lessonscreen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/lessons"
)

func TestTheHelpListsEveryKeyThatWorksAndNoKeyThatDoesNot(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.On(func() {
		ls := h.u.ls
		for _, b := range ls.keys.Bindings {
			if b.Action == nil {
				t.Errorf("%s (%s) is listed and does nothing", b.ID, b.Label())
			}
			if b.ID == "" {
				t.Errorf("%q has no ID", b.Label())
			}
		}
		if b, _ := ls.keys.Find("next"); b.Label() != "→ n space" {
			t.Errorf("the next step's keys are written %q", b.Label())
		}
		pane := widgets.PaneKeys(ls.keys)
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
	h.On(func() {
		help := strings.Join(widgets.HelpLines(h.u.Theme, "en", 100, h.u.ls.helpMaps()...), "\n")
		for _, want := range []string{"scroll text right", "scroll the story up", "Story, meaning, server and devices panes", "zoom the focused pane"} {
			if !strings.Contains(help, want) {
				t.Errorf("the help does not say %q:\n%s", want, help)
			}
		}
	})
	h.TypeText("?")
	h.WaitFor("Help · Esc", "next step (runs it when it is new)")
	h.Key(tcell.KeyEscape)
}

// keysByID is a key table as behaviour sees it: which keys each ID has.
func keysByID(m *keymap.Map) map[string]string {
	out := map[string]string{}
	for _, b := range m.Bindings {
		out[b.ID] = fmt.Sprint(b.Keys)
	}
	return out
}

func TestRewordingTheLessonKeysChangesNoReplayKey(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.On(func() {
		ls := h.u.ls
		want := keysByID(ls.replayKeys(ls.keyMap()))
		reworded := ls.keyMap()
		for i := range reworded.Bindings {
			b := &reworded.Bindings[i]
			b.Short, b.Desc = "x "+b.Desc, "reworded: "+b.Short
		}
		got := keysByID(ls.replayKeys(reworded))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("rewording the lesson's keys changed the replay's:\n got %v\nwant %v", got, want)
		}
		for _, id := range []string{"sandbox", "restart", "save", "summary"} {
			if _, ok := got[id]; ok {
				t.Errorf("the replay keeps %q", id)
			}
		}
		if got["next"] != fmt.Sprint([]keymap.Key{k(tcell.KeyRight), r(' ')}) {
			t.Errorf("the replay's next step is on %s, want → and space", got["next"])
		}
	})
}
