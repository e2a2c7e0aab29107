package tui

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
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

// ui is the running app: the screens, the driver that runs the simulator,
// and the wiring between them.
type ui struct {
	o        Options
	ctx      context.Context
	cancel   context.CancelFunc
	app      *tview.Application
	pages    *tview.Pages
	th       *widgets.Theme
	lang     string
	progress *model.Progress

	picker *pickerScreen
	ls     *lessonScreen // the open lesson, nil on the picker

	out     *model.Outbox
	drv     *model.Driver
	drvDone chan struct{}
	stop    chan struct{} // closed when the app stops
	gen     int           // the current lesson run

	ov   widgets.Overlays // help, quiz, summary, questions
	w, h int              // the screen size at the last draw
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
	widgets.ApplyGlobalStyles()
	dir := o.StateDir
	if dir == "" {
		dir = model.DefaultStateDir()
	}
	u := &ui{o: o, th: widgets.NewTheme(), lang: o.Lang, progress: model.LoadProgress(dir),
		app: tview.NewApplication(), pages: tview.NewPages(), stop: make(chan struct{}), drvDone: make(chan struct{})}
	u.ctx, u.cancel = context.WithCancel(ctx)
	u.ov = widgets.Overlays{App: u.app, Pages: u.pages}
	if o.Screen != nil {
		u.app.SetScreen(o.Screen)
	}
	u.app.EnableMouse(true)
	u.app.SetRoot(u.pages, true)
	u.app.SetInputCapture(u.capture)
	u.app.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		u.w, u.h = s.Size()
		if u.ls != nil {
			u.ls.arrange(u.w, u.h)
		} else {
			u.picker.fitWidth(u.w)
		}
		return false
	})
	u.out = model.NewOutbox()
	u.drv = model.NewDriver(u.ctx, u.out, o.Glossary, o.Files)

	u.picker = newPickerScreen(u)
	u.pages.AddPage("picker", u.picker.root, true, true)
	u.app.SetFocus(u.picker.table)
	if o.Notice != "" {
		u.picker.setMessage(o.Notice)
	}
	if o.Start != "" {
		l, ok := lessons.Find(o.Lessons, o.Start)
		if !ok {
			u.picker.setMessage(i18n.Wordf(u.lang, "No lesson %q: pick one below.", o.Start))
		} else {
			u.openLesson(l)
		}
	}
	return u, nil
}

func (u *ui) run() error {
	go u.drv.Loop(u.drvDone)
	go u.out.Run(u.stop, u.deliver)
	return widgets.RunApp(u.ctx, u.app, u.stop, func() {
		u.cancel()
		select { // let the driver close the servers
		case <-u.drvDone:
		case <-time.After(2 * time.Second):
		}
	})
}

// post runs f on the UI goroutine and redraws (poster.post).
func (u *ui) post(f func()) { widgets.Poster{App: u.app, Stop: u.stop}.Post(f) }

// deliver brings a batch of the driver's items to the UI goroutine.
func (u *ui) deliver(items []model.Item) { u.post(func() { u.apply(items) }) }

// apply hands events to the open lesson's session in order, and the ends of
// operations to the lesson screen.
func (u *ui) apply(items []model.Item) {
	ls := u.ls
	if ls == nil {
		return
	}
	var evs = ls.scratch[:0]
	flush := func() {
		if len(evs) > 0 {
			ls.s.Append(evs)
			evs = evs[:0]
		}
	}
	for _, it := range items {
		if it.Gen != ls.gen {
			continue
		}
		if it.Ev != nil {
			evs = append(evs, *it.Ev)
			continue
		}
		flush()
		ls.finished(it.Done)
	}
	flush()
	ls.scratch = evs
}

// openLesson starts a lesson and shows its screen.
func (u *ui) openLesson(l *lessons.Lesson) {
	u.closeLesson()
	u.gen++
	u.ls = newLessonScreen(u, l, u.gen)
	u.pages.AddAndSwitchToPage("lesson", u.ls.root, true)
	u.app.SetFocus(u.ls.tv)
	if !u.drv.Start(l, u.gen) {
		u.ls.s.SetStartErr(fmt.Errorf("the simulator is busy; press r to try again"))
	}
}

// closeLesson stops the open lesson's servers and forgets its screen.
func (u *ui) closeLesson() {
	if u.ls == nil {
		return
	}
	u.ls.close()
	u.drv.Stop()
	u.pages.RemovePage("lesson")
	u.ls = nil
}

// backToPicker closes the lesson and shows the picker.
func (u *ui) backToPicker() {
	u.closeLesson()
	u.picker.refresh()
	u.pages.SwitchToPage("picker")
	u.app.SetFocus(u.picker.table)
}

// size is the screen size at the last draw (80×24 before the first).
func (u *ui) size() (int, int) {
	if u.w == 0 {
		return 80, 24
	}
	return u.w, u.h
}

func (u *ui) width() int { w, _ := u.size(); return w }

// quit ends the app.
func (u *ui) quit() { u.app.Stop() }

// setLang switches the language of the app's words and the lessons' texts.
func (u *ui) setLang(lang string) {
	u.lang = lang
	u.picker.refresh()
	if u.ls != nil {
		u.ls.relabel()
	}
}

// nextLang cycles through the languages the lessons are written in.
func (u *ui) nextLang() {
	langs := i18n.WordLanguages
	for i, l := range langs {
		if l == u.lang {
			u.setLang(langs[(i+1)%len(langs)])
			return
		}
	}
	u.setLang("en")
}

// capture is the app's key handler: overlays and input fields get their
// keys; otherwise the screen's key table decides.
func (u *ui) capture(ev *tcell.EventKey) *tcell.EventKey {
	if ev.Key() == tcell.KeyCtrlC {
		u.quit()
		return nil
	}
	if u.ov.IsOpen() {
		return ev // the overlay's own handlers
	}
	if _, typing := u.app.GetFocus().(*tview.InputField); typing {
		return ev
	}
	var km *keymap.Map
	if u.ls != nil {
		km = u.ls.keys
	} else {
		km = u.picker.keys
	}
	if km.Handle(ev) {
		return nil
	}
	return ev
}

// showOverlay puts p centred over the screen, w×h cells at most.
func (u *ui) showOverlay(name string, p tview.Primitive, w, h int) { u.ov.Show(name, p, w, h) }

// hideOverlay closes the open overlay and gives focus back to focus.
func (u *ui) hideOverlay(focus tview.Primitive) { u.ov.Hide(focus) }

// showHelp shows the key tables of the current screen, one section per
// table, the descriptions wrapped beside the keys; it scrolls (↑ ↓ PgUp
// PgDn) when taller than the screen.
func (u *ui) showHelp(maps ...*keymap.Map) {
	back := u.app.GetFocus()
	w, h := u.size()
	bw := max(20, min(90, w-2))
	p := widgets.NewLinesPane(u.th)
	p.MoreTxt = tr(u.lang, "more ↓")
	p.SetLines(widgets.HelpLines(u.th, u.lang, bw-2, maps...))
	u.th.Frame(p.Box, tr(u.lang, "Help")+" · Esc")
	u.ov.CloseOn(p.Box, "?q", back)
	u.showOverlay("help", p, bw, min(len(p.Lines)+2, h-2))
}
