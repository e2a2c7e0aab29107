package lessonscreen

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/lessons"
)

// Options configure a Host.
type Options struct {
	Lessons  []*lessons.Lesson // for the summary's next lesson
	Glossary *lessons.Glossary // nil: lines are annotated by the lessons' own notes only
	Files    func(*lessons.Lesson) fs.FS
	Progress *model.Progress // the learner's progress, marked when a lesson ends
	Present  bool            // presenter mode: no timestamps, a wider transcript, long lines wrapped
	DataDir  string          // where w offers to save transcripts (under transcripts/); "" = $XDG_DATA_HOME/mailsim or ~/.local/share/mailsim
	Back     func()          // Esc: back to the lessons
	NextLang func()          // L: the next language
}

// Host is the app as the lesson screens see it: the shell they show
// themselves in, the driver that runs the open lesson's simulator, the
// run counter, and the open screen (at most one).
type Host struct {
	*widgets.Shell
	o        Options
	progress *model.Progress

	ls *lessonScreen // the open lesson, nil for none

	out     *model.Outbox
	drv     *model.Driver
	drvDone chan struct{}
	gen     int // the current lesson run
}

// NewHost makes the lesson screens' host in sh; its driver runs lessons
// until ctx ends.
func NewHost(ctx context.Context, sh *widgets.Shell, o Options) *Host {
	u := &Host{Shell: sh, o: o, progress: o.Progress, drvDone: make(chan struct{})}
	u.out = model.NewOutbox()
	u.drv = model.NewDriver(ctx, u.out, o.Glossary, o.Files)
	return u
}

// Start runs the driver and the delivery of its batches, until the app
// stops.
func (u *Host) Start() {
	go u.drv.Loop(u.drvDone)
	go u.out.Run(u.Stop, u.deliver)
}

// Wait lets the driver close the servers, for at most d, once ctx ended.
func (u *Host) Wait(d time.Duration) {
	select {
	case <-u.drvDone:
	case <-time.After(d):
	}
}

// Showing reports whether a lesson screen is open.
func (u *Host) Showing() bool { return u.ls != nil }

// Session is the open screen's session, nil when none is open.
func (u *Host) Session() *model.Session {
	if u.ls == nil {
		return nil
	}
	return u.ls.s
}

// Keys is the open screen's key table, nil when none is open.
func (u *Host) Keys() *keymap.Map {
	if u.ls == nil {
		return nil
	}
	return u.ls.keys
}

// Arrange lays the open screen out for a w×h screen, before a draw.
func (u *Host) Arrange(w, h int) {
	if u.ls != nil {
		u.ls.arrange(w, h)
	}
}

// SetLang switches the language of the open screen.
func (u *Host) SetLang(lang string) {
	u.Lang = lang
	if u.ls != nil {
		u.ls.relabel()
	}
}

// deliver brings a batch of the driver's items to the UI goroutine.
func (u *Host) deliver(items []model.Item) { u.Post(func() { u.apply(items) }) }

// apply hands events to the open lesson's session in order, and the ends of
// operations to the lesson screen.
func (u *Host) apply(items []model.Item) {
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

// OpenLesson starts a lesson and shows its screen.
func (u *Host) OpenLesson(l *lessons.Lesson) {
	u.CloseLesson()
	u.gen++
	u.ls = newLessonScreen(u, l, model.ShownOfLesson(l), u.gen)
	u.Pages.AddAndSwitchToPage("lesson", u.ls.root, true)
	u.App.SetFocus(u.ls.tv)
	if !u.drv.Start(l, u.gen) {
		u.ls.s.SetStartErr(fmt.Errorf("the simulator is busy; press r to try again"))
	}
}

// CloseLesson stops the open lesson's servers and forgets its screen.
func (u *Host) CloseLesson() {
	if u.ls == nil {
		return
	}
	u.ls.close()
	u.drv.Stop()
	u.Pages.RemovePage("lesson")
	u.ls = nil
}
