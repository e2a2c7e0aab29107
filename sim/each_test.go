package sim

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// aMailboxOf30 is a generated mailbox of 30 messages, downloaded whole by
// one repeated RETR; the stats check counts what crossed.
const aMailboxOf30 = `mailsim-lesson: 1
id: each-test
group: pop3
title: Each test
summary: Thirty messages and a POP3 laptop that downloads them all.
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - from: bob@example.org
            subject: News
            date: "2016-12-03T08:00:00+07:00"
            body: "one line\ntwo lines\nthree lines\n"
            repeat: 30
            vary: {subjects: [News, "Lunch?"], lines: [1, 9], every: 24h}
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
  - send: RETR {n}
    each: 1-LAST
    expect: +OK
    note: the first RETR
  - check: {stats: [laptop]}
`

func TestARepeatedSendCountsEveryExchangeAndShowsTheFirstAndTheLast(t *testing.T) {
	evs := runAll(t, strings.Replace(aMailboxOf30, "LAST", "30", 1))
	var retrs []string
	var fold, stats string
	in := 0 // octets the server sent, from the wire events shown
	var end *events.State
	for _, e := range *evs {
		switch {
		case e.Kind == events.EventWire && e.Unit.Dir == wire.ClientToServer && strings.HasPrefix(e.Unit.Text, "RETR"):
			retrs = append(retrs, e.Unit.Text)
			if e.Unit.Text == "RETR 1" && e.Note.In("en") != "the first RETR" {
				t.Errorf("RETR 1 carries note %q", e.Note.In("en"))
			}
			if e.Unit.Text == "RETR 30" && e.Note != nil {
				t.Errorf("the last RETR carries the step's note too: %q", e.Note.In("en"))
			}
		case e.Kind == events.EventWire && e.Unit.Dir == wire.ServerToClient:
			in += e.Unit.Len
		case e.Kind == events.EventCheck && strings.Contains(e.Text.In("en"), "more exchanges"):
			fold = e.Text.In("en")
		case e.Kind == events.EventCheck && strings.Contains(e.Text.In("en"), "what each one has sent"):
			stats = e.Text.In("en")
		case e.Kind == events.EventState:
			end = e.State
		}
	}
	if strings.Join(retrs, ",") != "RETR 1,RETR 30" {
		t.Errorf("RETR lines shown: %v, want the first and the last", retrs)
	}
	if !strings.HasPrefix(fold, "RETR 2 … RETR 29: 28 more exchanges like the one above") || !strings.Contains(fold, "every reply began +OK; 28 commands sent") {
		t.Errorf("the fold line says %q", fold)
	}
	d, _ := end.Device("laptop")
	if len(d.Local) != 30 {
		t.Fatalf("the laptop holds %d messages, want 30", len(d.Local))
	}
	// What the fold counted, plus what was shown, is what the device moved.
	var foldIn int
	if i := strings.LastIndex(fold, "lines back ("); i >= 0 {
		f := strings.Fields(fold[i+len("lines back ("):])
		foldIn, _ = strconv.Atoi(f[0])
	}
	if foldIn == 0 || in+foldIn != d.Received {
		t.Errorf("shown %d B + folded %d B, but the device received %d B", in, foldIn, d.Received)
	}
	if !strings.Contains(stats, " "+strconv.Itoa(d.Received)+" B received") || !strings.Contains(stats, "at 10 Mbit/s") {
		t.Errorf("the stats check does not give the device's %d B and a modelled time:\n%s", d.Received, stats)
	}
	subjects := map[string]bool{}
	for _, m := range d.Local {
		subjects[strings.Fields(m.Subject)[0]] = true
	}
	if len(subjects) != 2 {
		t.Errorf("the generated subjects do not vary: %v", subjects)
	}
}

func TestARepeatedSendStopsAtTheFirstReplyThatFailsAndNamesIt(t *testing.T) {
	r, _ := record(t, parseLesson(t, strings.Replace(aMailboxOf30, "LAST", "40", 1)))
	err := r.RunAll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "RETR 31: expected a reply starting with \"+OK\"") {
		t.Fatalf("error %v, want one naming RETR 31", err)
	}
}
