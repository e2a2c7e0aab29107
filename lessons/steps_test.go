package lessons

import (
	"strings"
	"testing"
)

// A lesson with a POP3 laptop (and its second account), an SMTP sender on
// the laptop and an IMAP phone, to try the server, device and stats steps.
const offline = `mailsim-lesson: 1
id: offline
group: compare
title: Offline
summary: The server goes down.
seed:
  users:
    - name: alice
      password: wonderland
    - name: alice
      domain: example.org
      password: glass
actors:
  - {name: laptop, protocol: pop3, client: a laptop, user: alice}
  - {name: laptop-work, protocol: pop3, client: the same app, user: alice@example.org, device: laptop}
  - {name: laptop-smtp, protocol: smtp, client: the same app, user: alice, device: laptop}
  - {name: phone, protocol: imap, client: a phone, user: alice}
steps:
  - connect: laptop
  - connect: phone
  - server: {domain: example.com, role: pop3, state: down}
  - connect: laptop
    expect: refused
  - device: {actor: laptop, action: read-offline, subject: One}
  - device: {actor: laptop-work, action: show}
  - send: a1 NOOP
    actor: phone
  - check: {stats: [laptop, phone]}
  - server: {role: pop3, state: up}
  - connect: laptop
  - disconnect: phone
  - device: {actor: phone, action: read-offline, subject: One}
    expect: fail
`

func TestServerAndDeviceStepsLoad(t *testing.T) {
	l, err := Parse("offline.yaml", []byte(offline))
	if err != nil {
		t.Fatal(err)
	}
	s := l.Steps[2]
	if s.Kind != Server || *s.Server != (ServerSpec{Domain: "example.com", Role: "pop3", State: "down"}) {
		t.Errorf("server step: %v %+v", s.Kind, s.Server)
	}
	if up := l.Steps[8].Server; up == nil || up.Domain != DefaultDomain {
		t.Errorf("a server step's domain defaults to %s: %+v", DefaultDomain, up)
	}
	d := l.Steps[4]
	if d.Kind != Device || d.Actor != "laptop" || *d.Device != (DeviceSpec{Actor: "laptop", Action: "read-offline", Subject: "One"}) {
		t.Errorf("device step: %+v %+v", d, d.Device)
	}
	if last := l.Steps[len(l.Steps)-1]; last.Expect != ExpectFail {
		t.Errorf("expect: fail not kept: %q", last.Expect)
	}
	if st := l.Steps[7].Check; st == nil || strings.Join(st.Stats, ",") != "laptop,phone" {
		t.Errorf("stats: %+v", st)
	}
	if a, _ := l.Actor("laptop-work"); a.Device != "laptop" || a.Domain != "example.org" {
		t.Errorf("laptop-work: %+v", a)
	}
	if got := l.Steps[2].String(); got != "server example.com pop3 down (line 21)" {
		t.Errorf("String() = %q", got)
	}
}

func TestServerDeviceAndStatsMistakes(t *testing.T) {
	tests := []struct {
		name, old, new, want string
	}{
		{"a connect to a server that is down, not expected refused",
			"  - connect: laptop\n    expect: refused\n", "  - connect: laptop\n",
			`bad.yaml:22:14: example.com's pop3 server is down here (a server step stopped it), so this connection is refused: say so with expect: refused`},
		{"a server stopped twice",
			"  - server: {role: pop3, state: up}", "  - server: {role: pop3, state: down}",
			`bad.yaml:29:33: the pop3 server of example.com is already down`},
		{"a server started that is not down",
			"  - server: {domain: example.com, role: pop3, state: down}", "  - server: {domain: example.com, role: imap, state: down}",
			`bad.yaml:29:33: the pop3 server of example.com is not down: stop it with state: down first`},
		{"an unknown state",
			"state: down}", "state: off}",
			`bad.yaml:21:54: state "off": want down or up`},
		{"an unknown role",
			"role: pop3, state: down}", "role: pop4, state: down}",
			`bad.yaml:21:41: unknown server role "pop4" (want one of pop3, pop3s, imap, imaps, mx, submission, smtps)`},
		{"a read-offline while connected",
			"  - device: {actor: laptop, action: read-offline, subject: One}\n", "  - connect: laptop-work\n  - device: {actor: laptop, action: read-offline, subject: One}\n",
			`bad.yaml:25:21: read-offline reads with no connection, but laptop-work is connected here: disconnect it first (or stop its server)`},
		{"a read-offline with no subject",
			"action: read-offline, subject: One}\n  - device: {actor: laptop-work", "action: read-offline}\n  - device: {actor: laptop-work",
			`bad.yaml:24:13: read-offline needs subject: the message to open`},
		{"an unknown device action",
			"action: show}", "action: format}",
			`bad.yaml:25:42: unknown device action "format" (want one of read-offline, corrupt, export, show, scan, move)`},
		{"a move with no to",
			"action: show}", "action: move}",
			`bad.yaml:25:13: move needs to: the actor whose device receives the copy`},
		{"a move within one device",
			"action: show}", "action: move, to: laptop}",
			`bad.yaml:25:52: laptop-work and laptop share one device: move copies to another device`},
		{"a move to an unknown actor",
			"action: show}", "action: move, to: desk}",
			`bad.yaml:25:52: unknown actor "desk"`},
		{"to on another action",
			"action: show}", "action: show, to: phone}",
			`bad.yaml:25:52: to applies to move only`},
		{"expect: fail on an action that cannot fail",
			"  - device: {actor: laptop-work, action: show}\n", "  - device: {actor: laptop-work, action: show}\n    expect: fail\n",
			`bad.yaml:26:13: show always happens: only read-offline and scan can expect: fail`},
		{"stats with another field",
			"check: {stats: [laptop, phone]}", "check: {stats: [laptop, phone], count: 1}",
			`bad.yaml:28:20: a stats check shows what actors sent and received: it takes no other field (split it into two checks)`},
		{"stats of an unknown actor",
			"stats: [laptop, phone]", "stats: [laptop, tablet]",
			`bad.yaml:28:29: unknown actor "tablet" (actors: laptop, laptop-work, laptop-smtp, phone)`},
		{"a device that is not POP3",
			"user: alice@example.org, device: laptop}", "user: alice@example.org, device: phone}",
			`bad.yaml:15:96: actor "laptop-work": device phone speaks imap; only a POP3 device keeps local folders others fill (an IMAP cache mirrors its one server)`},
		{"a device that is no actor",
			"user: alice, device: laptop}", "user: alice, device: desk}",
			`bad.yaml:16:84: actor "laptop-smtp": device "desk" is not an actor (actors: laptop, laptop-work, laptop-smtp, phone)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(offline, tt.old) {
				t.Fatalf("the lesson has no %q", tt.old)
			}
			_, err := Parse("bad.yaml", []byte(strings.Replace(offline, tt.old, tt.new, 1)))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}
