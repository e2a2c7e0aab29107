package lessonscreen

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/wire"
)

func en(s string) i18n.Text { return i18n.Text{"en": s} }

// testLesson is screentest.TestLesson, its title and summary in
// Vietnamese too.
func testLesson(quiz bool) *lessons.Lesson {
	l := screentest.TestLesson(quiz)
	l.Title["vi"], l.Summary["vi"] = "POP3 bằng tay", "Tải về rồi xóa trên máy chủ"
	return l
}

// builtins are the lessons mailsim ships.
var builtins = screentest.Builtins

// appOptions are what a test's app is given: the root tui's Options as
// far as the lesson screens see them.
type appOptions struct {
	Lessons  []*lessons.Lesson
	Glossary *lessons.Glossary
	Files    func(*lessons.Lesson) fs.FS
	Lang     string
	Start    string // the lesson to open; "" = the first
	StateDir string
	DataDir  string
	Present  bool
}

// harness runs the lesson screens' host on a simulation screen, as the
// root tui's app does but with no picker: Esc closes the lesson.
type harness struct {
	*screentest.Harness
	u *Host
}

// newHost makes the host of a test app, not running yet.
func newHost(t testing.TB, o appOptions, scr tcell.Screen) (*Host, context.CancelFunc) {
	if o.Lang == "" {
		o.Lang = i18n.Fallback
	}
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	sh := widgets.NewShell(scr, o.Lang)
	ctx, cancel := context.WithCancel(context.Background())
	var u *Host
	u = NewHost(ctx, sh, Options{Lessons: o.Lessons, Glossary: o.Glossary, Files: o.Files, Progress: model.LoadProgress(o.StateDir),
		Present: o.Present, DataDir: o.DataDir,
		Back: func() { u.CloseLesson() }, NextLang: func() { u.SetLang(sh.NextLang()) }})
	sh.App.SetInputCapture(sh.Capture(func() *keymap.Map {
		if km := u.Keys(); km != nil {
			return km
		}
		return &keymap.Map{}
	}))
	sh.App.SetBeforeDrawFunc(func(s tcell.Screen) bool {
		w, h := s.Size()
		sh.SetSize(w, h)
		u.Arrange(w, h)
		return false
	})
	return u, cancel
}

// startHost runs a host made by newHost on scr, w×h.
func startHost(t testing.TB, u *Host, cancel context.CancelFunc, scr tcell.SimulationScreen, w, h int) *harness {
	t.Helper()
	run := func() error {
		u.Start()
		return widgets.RunApp(context.Background(), u.App, u.Stop, func() { cancel(); u.Wait(2 * time.Second) })
	}
	return &harness{Harness: screentest.Start(t, scr, u.App, u.Stop, w, h, run), u: u}
}

// startApp opens o.Start (or the first lesson) on a w×h simulation screen.
func startApp(t testing.TB, o appOptions, w, h int) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	u, cancel := newHost(t, o, scr)
	l := o.Lessons[0]
	if o.Start != "" {
		var ok bool
		if l, ok = lessons.Find(o.Lessons, o.Start); !ok {
			t.Fatalf("no lesson %q", o.Start)
		}
	}
	u.OpenLesson(l)
	return startHost(t, u, cancel, scr, w, h)
}

// waitUntil waits until cond, evaluated on the UI goroutine, holds.
func (h *harness) waitUntil(what string, cond func(u *Host) bool) {
	h.T.Helper()
	h.WaitUntil(what, func() bool { return cond(h.u) })
}

// idleAt waits until the open lesson shows pos steps and nothing runs.
func (h *harness) idleAt(pos int) { h.T.Helper(); h.IdleAt(pos, h.u.Session) }

// started waits until the lesson's servers run.
func (h *harness) started() { h.T.Helper(); h.idleAt(0) }

func unitC(text, cmd string) *wire.Unit {
	return &wire.Unit{Dir: wire.ClientToServer, Kind: wire.Line, Text: text, Command: cmd}
}
