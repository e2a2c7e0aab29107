// Package roles names the servers a simulated provider can run (pop3,
// imaps, submission...) and holds the one table of what each role implies:
// its standard port, its protocol, whether TLS starts before the first
// byte, and its host name. It is a leaf (it imports only wire, for the
// protocol names) that lessons, to check role names, and the simulated
// network, to start servers, both import.
package roles

import (
	"fmt"
	"strings"

	"mailsim/sim/wire"
)

// Role is a server's job at a provider, named after the port it has on the
// real Internet.
type Role string

// The server roles of a provider.
const (
	POP3       Role = "pop3"       // POP3 on 110, STLS offered
	POP3S      Role = "pop3s"      // POP3 over implicit TLS on 995
	IMAP       Role = "imap"       // IMAP on 143, STARTTLS offered
	IMAPS      Role = "imaps"      // IMAP over implicit TLS on 993
	MX         Role = "mx"         // SMTP relay between servers on 25, STARTTLS offered
	Submission Role = "submission" // SMTP submission on 587, STARTTLS
	SMTPS      Role = "smtps"      // SMTP submission over implicit TLS on 465
)

// Spec is what a role implies.
type Spec struct {
	Role        Role
	Port        int           // its port on the real Internet
	Protocol    wire.Protocol // the protocol it speaks
	ImplicitTLS bool          // TLS starts before the first protocol byte
	HostPrefix  string        // its host at example.com is HostPrefix + ".example.com"
}

// Table is every role with what it implies, in a fixed order: the only
// place these facts are written.
var Table = []Spec{
	{POP3, 110, wire.POP3, false, "pop"},
	{POP3S, 995, wire.POP3, true, "pop"},
	{IMAP, 143, wire.IMAP, false, "imap"},
	{IMAPS, 993, wire.IMAP, true, "imap"},
	{MX, 25, wire.SMTP, false, "mx"},
	{Submission, 587, wire.SMTP, false, "smtp"},
	{SMTPS, 465, wire.SMTP, true, "smtp"},
}

// defaults is the plain-text role an actor of each protocol connects to
// when a lesson names none.
var defaults = map[wire.Protocol]Role{wire.POP3: POP3, wire.IMAP: IMAP, wire.SMTP: Submission}

// All lists every role in Table's order.
var All = func() []Role {
	out := make([]Role, len(Table))
	for i, s := range Table {
		out[i] = s.Role
	}
	return out
}()

// Names is every role's name in Table's order, "pop3, pop3s, ...", for
// messages that list what is allowed.
func Names() string {
	names := make([]string, len(All))
	for i, r := range All {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// Parse checks a role name.
func Parse(s string) (Role, error) {
	if _, ok := lookup(Role(s)); ok {
		return Role(s), nil
	}
	return "", fmt.Errorf("unknown server role %q (want one of %s)", s, Names())
}

// Of lists the roles that speak protocol p ("pop3", "imap", "smtp"), in
// Table's order; none for an unknown protocol.
func Of(p wire.Protocol) []Role {
	var out []Role
	for _, s := range Table {
		if s.Protocol == p {
			out = append(out, s.Role)
		}
	}
	return out
}

// Default is the plain-text role an actor of protocol p connects to when a
// lesson names none: pop3, imap or submission ("" for an unknown protocol).
func Default(p wire.Protocol) Role { return defaults[p] }

func lookup(r Role) (Spec, bool) {
	for _, s := range Table {
		if s.Role == r {
			return s, true
		}
	}
	return Spec{}, false
}

// Spec is the role's row of Table (the zero Spec for an unknown role).
func (r Role) Spec() Spec {
	s, _ := lookup(r)
	return s
}

// StandardPort is the role's port on the real Internet (0 if unknown).
func (r Role) StandardPort() int { return r.Spec().Port }

// Protocol is the protocol the role speaks.
func (r Role) Protocol() wire.Protocol { return r.Spec().Protocol }

// ImplicitTLS reports whether TLS starts before the first protocol byte.
func (r Role) ImplicitTLS() bool { return r.Spec().ImplicitTLS }

// Host is the role's host name at domain: pop.example.com,
// imap.example.com, mx.example.com or smtp.example.com.
func (r Role) Host(domain string) string { return r.Spec().HostPrefix + "." + domain }
