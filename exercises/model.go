package exercises

import (
	"mailsim/internal/i18n"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// Version is the schema version files declare with `mailsim-exercise: 1`.
const Version = 1

// Exercise is one task and the checks that say whether a student did it.
type Exercise struct {
	ID    string
	File  string // where it was loaded from ("builtin/pop3-keep.yaml")
	Order int    // the scoreboard's column order (then ID)
	Title i18n.Text
	Task  i18n.Text // what the student does, for the sheet
	Hint  i18n.Text // optional
	// Settings are the servers the student needs, listed on the sheet
	// with their host names and ports.
	Settings []roles.Role
	Done     []Predicate // all must hold
	Tried    []Predicate // any; empty: a logged-in session of the first done session's protocol
}

// Predicate is one check: exactly one of Session and Mailbox is set.
type Predicate struct {
	Session *SessionMatch
	Mailbox *MailboxMatch
}

// Provider says which provider a check looks at, from the student's point
// of view.
type Provider string

// Providers.
const (
	AnyProvider   Provider = ""
	HomeProvider  Provider = "home"  // the student's own (example.com for studentNN)
	OtherProvider Provider = "other" // any other simulated provider
)

// TLSMode is what a session's TLS must be.
type TLSMode string

// TLS modes.
const (
	AnyTLS      TLSMode = ""
	WithTLS     TLSMode = "yes"      // implicit TLS or STARTTLS
	WithoutTLS  TLSMode = "no"       // clear text throughout
	StartTLS    TLSMode = "starttls" // upgraded with STLS/STARTTLS
	ImplicitTLS TLSMode = "implicit" // TLS from the first byte (993, 995, 465)
)

// SessionMatch matches one of the student's sessions.
type SessionMatch struct {
	Protocol wire.Protocol // "" = any
	Roles    []roles.Role  // any of these; empty = any
	Provider Provider
	TLS      TLSMode
	Login    *bool  // nil = either
	Steps    []Step // in order
	NotSent  []string
}

// Step matches a command and its reply, or (Sent empty) any reply line.
type Step struct {
	Sent     []string // the command's verb, any of these ("RETR", "UID MOVE"); case-insensitive
	SentHas  string   // the command line contains this (case-insensitive)
	Reply    []string // a reply line starts with one of these, after an IMAP tag (case-insensitive)
	ReplyHas []string // a reply line contains one of these (case-insensitive)
}

// MailboxMatch checks a mailbox of the student's.
type MailboxMatch struct {
	Name     string
	Provider Provider // "" = home
	Flag     string   // count only messages with this flag (`\Seen`)
	Min, Max *int     // bounds on the count (nil = none)
}
