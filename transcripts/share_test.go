package transcripts

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
)

// bigMailboxSession records a session whose mailbox holds n messages and
// whose laptop downloads them all in the first step; the next steps
// leave both as they were but for one flag.
func bigMailboxSession(n, shareFrom int) *Transcript {
	var msgs []*mailstore.Message
	var local []events.LocalMessage
	for i := 1; i <= n; i++ {
		m := &mailstore.Message{UID: uint32(i), InternalDate: fixedclock.Start, Subject: fmt.Sprintf("message %d", i),
			Raw: []byte(fmt.Sprintf("Subject: message %d\r\n\r\nbody\r\n", i))}
		msgs = append(msgs, m)
		local = append(local, events.LocalMessage{UID: uint32(i), Subject: m.Subject, Size: len(m.Raw), Body: true, Account: "alice@example.com"})
	}
	state := func(msgs []*mailstore.Message, local []events.LocalMessage, sent int) *events.State {
		return &events.State{
			Providers: []events.ProviderState{{Domain: "example.com", Snapshot: &mailstore.Snapshot{Taken: fixedclock.Start,
				Users: []mailstore.UserSnapshot{{Name: "alice", Mailboxes: []mailstore.MailboxSnapshot{
					{Name: "INBOX", UIDValidity: 1, UIDNext: uint32(n + 1), Messages: msgs},
					{Name: "Sent", UIDValidity: 2, UIDNext: 1}}}}}}},
			Devices: []events.DeviceState{{Name: "laptop", Protocol: "pop3", Local: local, Sent: sent}},
		}
	}
	flagged := append([]*mailstore.Message(nil), msgs...)
	m := *flagged[0]
	m.Flags = []string{`\Seen`}
	flagged[0] = &m
	rec := NewRecorder(Meta{ID: "x", Created: fixedclock.Start, Deterministic: true})
	rec.shareFrom = shareFrom
	at := fixedclock.Start
	emit := func(e events.Event) {
		at = at.Add(time.Second)
		e.Time = at
		rec.Event(e)
	}
	emit(events.Event{Kind: events.EventStart, Step: -1, State: state(msgs, nil, 0)})
	emit(events.Event{Kind: events.EventConnect, Step: 0, Actor: "laptop", Conn: 1, Protocol: "pop3", Role: "pop3", Host: "pop.example.com:110"})
	emit(events.Event{Kind: events.EventState, Step: 0, State: state(msgs, local, 10)})
	emit(events.Event{Kind: events.EventState, Step: 1, State: state(msgs, local, 20)})
	emit(events.Event{Kind: events.EventState, Step: 2, State: state(flagged, local, 30)})
	emit(events.Event{Kind: events.EventState, Step: 3, State: state(flagged, local, 40)})
	emit(events.Event{Kind: events.EventEnd, Step: 3, OK: true})
	return rec.Transcript()
}

func TestALongListAStepLeavesAsItWasIsWrittenOnce(t *testing.T) {
	shared := bigMailboxSession(150, 0)
	data, err := Marshal(shared)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"mailsim-transcript: 2\n", "{name: INBOX, uidvalidity: 1, uidnext: 151, same: 1}", "{name: INBOX, uidvalidity: 1, uidnext: 151, same: 4}",
		"same-local: [{device: laptop, snapshot: 2}]}"} {
		if !strings.Contains(text, want) {
			t.Errorf("the file lacks %q", want)
		}
	}
	if n := strings.Count(text, "{uid: 150, msg: 150}"); n != 2 {
		t.Errorf("the mailbox's list is written %d times, want twice (at the start, and once flagged)", n)
	}
	got, err := Unmarshal(data, "shared.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !Equal(shared, got) {
		t.Fatalf("read back differs: %s", firstDifference(shared, got))
	}
	again, _ := Marshal(got)
	if !bytes.Equal(data, again) {
		t.Error("written again, the file differs")
	}

	// The same session written as version 1 files are (nothing shared)
	// gives the same states, from a larger file.
	whole := bigMailboxSession(150, math.MaxInt)
	old, _ := Marshal(whole)
	if !strings.HasPrefix(string(old), header+"mailsim-transcript: 1\n") || strings.Contains(string(old), "same") {
		t.Fatalf("with nothing shared, the file is not version 1 as before:\n%.300s", old)
	}
	back, err := Unmarshal(old, "whole.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Snapshots) != len(got.Snapshots) {
		t.Fatalf("%d snapshots, want %d", len(back.Snapshots), len(got.Snapshots))
	}
	for i := range got.Snapshots {
		if a, b := got.State(i+1), back.State(i+1); !reflect.DeepEqual(a, b) {
			t.Errorf("snapshot %d: the shared file's state differs from the whole one's: %s", i+1, firstDifference(a, b))
		}
	}
	if len(data) >= len(old)*2/3 {
		t.Errorf("sharing saves little: %d bytes, %d without", len(data), len(old))
	}
	// in memory too, a shared list is one slice
	if a, b := got.State(1).Providers[0].Snapshot.Users[0].Mailboxes[0].Messages, got.State(3).Providers[0].Snapshot.Users[0].Mailboxes[0].Messages; &a[0] != &b[0] {
		t.Error("the states of snapshots 1 and 3 hold two copies of one mailbox")
	}

	// short lists are written out: a small lesson's file stays version 1
	if small, _ := Marshal(bigMailboxSession(3, 0)); !bytes.Contains(small, []byte("mailsim-transcript: 1\n")) {
		t.Error("a session of 3 messages is not written as version 1")
	}
}

func TestABadSharedListGivesFileLineAndWhatIsWrong(t *testing.T) {
	good, err := Marshal(bigMailboxSession(150, 0))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		from, to string
		want     string
	}{
		{"a version 1 file that shares", "mailsim-transcript: 2", "mailsim-transcript: 1", "same needs `mailsim-transcript: 2` (this file says 1)"},
		{"a mailbox shared with a later snapshot", "uidnext: 151, same: 4}", "uidnext: 151, same: 5}", "same: 5: want an earlier snapshot (1 to 4)"},
		{"a mailbox with its own messages that shares too", `uidnext: 151, messages: [{uid: 1, msg: 1, flags: [\Seen]}`, `uidnext: 151, same: 1, messages: [{uid: 1, msg: 1, flags: [\Seen]}`,
			"example.com alice/INBOX has both messages and same: 1"},
		{"a device shared with a later snapshot", "same-local: [{device: laptop, snapshot: 2}]}\n- {step: 2", "same-local: [{device: laptop, snapshot: 4}]}\n- {step: 2",
			`same-local: device "laptop": snapshot 4: want an earlier snapshot (1 to 2)`},
		{"a device shared with a snapshot before it had a copy", "same-local: [{device: laptop, snapshot: 2}]}\n- {step: 2", "same-local: [{device: phone, snapshot: 2}]}\n- {step: 2",
			`same-local: device "phone": want it among this snapshot's devices`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(good, []byte(tt.from)) {
				t.Fatalf("the file lacks %q", tt.from)
			}
			bad := bytes.Replace(good, []byte(tt.from), []byte(tt.to), 1)
			_, err := Unmarshal(bad, "bad.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "bad.yaml:") {
				t.Errorf("error %v, want bad.yaml:LINE: …%s", err, tt.want)
			}
		})
	}
}
