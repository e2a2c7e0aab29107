package tui

import (
	"fmt"
	"path/filepath"
	"time"

	"mailsim/transcripts"
)

// saveHelp is the help overlay's sentence for w.
const saveHelp = "write transcript: save the session so far (steps and sandbox lines) to " +
	"LESSON-TIME.mailsim.yaml here; when you typed in the sandbox, passwords are redacted"

// sessionTranscript records what the Session holds, the very events the
// screen got, and the quiz answers. A session in which the learner typed in
// the sandbox is live, so Save redacts its passwords.
func (ls *lessonScreen) sessionTranscript() *transcripts.Transcript {
	s := ls.s
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: s.Lesson, Language: ls.u.lang, Live: len(ls.sb.hist) > 0})
	for _, e := range s.Events() {
		rec.Event(e)
	}
	for step := range s.Steps() {
		if a, ok := s.AnswerOf(step); ok {
			rec.Answer(step, a.Choice)
		}
	}
	return rec.Transcript()
}

// savePath is where w saves now: <lesson>-<time>.mailsim.yaml.
func (ls *lessonScreen) savePath(now time.Time) string {
	name := fmt.Sprintf("%s-%s.mailsim.yaml", ls.s.Lesson.ID, now.Format("20060102-150405"))
	if ls.saveDir == "" {
		return name
	}
	return filepath.Join(ls.saveDir, name)
}

// save writes the session so far to a transcript file, atomically, and
// says where in the story pane.
func (ls *lessonScreen) save() {
	if ls.rp != nil {
		return
	}
	path := ls.savePath(time.Now())
	if err := transcripts.Save(path, ls.sessionTranscript(), transcripts.SaveOptions{}); err != nil {
		ls.s.SetError(tr(ls.u.lang, "could not save") + ": " + err.Error())
		return
	}
	ls.s.SetError("")
	ls.setFlash(tr(ls.u.lang, "saved to") + " " + path)
}

// setFlash shows a message in the story pane until the learner moves.
func (ls *lessonScreen) setFlash(msg string) {
	ls.flash = msg
	ls.renderStory()
}
