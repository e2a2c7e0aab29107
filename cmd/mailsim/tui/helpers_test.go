package tui

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/mailstore"
	"mailsim/sim/wire"
)

func en(s string) i18n.Text { return i18n.Text{"en": s} }

// testLesson is a small POP3 lesson: three messages; connect, USER, PASS,
// STAT, RETR 1, DELE 1, QUIT, and a check that two remain. With quiz, two
// quizzes come before STAT and before QUIT.
func testLesson(quiz bool) *lessons.Lesson {
	two := 2
	steps := []lessons.Step{
		{Kind: lessons.Connect, Actor: "laptop", To: "pop3", Title: en("Connect"), Say: en("The laptop opens a TCP connection to port 110.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "USER alice", Title: en("Who are you?"), Note: en("USER names the mailbox.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "PASS secret", Title: en("Password"), Note: en("PASS sends the password in clear text.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "STAT", Title: en("How much mail?")},
		{Kind: lessons.Send, Actor: "laptop", Command: "RETR 1", Title: en("Download")},
		{Kind: lessons.Send, Actor: "laptop", Command: "DELE 1", Title: en("Delete"), Say: en("DELE only marks the message.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "QUIT", Title: en("Quit"), Say: en("At QUIT the server removes what was marked.")},
		{Kind: lessons.Check, Title: en("Check"), Check: &lessons.CheckSpec{Server: "alice/INBOX", Count: &two}},
	}
	if quiz {
		q1 := lessons.Step{Kind: lessons.Quiz, Title: en("Predict"), Quiz: &lessons.QuizSpec{
			Question: en("What will STAT answer?"),
			Choices:  []lessons.QuizChoice{{Text: en("+OK 3 and a size"), Correct: true}, {Text: en("-ERR")}},
			Explain:  en("STAT counts the messages and their octets."),
		}}
		q2 := lessons.Step{Kind: lessons.Quiz, Title: en("Predict again"), Quiz: &lessons.QuizSpec{
			Question: en("How many messages are left after QUIT?"),
			Choices:  []lessons.QuizChoice{{Text: en("3")}, {Text: en("2"), Correct: true}},
			Explain:  en("DELE marked one; QUIT removed it."),
		}}
		steps = append(steps[:3], append([]lessons.Step{q1}, steps[3:]...)...)
		steps = append(steps[:7], append([]lessons.Step{q2}, steps[7:]...)...)
	}
	return &lessons.Lesson{
		ID: "test-pop3", Group: "pop3",
		Title:   i18n.Text{"en": "POP3 by hand", "vi": "POP3 bằng tay"},
		Summary: i18n.Text{"en": "Download, then delete", "vi": "Tải về rồi xóa trên máy chủ"},
		Seed: lessons.Seed{Users: []lessons.SeedUser{{SeedUser: mailstore.SeedUser{Name: "alice", Password: "secret",
			Mailboxes: map[string][]mailstore.SeedMessage{"INBOX": {
				{From: "Bob <bob@example.org>", Subject: "Lunch?", Body: "Noon?"},
				{From: "Carol <carol@example.org>", Subject: "Report", Body: "Attached."},
				{From: "Dan <dan@example.org>", Subject: "Hi", Body: "Hello"},
			}}}}}},
		Actors: []lessons.Actor{{Name: "laptop", Protocol: "pop3", User: "alice", Client: en("Thunderbird")}},
		Steps:  steps,
	}
}

// harness runs the app on a simulation screen.
type harness struct {
	t    testing.TB
	scr  tcell.SimulationScreen
	u    *ui
	done chan error
}

func startApp(t testing.TB, o Options, w, h int) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	o.Screen = scr
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	if o.DataDir == "" {
		o.DataDir = t.TempDir()
	}
	u, err := newUI(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	scr.SetSize(w, h)
	hs := &harness{t: t, scr: scr, u: u, done: make(chan error, 1)}
	go func() { hs.done <- u.run() }()
	t.Cleanup(hs.quit)
	return hs
}

// quit stops the app and waits for Run to return.
func (h *harness) quit() {
	select {
	case <-h.u.stop:
	default:
		h.u.app.QueueUpdate(h.u.quit)
	}
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("Run: %v", err)
		}
		h.done <- nil
	case <-time.After(5 * time.Second):
		h.t.Fatal("the app did not stop")
	}
}

// on runs f on the UI goroutine and waits for it.
func (h *harness) on(f func()) { h.u.app.QueueUpdate(f) }

// key injects a key; rune keys are given as strings, one key per rune.
func (h *harness) key(k tcell.Key) { h.scr.InjectKey(k, 0, tcell.ModNone) }

func (h *harness) typeText(s string) {
	for _, c := range s {
		h.scr.InjectKey(tcell.KeyRune, c, tcell.ModNone)
	}
}

// text is the screen now.
func (h *harness) text() string {
	var s string
	h.u.app.QueueUpdateDraw(func() {})
	h.on(func() { s = screentest.Text(h.scr) })
	return s
}

// conditionWait bounds waitFor and waitUntil: generous, because they test
// a condition, not a timing, and CI's two cores may be busy with other
// packages' tests. Going back from the sandbox in imap-big-mailbox
// quietly re-runs a 10,000-message POP3 download: under -race on a busy
// machine that alone took over 30 s.
const conditionWait = 90 * time.Second

// waitFor waits until the screen shows every one of subs.
func (h *harness) waitFor(subs ...string) string {
	h.t.Helper()
	deadline := time.Now().Add(conditionWait)
	for {
		s := h.text()
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(s, sub)
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the screen never showed %q:\n%s", subs, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitUntil waits until cond, evaluated on the UI goroutine, holds.
func (h *harness) waitUntil(what string, cond func(u *ui) bool) {
	h.t.Helper()
	deadline := time.Now().Add(conditionWait)
	for {
		var ok bool
		h.on(func() { ok = cond(h.u) })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting until %s:\n%s", what, h.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// idleAt waits until the lesson shows pos steps and nothing runs.
func (h *harness) idleAt(pos int) {
	h.t.Helper()
	h.waitUntil("the lesson is idle at its step "+strconv.Itoa(pos), func(u *ui) bool {
		return u.ls != nil && !u.ls.s.Busy() && u.ls.s.Pos() == pos && u.ls.s.View().State != nil
	})
}

// started waits until the lesson's servers run.
func (h *harness) started() { h.t.Helper(); h.idleAt(0) }

func unitC(text, cmd string) *wire.Unit {
	return &wire.Unit{Dir: wire.ClientToServer, Kind: wire.Line, Text: text, Command: cmd}
}
