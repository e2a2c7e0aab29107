package tui

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
	"mailsim/transcripts"
	"mailsim/transcripts/gallery"
)

// galleryReplays are the shipped gallery samples as the app gets them.
func galleryReplays() []Replayable {
	var out []Replayable
	for _, l := range gallery.Lessons() {
		out = append(out, Replayable{Lesson: l, Load: func() (*transcripts.Transcript, error) { return gallery.Load(l.ID) }})
	}
	return out
}

// The picker lists the gallery under "Real clients", after the lessons;
// Enter replays a sample (its intro, then its lines, step by step) and
// its end says the recording ends (no lesson result); Esc comes back to
// the picker, in English and in Vietnamese.
func TestThePickerReplaysARealClientsSessionAndComesBack(t *testing.T) {
	for _, lang := range []string{"en", "vi"} {
		t.Run(lang, func(t *testing.T) {
			h := startApp(t, Options{Lessons: builtins(t), Replays: galleryReplays(), Lang: lang}, 120, 40)
			s, _ := gallery.Find("fetchmail-delete")
			h.WaitFor(tr(lang, lessons.GroupTitle(gallery.Group)))
			h.On(func() { h.u.picker.selectLesson(gallery.Prefix + s.Name) })
			h.WaitFor("mailsim replay gallery:fetchmail-delete")
			h.Key(tcell.KeyEnter)
			h.waitUntil("the sample is open", func(u *ui) bool { return u.host.Showing() })
			h.Key(tcell.KeyRight)
			h.WaitFor("DELE 1")
			// Its end is a recording's, not a lesson's: nothing was checked.
			h.TypeText("G")
			if scr := h.WaitFor(tr(lang, "End of the recording.")); strings.Contains(scr, tr(lang, "Lesson complete.")) || strings.Contains(scr, tr(lang, "Lesson over")) {
				t.Errorf("a recording's end is shown as a lesson's:\n%s", scr)
			}
			h.Key(tcell.KeyEscape)
			h.waitUntil("the picker is back", func(u *ui) bool { return !u.host.Showing() })
			h.WaitFor(s.Title.In(lang))
		})
	}
}
