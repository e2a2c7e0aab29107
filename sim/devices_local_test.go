package sim

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStopServerRefusesAndStartServerServesOnTheSameAddress(t *testing.T) {
	n, err := StartNetwork(NetworkOptions{Roles: []Role{POP3, IMAP}, Deterministic: true})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p, _ := n.Provider(DomainCom)
	srv, _ := p.Server(POP3)
	addr := srv.Addr
	names := n.Names()

	if err := n.StopServer(DomainCom, POP3); err != nil {
		t.Fatal(err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dialing a stopped server: %v, want connection refused", err)
	}
	if err := n.StopServer(DomainCom, POP3); err == nil {
		t.Error("stopping a stopped server: no error")
	}
	if other, _ := p.Server(IMAP); other != nil {
		if c, err := net.DialTimeout("tcp", other.Addr, time.Second); err != nil {
			t.Errorf("the IMAP server stopped with POP3's: %v", err)
		} else {
			c.Close()
		}
	}

	if err := n.StartServer(DomainCom, POP3); err != nil {
		t.Fatal(err)
	}
	if srv, _ := p.Server(POP3); srv.Addr != addr {
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
	if err := n.StartServer(DomainCom, POP3); err == nil {
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
	r, events := record(t, parseLesson(t, sharedDevice))
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	var checks []string
	for _, e := range *events {
		if e.Kind == EventCheck {
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
	events := runAll(t, src)
	var closed []string
	for _, e := range *events {
		if e.Kind == EventClose {
			closed = append(closed, e.Actor+": "+e.Text.In("en"))
		}
	}
	if len(closed) < 1 || closed[0] != "phone: connection lost: the server went down" {
		t.Errorf("closes: %q", closed)
	}
}
