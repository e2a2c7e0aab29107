package lessonscreen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/transcripts"
)

// saveHelp is the help overlay's sentence for w.
const saveHelp = "write transcript: save the session so far (steps and sandbox lines); asks where, " +
	"offering the transcripts folder; what you typed in the sandbox has its passwords redacted"

// defaultDataDir is $XDG_DATA_HOME/mailsim, or ~/.local/share/mailsim.
func defaultDataDir() string { return model.XDGDir("XDG_DATA_HOME", ".local", "share") }

// transcriptDir is the folder w offers: DataDir/transcripts. Saved
// transcripts stay out of the current folder, which may be a folder of
// lessons.
func (u *Host) transcriptDir() string {
	dir := u.o.DataDir
	if dir == "" {
		dir = defaultDataDir()
	}
	return filepath.Join(dir, "transcripts")
}

// sessionTranscript records what the Session holds, the very events the
// screen got, and the quiz answers. The events the learner caused in the
// sandbox are marked as theirs; a session that has such events is live,
// and Save redacts the passwords in those events only.
func (ls *lessonScreen) sessionTranscript() *transcripts.Transcript {
	s := ls.s
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: ls.lesson, Language: ls.u.Lang, Live: s.HasStudentEvents()})
	for i, e := range s.Events() {
		if s.ByStudent(i) {
			rec.StudentEvent(e)
		} else {
			rec.Event(e)
		}
	}
	for step := range s.Steps() {
		if a, ok := s.AnswerOf(step); ok {
			rec.Answer(step, a.Choice)
		}
	}
	return rec.Transcript()
}

// savePath is the path w offers now: <lesson>-<time>.mailsim.yaml in the
// transcripts folder (or saveDir, when a test sets one).
func (ls *lessonScreen) savePath(now time.Time) string {
	name := fmt.Sprintf("%s-%s.mailsim.yaml", ls.s.Shown.ID, now.Format("20060102-150405"))
	dir := ls.saveDir
	if dir == "" {
		dir = ls.u.transcriptDir()
	}
	return filepath.Join(dir, name)
}

// save asks where to save the session so far, in the bottom line, with
// savePath filled in; Enter saves, Esc does not.
func (ls *lessonScreen) save() {
	if ls.rp != nil {
		return
	}
	if ls.saveField == nil {
		th := ls.u.Theme
		ls.saveField = tview.NewInputField()
		ls.saveField.SetLabelStyle(th.Accent).SetFieldStyle(th.Select)
		ls.saveField.SetDoneFunc(ls.saveDone)
		ls.bottom.AddPage("save", ls.saveField, true, false)
	}
	ls.saveField.SetLabel(tr(ls.u.Lang, "Save transcript to") + " (Enter · Esc): ")
	ls.ask("save", ls.saveField, ls.savePath(time.Now()))
}

func (ls *lessonScreen) saveDone(key tcell.Key) {
	if !ls.answered(key) {
		return
	}
	path, err := ls.saveTo(strings.TrimSpace(ls.saveField.GetText()))
	if err != nil {
		ls.s.SetError(tr(ls.u.Lang, "could not save") + ": " + err.Error())
		return
	}
	ls.s.SetError("")
	ls.setFlash(tr(ls.u.Lang, "saved to") + " " + path)
}

// saveTo writes the session so far to path, atomically, creating its
// folder; a path that is a folder gets the usual file name in it.
func (ls *lessonScreen) saveTo(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("%s", tr(ls.u.Lang, "no file named"))
	}
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, filepath.Base(ls.savePath(time.Now())))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return path, transcripts.Save(path, ls.sessionTranscript(), transcripts.SaveOptions{})
}

// setFlash shows a message until the learner moves.
func (ls *lessonScreen) setFlash(msg string) {
	ls.flash = msg
	ls.renderStory()
}
