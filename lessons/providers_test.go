package lessons

import (
	"strings"
	"testing"
)

const providersLesson = `mailsim-lesson: 1
id: pop-only
group: setup
title: POP only
summary: A provider with no IMAP.
providers:
  example.org: {roles: [pop3, pop3s, submission, smtps, mx]}
seed:
  users:
    - {name: bob, domain: example.org, password: builder}
actors:
  - {name: app, protocol: imap, client: an app, user: bob@example.org}
  - {name: pop, protocol: pop3, client: an app, user: bob@example.org}
steps:
  - connect: app
    expect: refused
  - connect: pop
    to: pop3s
    eavesdrop: true
    expect: +OK
  - disconnect: pop
`

func TestProvidersAndRefusedConnects(t *testing.T) {
	l, err := Parse("pop-only.yaml", []byte(providersLesson))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.Providers["example.org"].Roles, " "); got != "pop3 pop3s submission smtps mx" {
		t.Errorf("roles %q", got)
	}
	if l.Steps[0].Expect != ExpectRefused || !l.Steps[1].Eavesdrop {
		t.Errorf("steps %+v", l.Steps[:2])
	}
}

func TestProvidersErrors(t *testing.T) {
	for _, tt := range []struct{ from, to, want string }{
		{"example.org: {roles: [pop3, pop3s, submission, smtps, mx]}", "example.net: {roles: [pop3, imapx]}",
			`unknown provider "example.net"`},
		{"[pop3, pop3s, submission, smtps, mx]", "[pop3, imapx]", `unknown server role "imapx"`},
		{"  - connect: app\n    expect: refused\n", "  - connect: app\n    expect: OK\n", "example.org runs no imap server"},
		{"    expect: refused\n", "    expect: refused\n    reply: hi\n", "a refused connection has no greeting"},
		{"[pop3, pop3s, submission, smtps, mx]", "[pop3, pop3s, imap, submission, smtps, mx]", "expect: refused, but example.org runs the imap role"},
		{"    eavesdrop: true\n", "    eavesdrop: maybe\n", "eavesdrop"},
	} {
		src := strings.Replace(providersLesson, tt.from, tt.to, 1)
		if src == providersLesson {
			t.Fatalf("%q is not in the lesson", tt.from)
		}
		_, err := Parse("bad.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s -> %s: got %v, want %q", tt.from, tt.to, err, tt.want)
		}
	}
}
