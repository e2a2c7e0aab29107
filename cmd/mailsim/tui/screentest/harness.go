package screentest

import (
	"mailsim/cmd/mailsim/tui/model"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// Harness runs an app on a simulation screen for a test: keys go in,
// the screen comes out as text, and conditions are waited for.
type Harness struct {
	T       testing.TB
	Scr     tcell.SimulationScreen
	App     *tview.Application
	Stopped <-chan struct{} // closed when the app has stopped
	Done    chan error      // what run returned
}

// Start sizes scr w×h and runs run (the app's run loop, drawing on scr)
// on its own goroutine; the test's cleanup quits the app and waits.
func Start(t testing.TB, scr tcell.SimulationScreen, app *tview.Application, stopped <-chan struct{}, w, h int, run func() error) *Harness {
	t.Helper()
	scr.SetSize(w, h)
	hs := &Harness{T: t, Scr: scr, App: app, Stopped: stopped, Done: make(chan error, 1)}
	go func() { hs.Done <- run() }()
	t.Cleanup(hs.Quit)
	return hs
}

// Quit stops the app and waits for its run to return.
func (h *Harness) Quit() {
	select {
	case <-h.Stopped:
	default:
		h.App.QueueUpdate(h.App.Stop)
	}
	select {
	case err := <-h.Done:
		if err != nil {
			h.T.Errorf("Run: %v", err)
		}
		h.Done <- nil
	case <-time.After(5 * time.Second):
		h.T.Fatal("the app did not stop")
	}
}

// On runs f on the UI goroutine and waits for it.
func (h *Harness) On(f func()) { h.App.QueueUpdate(f) }

// Key injects a key.
func (h *Harness) Key(k tcell.Key) { h.Scr.InjectKey(k, 0, tcell.ModNone) }

// TypeText injects rune keys, one key per rune.
func (h *Harness) TypeText(s string) {
	for _, c := range s {
		h.Scr.InjectKey(tcell.KeyRune, c, tcell.ModNone)
	}
}

// Text is the screen now.
func (h *Harness) Text() string {
	var s string
	h.App.QueueUpdateDraw(func() {})
	h.On(func() { s = Text(h.Scr) })
	return s
}

// Cells is the screen as a grid of cells, each the runes drawn there (""
// for the second cell of a wide character).
func (h *Harness) Cells() [][]string {
	var grid [][]string
	h.App.QueueUpdateDraw(func() {})
	h.On(func() {
		cs, w, hgt := h.Scr.GetContents()
		for y := 0; y < hgt; y++ {
			row := make([]string, w)
			for x := 0; x < w; x++ {
				row[x] = string(cs[y*w+x].Runes)
			}
			grid = append(grid, row)
		}
	})
	return grid
}

// ConditionWait bounds WaitFor and WaitUntil: generous, because they test
// a condition, not a timing, and CI's two cores may be busy with other
// packages' tests. Going back from the sandbox in imap-big-mailbox
// quietly re-runs a 10,000-message POP3 download: under -race on a busy
// machine that alone took over 30 s.
const ConditionWait = 90 * time.Second

// WaitFor waits until the screen shows every one of subs.
func (h *Harness) WaitFor(subs ...string) string {
	h.T.Helper()
	deadline := time.Now().Add(ConditionWait)
	for {
		s := h.Text()
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(s, sub)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("the screen never showed %q:\n%s", subs, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitUntil waits until cond, evaluated on the UI goroutine, holds.
func (h *Harness) WaitUntil(what string, cond func() bool) {
	h.T.Helper()
	deadline := time.Now().Add(ConditionWait)
	for {
		var ok bool
		h.On(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("timed out waiting until %s:\n%s", what, h.Text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// IdleAt waits until the lesson's session (session() on the UI
// goroutine; nil while no lesson is open) shows pos steps, has the
// servers' state and runs nothing.
func (h *Harness) IdleAt(pos int, session func() *model.Session) {
	h.T.Helper()
	h.WaitUntil("the lesson is idle at its step "+strconv.Itoa(pos), func() bool {
		s := session()
		return s != nil && !s.Busy() && s.Pos() == pos && s.View().State != nil
	})
}
