package sim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

func TestStopServerRefusesAndStartServerServesOnTheSameAddress(t *testing.T) {
	n, err := network.Start(network.Options{Roles: []roles.Role{roles.POP3, roles.IMAP}, Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p, _ := n.Provider(network.DomainCom)
	srv, _ := p.Server(roles.POP3)
	addr := srv.Addr
	names := n.Names()

	if err := n.StopServer(network.DomainCom, roles.POP3); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dialing a stopped server: %v, want connection refused", err)
	}
	if err := n.StopServer(network.DomainCom, roles.POP3); err == nil {
		t.Error("stopping a stopped server: no error")
	}
	if other, _ := p.Server(roles.IMAP); other != nil {
		if c, err := net.DialTimeout("tcp", other.Addr, time.Second); err != nil {
			t.Errorf("the IMAP server stopped with POP3's: %v", err)
		} else {
			c.Close()
		}
	}

	if err := n.StartServer(network.DomainCom, roles.POP3); err != nil {
		t.Fatal(err)
	}
	if srv, _ := p.Server(roles.POP3); srv.Addr != addr {
		t.Errorf("restarted on %s, want %s", srv.Addr, addr)
	}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatalf("dialing the restarted server: %v", err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
		t.Errorf("greeting after the restart: %q, %v", line, err)
	}
	if got := n.Names(); len(got) != len(names) {
		t.Errorf("the name table changed: %v, was %v", got, names)
	}
	if err := n.StartServer(network.DomainCom, roles.POP3); err == nil {
		t.Error("starting a running server: no error")
	}
}

const sharedDevice = `mailsim-lesson: 1
id: shared-device
group: compare
title: Shared device
summary: Two POP3 accounts and an SMTP sender fill one laptop; an IMAP phone caches summaries.
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - {from: bob@example.org, subject: One, body: "first\n"}
          - from: billing@example.net
            subject: Invoice
            body: "see attached\n"
            attachments: [{name: invoice.pdf.exe, type: application/x-msdownload, content: "harmless\n"}]
    - name: alice
      domain: example.org
      password: glass
      mailboxes:
        INBOX:
          - {from: minh@example.org, subject: Work, body: "work\n"}
actors:
  - {name: laptop, protocol: pop3, client: a laptop, user: alice}
  - {name: laptop-work, protocol: pop3, client: the same app, user: alice@example.org, device: laptop}
  - {name: laptop-smtp, protocol: smtp, client: the same app, user: alice, device: laptop}
  - {name: phone, protocol: imap, client: a phone, user: alice}
steps:
  - connect: laptop
  - send: USER alice
  - send: PASS wonderland
  - send: RETR 1
  - send: RETR 2
  - send: QUIT
  - connect: laptop-work
  - send: USER alice
  - send: PASS glass
  - send: RETR 1
  - send: QUIT
  - connect: laptop-smtp
    to: submission
  - send: EHLO laptop
  - send: AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=
    expect: "235"
  - send: MAIL FROM:<alice@example.com>
  - send: RCPT TO:<alice@example.com>
  - send: DATA
  - data: "From: alice@example.com\nSubject: Note to self\n\nhello\n"
    expect: "250"
  - send: QUIT
  - check: {device: laptop, count: 4}
  - check: {stats: [laptop, laptop-smtp]}
  - device: {actor: laptop, action: show}
  - device: {actor: laptop, action: export}
  - device: {actor: laptop, action: scan, subject: Invoice}
    expect: fail
  - device: {actor: laptop, action: scan, subject: One}
  - connect: phone
  - send: a1 LOGIN alice wonderland
  - send: a2 SELECT INBOX
  - send: a3 FETCH 1:* (UID FLAGS ENVELOPE)
  - disconnect: phone
  - device: {actor: phone, action: read-offline, subject: One}
    expect: fail
  - server: {role: pop3, state: down}
  - connect: laptop
    expect: refused
  - device: {actor: laptop-work, action: read-offline, subject: Work}
  - server: {role: pop3, state: up}
  - device: {actor: laptop, action: corrupt}
  - check: {device: laptop, count: 0}
`

func TestDeviceStepsOnASharedDevice(t *testing.T) {
	r, evs := record(t, parseLesson(t, sharedDevice))
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var checks []string
	for _, e := range *evs {
		if e.Kind == events.EventCheck {
			checks = append(checks, e.Text.In("en"))
		}
	}
	all := strings.Join(checks, "\n")
	for _, want := range []string{
		"laptop's local mail: 4 messages, from alice@example.com and alice@example.org",
		`Sent   #1       "Note to self"`,
		"Mail/Local Folders/Sent ",
		`as expected: laptop checks "Invoice" before opening it: DANGER, part 2 "invoice.pdf.exe" (application/x-msdownload) is a program dressed up as a .pdf file`,
		`laptop checks "One" before opening it: no attachments`,
		`as expected: phone cannot open "One" with no connection: its cache holds only the summary`,
		`laptop-work opens "Work" from its own disk, with no connection`,
		"pop.example.com:110 is down",
		"pop.example.com:110 is up again",
		"laptop's local mail folder is damaged or wiped: 4 messages lost (3 in Inbox, 1 in Sent)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no check says %q:\n%s", want, all)
		}
	}
	// The stats: laptop sent USER, PASS, RETR, RETR, QUIT.
	if !strings.Contains(all, "laptop   POP3    5 commands sent") {
		t.Errorf("stats:\n%s", all)
	}
	// laptop-work and laptop-smtp are not devices of their own.
	st := r.State()
	if _, ok := st.Device("laptop-work"); ok {
		t.Error("laptop-work shows as a device of its own")
	}
	if _, ok := st.Device("laptop-smtp"); ok {
		t.Error("laptop-smtp shows as a device of its own")
	}
}

func TestDeviceStepExpectations(t *testing.T) {
	for _, tc := range []struct {
		name, step, want string
	}{
		{"a read that fails unexpectedly", "  - device: {actor: phone, action: read-offline, subject: One}\n",
			`phone cannot open "One" with no connection`},
		{"a failure that does not come", "  - device: {actor: laptop, action: read-offline, subject: One}\n    expect: fail\n",
			"expected read-offline to fail, but it did not"},
		{"no such message, even with expect: fail", "  - device: {actor: laptop, action: read-offline, subject: Nope}\n    expect: fail\n",
			`laptop has no message "Nope" in its local mail`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `mailsim-lesson: 1
id: expectations
group: compare
title: Expectations
summary: Device steps that do not go as the lesson says.
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - {from: bob@example.org, subject: One, body: "first\n"}
actors:
  - {name: laptop, protocol: pop3, client: a laptop, user: alice}
  - {name: phone, protocol: imap, client: a phone, user: alice}
steps:
  - connect: laptop
  - send: USER alice
  - send: PASS wonderland
  - send: RETR 1
  - send: QUIT
  - connect: phone
  - send: a1 LOGIN alice wonderland
  - send: a2 SELECT INBOX
  - send: a3 FETCH 1 (UID ENVELOPE)
  - disconnect: phone
` + tc.step
			r, _ := record(t, parseLesson(t, src))
			err := r.RunAll(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestServerDownCutsTheConnectionsToIt(t *testing.T) {
	src := `mailsim-lesson: 1
id: outage
group: imap
title: Outage
summary: The IMAP server goes down under a connected phone.
seed:
  users:
    - {name: alice, password: wonderland}
actors:
  - {name: phone, protocol: imap, client: a phone, user: alice}
  - {name: laptop, protocol: pop3, client: a laptop, user: alice}
steps:
  - connect: phone
  - connect: laptop
  - server: {domain: example.com, role: imap, state: down}
  - connect: phone
    expect: refused
  - send: USER alice
    actor: laptop
    expect: +OK
`
	evs := runAll(t, src)
	var closed []string
	for _, e := range *evs {
		if e.Kind == events.EventClose {
			closed = append(closed, e.Actor+": "+e.Text.In("en"))
		}
	}
	if len(closed) < 1 || closed[0] != "phone: connection lost: the server went down" {
		t.Errorf("closes: %q", closed)
	}
}

// TestMoveCopiesTheMboxFilesButNotTheIndex moves a shared laptop's local
// mail (two accounts and a Sent folder) and an IMAP phone's summary-only
// cache to a desk computer: the whole messages arrive in Imported/<folder>,
// unflagged and with no account; summaries stay behind.
func TestMoveCopiesTheMboxFilesButNotTheIndex(t *testing.T) {
	src := strings.Replace(sharedDevice,
		"  - {name: phone, protocol: imap, client: a phone, user: alice}\n",
		"  - {name: phone, protocol: imap, client: a phone, user: alice}\n  - {name: desk, protocol: pop3, client: another app, user: alice}\n", 1)
	src = strings.Replace(src, "  - server: {role: pop3, state: down}\n",
		"  - device: {actor: laptop-work, action: move, to: desk}\n  - device: {actor: phone, action: move, to: desk}\n  - check: {device: desk, count: 4}\n  - check: {device: laptop, count: 4}\n  - device: {actor: desk, action: read-offline, subject: Work}\n  - server: {role: pop3, state: down}\n", 1)
	r, evs := record(t, parseLesson(t, src))
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var checks []string
	for _, e := range *evs {
		if e.Kind == events.EventCheck {
			checks = append(checks, e.Text.In("en")+"\n"+e.Text.In("vi"))
		}
	}
	all := strings.Join(checks, "\n")
	for _, want := range []string{
		"laptop's mbox files copied to desk: 4 of 4 messages moved",
		`"One"                          moved into Imported/Inbox, `,
		`"Note to self"                 moved into Imported/Sent, `,
		"not moved: the .msf index files (read marks, tags, sort order): desk builds its own, and every message arrives unread",
		"not moved: the account each message came from: an mbox file holds only the messages",
		"phone's mbox files copied to desk: 0 of 3 messages moved",
		`"One"                          stays behind: only its summary is on the disk`,
		"tệp mbox của laptop được chép sang desk: chuyển được 4 trên 4 thư",
		`desk opens "Work" from its own disk, with no connection`,
		"device laptop's local mailbox holds 4 messages", // a move copies
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no check says %q:\n%s", want, all)
		}
	}
	d, ok := r.State().Device("desk")
	if !ok {
		t.Fatal("no device desk")
	}
	if len(d.Local) != 4 {
		t.Fatalf("desk holds %d messages, want 4: %+v", len(d.Local), d.Local)
	}
	for _, m := range d.Local {
		if !strings.HasPrefix(m.Mailbox, importedFolder) || m.Account != "" || len(m.Flags) > 0 || !m.Body {
			t.Errorf("desk: %+v, want a whole message in Imported/..., no account, no flags", m)
		}
	}
}

// TestMoveCountsTheFlagsLeftBehind: flags live in the old app's index, not
// in the mbox file, so the copies of flagged messages arrive without them.
func TestMoveCountsTheFlagsLeftBehind(t *testing.T) {
	from := &actor{spec: lessons.Actor{Name: "old", Protocol: "pop3"}}
	to := &actor{spec: lessons.Actor{Name: "new", Protocol: "pop3"}}
	for i, flags := range [][]string{{`\Seen`}, nil, {`\Flagged`, `\Seen`}} {
		m := events.LocalMessage{UID: uint32(i + 1), Subject: fmt.Sprint("m", i), Flags: flags, Body: true}
		from.local = append(from.local, m)
		from.keepRaw(m, []byte("Subject: x\r\n\r\nhi\r\n"))
	}
	o := from.move(to)
	if !o.ok || !strings.Contains(o.text["en"], "2 of the messages had flags on old; their copies have none") ||
		!strings.Contains(o.text["vi"], "2 thư có cờ trên old; bản sao của chúng không còn cờ nào") {
		t.Errorf("move said:\n%s\n%s", o.text["en"], o.text["vi"])
	}
	for _, m := range to.local {
		if len(m.Flags) > 0 {
			t.Errorf("copy %q has flags %v", m.Subject, m.Flags)
		}
	}
	if len(to.local) != 3 || len(to.raw) != 3 {
		t.Errorf("new holds %d messages, %d whole; want 3, 3", len(to.local), len(to.raw))
	}
}
