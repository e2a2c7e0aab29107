package main

import (
	"mailsim/sim/roles"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// With a terminal (here a simulation screen) and no --no-tui, serve runs
// the live view instead of the connection log; q ends it, and serve then
// shuts the servers down politely.
func TestServeRunsTheLiveViewAndQuitsPolitelyOnQ(t *testing.T) {
	scr := &initScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8"), inited: make(chan struct{})}
	s := startServe(t, func(o *serveOptions) {
		o.NoTUI = false
		o.screen = scr
	})
	p := dialText(t, s.addr(roles.POP3))
	p.expect(t, "+OK")
	p.cmd(t, "USER student01", "+OK")
	p.cmd(t, "PASS "+s.account(1).Password, "+OK")
	p.cmd(t, "DELE 1", "+OK")
	waitFor(t, func() bool { return connWhere(s, "student01", "TRANSACTION") != nil })

	select { // the live view took the screen
	case <-scr.inited:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not open the live view")
	}
	scr.InjectKey(tcell.KeyRune, 'q', tcell.ModNone)
	if r, _ := p.reply(); !strings.HasPrefix(r, "-ERR [SYS/TEMP]") {
		t.Errorf("POP3 got %q at shutdown", r)
	}
	select {
	case err := <-s.result:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		s.result <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("q did not end serve")
	}
	out := s.out.String()
	if !strings.Contains(out, "Shutting down: telling 1 open sessions") {
		t.Errorf("no polite shutdown:\n%s", out)
	}
	if strings.Contains(out, "Serving. Ctrl-C stops.") || strings.Contains(out, "One line per finished connection") {
		t.Errorf("the headless log ran beside the live view:\n%s", out)
	}
	if n := s.count("student01"); n != 3 {
		t.Errorf("the shutdown deleted what POP3 only marked: %d messages", n)
	}
}

// initScreen tells when the live view has taken the screen.
type initScreen struct {
	tcell.SimulationScreen
	inited chan struct{}
}

func (s *initScreen) Init() error {
	err := s.SimulationScreen.Init()
	close(s.inited)
	return err
}
