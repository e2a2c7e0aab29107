package sim

import (
	"context"
	"errors"
	"strings"
	"testing"

	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// parseLesson builds a lesson from YAML for a test.
func parseLesson(t *testing.T, src string) *lessons.Lesson {
	t.Helper()
	l, err := lessons.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("lesson does not parse:\n%v", err)
	}
	return l
}

const twoMessages = `mailsim-lesson: 1
id: runner-test
group: pop3
title: Runner test
summary: Two messages and a POP3 laptop.
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - {from: bob@example.org, subject: One, body: "first\n"}
          - {from: bob@example.org, subject: Two, body: "second\n"}
actors:
  - name: laptop
    protocol: pop3
    client: a laptop
    user: alice
steps:
  - connect: laptop
    expect: +OK
  - send: USER alice
    expect: +OK
  - send: PASS wonderland
    expect: +OK
    note: the password
  - send: RETR 1
    expect: +OK
  - send: DELE 1
    expect: +OK
  - check: {server: alice, count: 2}
  - disconnect: laptop
  - check: {server: alice, count: 1}
`

// record runs a lesson and keeps its events.
func record(t *testing.T, l *lessons.Lesson) (*Runner, *[]events.Event) {
	t.Helper()
	var evs []events.Event
	r, err := Start(l, Options{Emit: func(e events.Event) { evs = append(evs, e) }, Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, &evs
}

// runAll runs a lesson given as YAML to its end and returns its events.
func runAll(t *testing.T, src string) *[]events.Event {
	t.Helper()
	r, evs := record(t, parseLesson(t, src))
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestAStepAnnotatesItsLineAndItsReply(t *testing.T) {
	r, evs := record(t, parseLesson(t, twoMessages))
	for i := 0; i < 3; i++ {
		if err := r.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	var sawNote bool
	for _, e := range *evs {
		if e.Kind == events.EventWire && e.Unit.Text == "PASS wonderland" {
			sawNote = e.Note.In("en") == "the password" && e.Actor == "laptop" && e.Step == 2 && e.Host == "pop.example.com:110"
		}
	}
	if !sawNote {
		t.Errorf("PASS was not annotated with the step's note, actor, step and host: %+v", *evs)
	}
}

func TestDeleMarksUntilQuitAndTheDiffSaysSo(t *testing.T) {
	evs := runAll(t, twoMessages)
	var kinds []string
	for _, e := range *evs {
		if e.Kind == events.EventState {
			for _, c := range e.Delta {
				kinds = append(kinds, c.Kind.String()+" "+c.Where+" "+c.Subject)
			}
		}
	}
	got := strings.Join(kinds, "\n")
	for _, want := range []string{
		"flags changed example.com alice/INBOX One",
		"new device laptop One",
		"marked for deletion example.com alice/INBOX One",
		"deleted example.com alice/INBOX One",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("changes lack %q:\n%s", want, got)
		}
	}
	end := (*evs)[len(*evs)-1]
	if end.Kind != events.EventEnd || !end.OK {
		t.Errorf("last event = %v ok=%v, want a passed end", end.Kind, end.OK)
	}
}

func TestAFailedCheckStopsTheRunWithFileAndLine(t *testing.T) {
	src := strings.Replace(twoMessages, "check: {server: alice, count: 2}", "check: {server: alice, count: 5}", 1)
	r, evs := record(t, parseLesson(t, src))
	err := r.RunAll(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "test.yaml:31: ") || !strings.Contains(err.Error(), "holds 2 messages, expected 5") {
		t.Fatalf("err = %v", err)
	}
	var se *StepError
	var cause *textError
	if !errors.As(err, &se) || se.Line != 31 || !errors.As(err, &cause) || cause.Error() != se.Err.Error() {
		t.Errorf("err = %#v: want a StepError at line 31 that unwraps to the check's own error", err)
	}
	if r.Failures() != 1 {
		t.Errorf("failures = %d", r.Failures())
	}
	var failed bool
	for _, e := range *evs {
		failed = failed || (e.Kind == events.EventCheck && !e.OK)
	}
	if !failed {
		t.Error("no failed check event")
	}
}

func TestTheSandboxSendsItsOwnLines(t *testing.T) {
	r, evs := record(t, parseLesson(t, twoMessages))
	ctx := context.Background()
	if err := r.Connect(ctx, "laptop", ""); err != nil {
		t.Fatal(err)
	}
	host, addr, ok := r.Connected("laptop")
	if !ok || host != "pop.example.com:110" || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("Connected = %q %q %v", host, addr, ok)
	}
	for _, line := range []string{"USER alice", "PASS wonderland", "STAT"} {
		if err := r.SendLine("laptop", line); err != nil {
			t.Fatal(err)
		}
	}
	last := ""
	for _, e := range *evs {
		if e.Kind == events.EventWire && e.Unit.Dir == wire.ServerToClient {
			last = e.Unit.Text
		}
	}
	if !strings.HasPrefix(last, "+OK 2 ") {
		t.Errorf("STAT reply = %q", last)
	}
	if err := r.SendLine("nobody", "STAT"); err == nil {
		t.Error("an unknown actor was accepted")
	}
}

func TestDropDeletesNothing(t *testing.T) {
	src := strings.Replace(twoMessages, "  - disconnect: laptop\n  - check: {server: alice, count: 1}\n", "  - drop: laptop\n  - check: {server: alice, count: 2}\n  - connect: laptop\n  - send: USER alice\n  - send: PASS wonderland\n    expect: +OK\n", 1)
	r, _ := record(t, parseLesson(t, src))
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMailForAnotherProviderIsRelayedAsItsOwnConnection(t *testing.T) {
	l := parseLesson(t, `mailsim-lesson: 1
id: relay-test
group: smtp
title: Relay
summary: alice writes to bob at the other provider.
seed:
  users:
    - {name: alice, password: wonderland}
    - {name: bob, password: builder, domain: example.org}
actors:
  - {name: laptop, protocol: smtp, client: a laptop, user: alice}
steps:
  - connect: laptop
  - send: EHLO laptop
  - send: AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=
    expect: "235"
  - send: MAIL FROM:<alice@example.com>
  - send: RCPT TO:<bob@example.org>
    expect: "250"
  - send: DATA
    expect: "354"
  - data: "Subject: hi\n\nhello\n"
    expect: "250"
  - check: {server: bob@example.org, count: 1}
`)
	r, evs := record(t, l)
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var relay []string
	for _, e := range *evs {
		if e.Actor == "MTA smtp.example.com" && e.Kind == events.EventWire && e.Unit.Dir == wire.ClientToServer && e.Unit.Kind == wire.Line {
			relay = append(relay, e.Unit.Text)
		}
	}
	got := strings.Join(relay, " | ")
	if !strings.Contains(got, "EHLO smtp.example.com") || !strings.Contains(got, "RCPT TO:<bob@example.org>") {
		t.Errorf("relay hop lines = %s", got)
	}
}
