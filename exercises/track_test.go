package exercises

import (
	"strings"
	"testing"
	"time"

	"mailsim/sim/classroom"
	"mailsim/sim/network"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// fakeClass feeds a tracker registry events for scripted sessions.
type fakeClass struct {
	t     *testing.T
	tr    *Tracker
	next  uint64
	boxes map[string]int // "domain/user/mailbox" -> messages
	now   time.Time
}

func newFakeClass(t *testing.T, ids ...string) *fakeClass {
	t.Helper()
	all, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var exs []*Exercise
	for _, id := range ids {
		for _, ex := range all {
			if ex.ID == id {
				exs = append(exs, ex)
			}
		}
	}
	f := &fakeClass{t: t, boxes: map[string]int{}, now: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)}
	students := []Student{
		{Name: "student01", Home: network.DomainCom, Addresses: []string{"student01@example.com", "student01@example.org"}},
		{Name: "student02", Home: network.DomainCom, Addresses: []string{"student02@example.com"}},
	}
	f.tr = NewTracker(exs, students, []string{network.DomainCom, network.DomainOrg},
		func(domain, user, mailbox, flag string) int { return f.boxes[domain+"/"+user+"/"+mailbox] },
		func() time.Time { return f.now })
	return f
}

// session plays one connection: lines are "C: ..." or "S: ..."; a line
// "login USER" marks the login. Verbs are taken from client lines and
// tied to the replies that follow.
func (f *fakeClass) session(role roles.Role, provider string, implicitTLS bool, lines ...string) {
	f.next++
	cs := classroom.ConnState{ID: f.next, Role: role, Protocol: role.Protocol(), Provider: provider, TLS: implicitTLS, Open: true, Opened: f.now}
	f.tr.Event(classroom.Event{Kind: classroom.ConnOpened, Conn: cs})
	verb, tag := "", ""
	for _, l := range lines {
		f.now = f.now.Add(time.Second)
		if u, ok := strings.CutPrefix(l, "login "); ok {
			cs.User = u
			f.tr.Event(classroom.Event{Kind: classroom.ConnChanged, Conn: cs})
			continue
		}
		if l == "starttls" {
			cs.TLS = true
			continue
		}
		e := classroom.Entry{Time: f.now, Kind: wire.Line, Layer: wire.Plain, Text: l[3:]}
		if strings.HasPrefix(l, "C: ") {
			e.Dir = wire.ClientToServer
			words := strings.Fields(e.Text)
			if role.Protocol() == wire.IMAP {
				tag, words = words[0], words[1:]
			}
			verb = strings.ToUpper(words[0])
			if verb == "UID" {
				verb += " " + strings.ToUpper(words[1])
			}
		} else {
			e.Dir = wire.ServerToClient
		}
		e.Command = verb
		if role.Protocol() == wire.IMAP {
			e.Tag = tag
			if e.Dir == wire.ServerToClient && strings.HasPrefix(e.Text, "* ") {
				e.Tag = "*"
			}
		}
		f.tr.Event(classroom.Event{Kind: classroom.UnitAdded, Conn: cs, Entry: e})
	}
	cs.Open = false
	f.tr.Event(classroom.Event{Kind: classroom.ConnClosed, Conn: cs})
}

func (f *fakeClass) status(student, id string) Cell {
	f.tr.Update()
	c, ok := f.tr.Board().Cell(student, id)
	if !ok {
		f.t.Fatalf("no cell %s/%s", student, id)
	}
	return c
}

func TestPOP3KeepNeedsNoDELEAndMailLeftOnTheServer(t *testing.T) {
	f := newFakeClass(t, "pop3-keep")
	f.session(roles.POP3, network.DomainCom, false, "C: USER student01", "S: +OK", "C: PASS •••", "login student01", "S: +OK logged in",
		"C: RETR 1", "S: +OK 300 octets", "C: DELE 1", "S: +OK", "C: QUIT", "S: +OK bye")
	if c := f.status("student01", "pop3-keep"); c.Status != Tried {
		t.Fatalf("with DELE: %s", c.Status)
	}
	f.session(roles.POP3S, network.DomainCom, true, "C: USER student01", "S: +OK", "login student01", "C: RETR 1", "S: +OK", "C: QUIT", "S: +OK")
	if c := f.status("student01", "pop3-keep"); c.Status != Tried {
		t.Fatalf("without DELE but an empty INBOX: %s", c.Status)
	}
	f.boxes["example.com/student01/INBOX"] = 2
	f.tr.Recheck()
	c := f.status("student01", "pop3-keep")
	if c.Status != Done || !strings.Contains(strings.Join(c.Evidence, "\n"), "mailbox INBOX at example.com holds 2 messages") {
		t.Fatalf("%s %q", c.Status, c.Evidence)
	}
	if f.status("student02", "pop3-keep").Status != NotYet {
		t.Error("student02, who did nothing, is not at not yet")
	}
}

func TestTwoClientChecksNeedTwoSessions(t *testing.T) {
	f := newFakeClass(t, "imap-seen")
	one := []string{"login student01", "C: a SELECT INBOX", "S: a OK", "C: b FETCH 1 (BODY[])", "S: * 1 FETCH (FLAGS (\\Seen) BODY[] {10}", "S: b OK",
		"C: c FETCH 1 (FLAGS)", "S: * 1 FETCH (FLAGS (\\Seen))", "S: c OK"}
	f.session(roles.IMAP, network.DomainCom, false, one...)
	if c := f.status("student01", "imap-seen"); c.Status != Tried {
		t.Fatalf("one session did both: %s", c.Status)
	}
	f.session(roles.IMAPS, network.DomainCom, true, "login student01", "C: x FETCH 1 (FLAGS)", "S: * 1 FETCH (FLAGS (\\Seen))", "S: x OK")
	c := f.status("student01", "imap-seen")
	if c.Status != Done || strings.Count(strings.Join(c.Evidence, "\n"), "session #") != 2 {
		t.Fatalf("%s %q", c.Status, c.Evidence)
	}
}

func TestRelayNeedsSTARTTLSAndTheOtherProvidersMX(t *testing.T) {
	f := newFakeClass(t, "relay", "open-relay")
	send := []string{"C: EHLO me", "S: 250 ok", "login student01", "C: MAIL FROM:<student01@example.com>", "S: 250 ok",
		"C: RCPT TO:<student01@example.org>", "S: 250 ok", "C: DATA", "S: 354 go", "S: 250 queued"}
	f.session(roles.Submission, network.DomainCom, false, send...)
	if c := f.status("student01", "relay"); c.Status != Tried {
		t.Fatalf("without STARTTLS: %s", c.Status)
	}
	f.session(roles.Submission, network.DomainCom, false, append([]string{"starttls"}, send...)...)
	if c := f.status("student01", "relay"); c.Status != Tried {
		t.Fatalf("no second hop yet: %s", c.Status)
	}
	// The hop has no login: MAIL FROM says whose it is.
	f.session(roles.MX, network.DomainOrg, false, "starttls", "C: EHLO smtp.example.com", "S: 250 ok", "C: MAIL FROM:<student01@example.com>", "S: 250 ok",
		"C: RCPT TO:<student01@example.org>", "S: 250 ok", "C: DATA", "S: 354 go", "S: 250 queued")
	c := f.status("student01", "relay")
	if c.Status != Done || c.At != f.now {
		t.Fatalf("%s at %v (want %v) %q", c.Status, c.At, f.now, c.Evidence)
	}
	if s := f.status("student01", "open-relay").Status; s != NotYet {
		t.Errorf("the relay hop counts for open-relay: %s", s)
	}
	// Done is for good, and counted once.
	f.session(roles.Submission, network.DomainCom, false, send...)
	if b := f.tr.Board(); b.Completions != 1 || f.status("student01", "relay").At != c.At {
		t.Errorf("%d completions, at %v", b.Completions, f.status("student01", "relay").At)
	}
}

func TestSessionsOfUnknownUsersAreNobodys(t *testing.T) {
	f := newFakeClass(t, "open-relay")
	f.session(roles.MX, network.DomainCom, false, "C: MAIL FROM:<spammer@evil.test>", "S: 250 ok", "C: RCPT TO:<x@elsewhere.test>", "S: 554 denied")
	f.session(roles.MX, network.DomainCom, false, "C: MAIL FROM:<Student02@Example.com>", "S: 250 ok", "C: RCPT TO:<x@elsewhere.test>", "S: 554 5.7.1 Relay access denied")
	if s := f.status("student01", "open-relay").Status; s != NotYet {
		t.Errorf("student01: %s", s)
	}
	if s := f.status("student02", "open-relay").Status; s != Done {
		t.Errorf("student02: %s", s)
	}
	if n := len(f.tr.sessions); n != 1 {
		t.Errorf("%d sessions kept, want only student02's", n)
	}
}
