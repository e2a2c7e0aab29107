package tui

import (
	"context"
	"io/fs"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/lessonscreen"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/transcripts"
)

// Options configure the app. The zero value shows the lesson picker on the
// real terminal, in English, with no lessons.
type Options struct {
	Lessons  []*lessons.Lesson
	Glossary *lessons.Glossary // nil: lines are annotated by the lessons' own notes only
	Lang     string            // "en" | "vi"; "" = "en"
	Start    string            // lesson id to open directly (mailsim learn LESSON); "" = picker
	Screen   tcell.Screen      // nil = the real terminal; tests pass a SimulationScreen
	StateDir string            // progress file dir; "" = $XDG_STATE_HOME/mailsim or ~/.local/state/mailsim
	Files    func(*lessons.Lesson) fs.FS
	Present  bool   // presenter mode (lesson screen): no timestamps, a wider transcript, long lines wrapped
	Notice   string // a line for the picker, e.g. the files --lessons skipped
	DataDir  string // where w offers to save transcripts (under transcripts/); "" = $XDG_DATA_HOME/mailsim or ~/.local/share/mailsim
	// Replays are saved sessions the picker lists with the lessons, under
	// their lesson's group (the gallery of real clients: "Real clients");
	// picking one replays it, and Esc comes back to the picker.
	Replays []Replayable
}

// Replayable is a saved session the picker offers: its lesson as the
// picker shows it (id, group, title, summary, steps) and how to load it.
type Replayable struct {
	Lesson *lessons.Lesson
	Load   func() (*transcripts.Transcript, error)
}

// ui is the running app: the shell, the picker, and the lesson screens'
// host (tui/lessonscreen), which runs the simulator.
type ui struct {
	o Options
	*widgets.Shell
	ctx      context.Context
	cancel   context.CancelFunc
	progress *model.Progress

	picker *pickerScreen
	host   *lessonscreen.Host // the lesson and replay screens
}

// Run shows the app and blocks until the learner quits or ctx ends. The
// terminal is restored before it returns.
func Run(ctx context.Context, o Options) error {
	u, err := newUI(ctx, o)
	if err != nil {
		return err
	}
	return u.run()
}

func newUI(ctx context.Context, o Options) (*ui, error) {
	if o.Lang == "" {
		o.Lang = i18n.Fallback
	}
	dir := o.StateDir
	if dir == "" {
		dir = model.DefaultStateDir()
	}
	u := &ui{o: o, Shell: widgets.NewShell(o.Screen, o.Lang), progress: model.LoadProgress(dir)}
	u.ctx, u.cancel = context.WithCancel(ctx)
	u.App.SetInputCapture(u.Capture(u.keys))
	u.App.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		w, h := s.Size()
		u.SetSize(w, h)
		if u.host.Showing() {
			u.host.Arrange(w, h)
		} else {
			u.picker.fitSize(w, h)
		}
		return false
	})
	u.host = lessonscreen.NewHost(u.ctx, u.Shell, lessonscreen.Options{
		Lessons: o.Lessons, Glossary: o.Glossary, Files: o.Files, Progress: u.progress,
		Present: o.Present, DataDir: o.DataDir, Back: u.backToPicker, NextLang: u.nextLang,
	})

	u.picker = newPickerScreen(u)
	u.Pages.AddPage("picker", u.picker.root, true, true)
	u.App.SetFocus(u.picker.table)
	if o.Notice != "" {
		u.picker.setMessage(o.Notice)
	}
	if o.Start != "" {
		l, ok := lessons.Find(o.Lessons, o.Start)
		if !ok {
			u.picker.setMessage(i18n.Wordf(u.Lang, "No lesson %q: pick one below.", o.Start))
		} else {
			u.host.OpenLesson(l)
		}
	}
	return u, nil
}

func (u *ui) run() error {
	u.host.Start()
	return widgets.RunApp(u.ctx, u.App, u.Stop, func() {
		u.cancel()
		u.host.Wait(2 * time.Second) // let the driver close the servers
	})
}

// backToPicker closes the lesson and shows the picker.
func (u *ui) backToPicker() {
	u.host.CloseLesson()
	u.picker.refresh()
	u.Pages.SwitchToPage("picker")
	u.App.SetFocus(u.picker.table)
}

// setLang switches the language of the app's words and the lessons' texts.
func (u *ui) setLang(lang string) {
	u.host.SetLang(lang)
	u.picker.refresh()
}

// nextLang cycles through the languages the lessons are written in.
func (u *ui) nextLang() { u.setLang(u.Shell.NextLang()) }

// keys is the key table of the screen shown.
func (u *ui) keys() *keymap.Map {
	if u.host.Showing() {
		return u.host.Keys()
	}
	return u.picker.keys
}
