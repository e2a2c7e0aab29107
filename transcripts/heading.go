package transcripts

import (
	"mailsim/internal/i18n"
	"mailsim/lessons"
)

// Heading is what is being shown, as printers and screens title it: the
// lesson's id, title and summary (or a live session's), how many steps it
// has, and the language it is shown in. A running lesson and a saved
// transcript both give one, so nothing has to make up a lesson from a file.
type Heading struct {
	ID       string // the lesson's id, or "live session"
	Title    i18n.Text
	Summary  i18n.Text
	Steps    int    // how many steps the lesson has; 0 for a live session
	Language string // the language to show it in; "" = the printer's choice
	// Recording: real clients' session (a gallery sample, an imported
	// capture, a classroom connection), not a lesson's run, so its end
	// is no lesson's result.
	Recording bool
}

// HeadingOf heads a lesson about to run.
func HeadingOf(l *lessons.Lesson) Heading {
	return Heading{ID: l.ID, Title: l.Title, Summary: l.Summary, Steps: len(l.Steps)}
}

// Heading heads the transcript: its lesson as the file tells it, in the
// language it was recorded in.
func (t *Transcript) Heading() Heading {
	if t.Lesson == nil {
		return Heading{ID: t.Name(), Title: i18n.Textf("a live session"), Language: t.Lang(), Recording: true}
	}
	return Heading{ID: t.Lesson.ID, Title: t.Lesson.Title, Summary: t.Lesson.Summary, Steps: t.Lesson.Steps, Language: t.Lang(),
		Recording: t.Lesson.Group == lessons.GroupRealClients}
}
