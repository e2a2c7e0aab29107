package roles

import (
	"slices"
	"testing"

	"mailsim/sim/wire"
)

func TestEachRoleHasItsPortProtocolTLSAndHost(t *testing.T) {
	cases := []struct {
		role     Role
		port     int
		protocol wire.Protocol
		tls      bool
		host     string
	}{
		{POP3, 110, wire.POP3, false, "pop.example.com"},
		{POP3S, 995, wire.POP3, true, "pop.example.com"},
		{IMAP, 143, wire.IMAP, false, "imap.example.com"},
		{IMAPS, 993, wire.IMAP, true, "imap.example.com"},
		{MX, 25, wire.SMTP, false, "mx.example.com"},
		{Submission, 587, wire.SMTP, false, "smtp.example.com"},
		{SMTPS, 465, wire.SMTP, true, "smtp.example.com"},
	}
	if len(cases) != len(Table) {
		t.Fatalf("the table has %d roles, the test %d", len(Table), len(cases))
	}
	for _, c := range cases {
		r, err := Parse(string(c.role))
		if err != nil || r != c.role {
			t.Errorf("Parse(%q) = %q, %v", c.role, r, err)
		}
		if r.StandardPort() != c.port || r.Protocol() != c.protocol || r.ImplicitTLS() != c.tls || r.Host("example.com") != c.host {
			t.Errorf("%s: port %d, protocol %s, implicit TLS %v, host %s; want %d, %s, %v, %s", c.role,
				r.StandardPort(), r.Protocol(), r.ImplicitTLS(), r.Host("example.com"), c.port, c.protocol, c.tls, c.host)
		}
	}
}

func TestAnUnknownRoleIsRefusedWithTheListOfRoles(t *testing.T) {
	_, err := Parse("pop4")
	want := `unknown server role "pop4" (want one of pop3, pop3s, imap, imaps, mx, submission, smtps)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}

func TestEachProtocolDefaultsToItsPlainTextRoleAmongItsRoles(t *testing.T) {
	for _, c := range []struct {
		p    wire.Protocol
		def  Role
		list []Role
	}{
		{wire.POP3, POP3, []Role{POP3, POP3S}},
		{wire.IMAP, IMAP, []Role{IMAP, IMAPS}},
		{wire.SMTP, Submission, []Role{MX, Submission, SMTPS}},
	} {
		if got := Default(c.p); got != c.def || got.ImplicitTLS() {
			t.Errorf("Default(%s) = %s, want %s", c.p, got, c.def)
		}
		if got := Of(c.p); !slices.Equal(got, c.list) {
			t.Errorf("Of(%s) = %v, want %v", c.p, got, c.list)
		}
	}
	if Default("ftp") != "" || Of("ftp") != nil {
		t.Error("an unknown protocol has roles")
	}
}
