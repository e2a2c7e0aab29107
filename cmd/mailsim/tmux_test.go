package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
)

// tmuxSession runs the real binary in a detached tmux session, as a person
// at a 120×40 terminal would, and reads the screen with capture-pane.
type tmuxSession struct {
	t    *testing.T
	tmux string
	name string
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mailsim")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startTmux(t *testing.T, args ...string) *tmuxSession {
	t.Helper()
	tm := testutil.NeedTool(t, "tmux")
	bin := buildBinary(t)
	s := &tmuxSession{t: t, tmux: tm, name: fmt.Sprintf("mailsim-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	state := t.TempDir()
	cmd := append([]string{"env", "XDG_STATE_HOME=" + state, "TERM=xterm-256color", bin}, args...)
	s.run(append([]string{"new-session", "-d", "-x", "120", "-y", "40", "-s", s.name}, cmd...)...)
	t.Cleanup(func() { exec.Command(tm, "-L", "mailsim-tests", "kill-session", "-t", s.name).Run() })
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	cmd := exec.Command(s.tmux, append([]string{"-L", "mailsim-tests"}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(k ...string) {
	s.run(append([]string{"send-keys", "-t", s.name}, k...)...)
}

func (s *tmuxSession) screen() string { return s.run("capture-pane", "-p", "-t", s.name) }

// waitFor polls the screen until it contains want.
func (s *tmuxSession) waitFor(want string, timeout time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		scr := s.screen()
		if strings.Contains(scr, want) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("screen never showed %q; last screen:\n%s", want, scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// quizOpen matches the quiz modal's frame title or its hint line.
var quizOpen = regexp.MustCompile(`╔ Quiz|Answer with 1–\d`)

// walkToEnd presses → until the lesson says it is over, answering any
// quiz with its first choice.
func (s *tmuxSession) walkToEnd(maxSteps int) string {
	s.t.Helper()
	for i := 0; i < maxSteps; i++ {
		scr := s.screen()
		if strings.Contains(scr, "Lesson over") {
			return scr
		}
		if quizOpen.MatchString(scr) {
			s.keys("1")
			time.Sleep(150 * time.Millisecond)
			s.keys("Enter")
		} else {
			s.keys("Right")
		}
		time.Sleep(150 * time.Millisecond)
	}
	return s.waitFor("Lesson over", 5*time.Second)
}

func TestTheAppWalksALessonToTheEndInATerminal(t *testing.T) {
	lesson, want := "pop3-basics", "alice/INBOX: empty"
	if _, err := os.Stat(filepath.Join("..", "..", "lessons", "builtin", "pop-vs-imap.yaml")); err == nil {
		// The phone's IMAP inbox, checked after the laptop's POP3 QUIT.
		lesson, want = "pop-vs-imap", "device phone's local mailbox holds 0"
	}
	s := startTmux(t, "learn", lesson)
	s.waitFor("Story", 5*time.Second)
	scr := s.walkToEnd(200)
	if !strings.Contains(scr, "0 failed") {
		t.Fatalf("the lesson did not complete:\n%s", scr)
	}
	s.keys("Escape") // the end-of-lesson summary, back to the lesson screen
	scr = s.waitFor(want, 5*time.Second)
	if !strings.Contains(scr, want) {
		t.Errorf("the final screen does not show %q:\n%s", want, scr)
	}
	s.keys("q")
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if out, _ := exec.Command(s.tmux, "-L", "mailsim-tests", "has-session", "-t", s.name).CombinedOutput(); strings.Contains(string(out), "can't find") || strings.Contains(string(out), "no server") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("q did not quit the app")
}
