package lessonscreen

import (
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
)

func TestTheEndOfALessonSumsItUpAndOffersTheNext(t *testing.T) {
	all, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	l, ok := lessons.Find(all, "pop3-basics")
	if !ok {
		t.Fatal("no pop3-basics")
	}
	for _, lang := range []string{"en", "vi"} {
		t.Run(lang, func(t *testing.T) {
			h := startApp(t, appOptions{Lessons: all, Start: l.ID, Lang: lang, Files: builtinFiles}, 100, 34)
			h.started()
			h.On(func() {
				answerEveryQuiz(h.u.ls.s)
				h.u.ls.goToStep(len(l.Steps))
			})
			h.waitUntil("the summary is open", func(u *Host) bool { return u.Ov.Is("summary") })
			claims := lessonClaims(l, lang)
			if len(claims) == 0 {
				t.Fatal("pop3-basics covers no claims")
			}
			imap, _ := lessons.Find(all, "imap-basics")
			first := []rune(claims[0])
			h.WaitFor(tr(lang, "End of the lesson"), tr(lang, "What this lesson showed"), string(first[:12]),
				tr(lang, "Next"), imap.Title.In(lang), tr(lang, "Lesson over"))
			h.Key(tcell.KeyEnter)
			h.waitUntil("the next lesson opened", func(u *Host) bool { return u.ls != nil && u.ls.s.Shown.ID == "imap-basics" })
		})
	}
}
