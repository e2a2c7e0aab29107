// Package roles names the servers a simulated provider can run (pop3,
// imaps, submission...) with the facts each role implies: its standard
// port, protocol, whether TLS is implicit, and its host name. It is a leaf
// that both lessons (to validate role names) and the simulated network
// (to start servers) import.
package roles

import (
	"fmt"

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

// All lists every role in a fixed order.
var All = []Role{POP3, POP3S, IMAP, IMAPS, MX, Submission, SMTPS}

// Parse checks a role name.
func Parse(s string) (Role, error) {
	for _, r := range All {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown server role %q (want one of pop3, pop3s, imap, imaps, mx, submission, smtps)", s)
}

// StandardPort is the role's port on the real Internet.
func (r Role) StandardPort() int {
	switch r {
	case POP3:
		return 110
	case POP3S:
		return 995
	case IMAP:
		return 143
	case IMAPS:
		return 993
	case MX:
		return 25
	case Submission:
		return 587
	case SMTPS:
		return 465
	}
	return 0
}

// Protocol is the protocol the role speaks.
func (r Role) Protocol() wire.Protocol {
	switch r {
	case POP3, POP3S:
		return wire.POP3
	case IMAP, IMAPS:
		return wire.IMAP
	}
	return wire.SMTP
}

// ImplicitTLS reports whether TLS starts before the first protocol byte.
func (r Role) ImplicitTLS() bool { return r == POP3S || r == IMAPS || r == SMTPS }

// Host is the role's host name at domain: pop.example.com,
// imap.example.com, mx.example.com or smtp.example.com.
func (r Role) Host(domain string) string {
	switch r {
	case POP3, POP3S:
		return "pop." + domain
	case IMAP, IMAPS:
		return "imap." + domain
	case MX:
		return "mx." + domain
	}
	return "smtp." + domain
}

// Default is the plain-text role an actor of the given protocol
// connects to when a lesson names none.
func Default(p string) Role {
	switch p {
	case "imap":
		return IMAP
	case "smtp":
		return Submission
	}
	return POP3
}
