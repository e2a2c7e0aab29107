package protoline

import (
	"strings"
	"unicode/utf8"

	"mailsim/internal/i18n"
)

// Hidden is what a redacted secret is replaced with, everywhere.
const Hidden = "•••"

// SecretKind says what a secret is.
type SecretKind int

// The kinds of secret.
const (
	Password     SecretKind = iota + 1 // POP3 PASS, IMAP LOGIN
	APOPDigest                         // POP3 APOP: MD5 of the greeting's timestamp and the password
	SASLResponse                       // a base64 SASL response, initial or answering a challenge
)

// A Secret is what one client unit carries to prove who the client is.
type Secret struct {
	Kind SecretKind
	// Start and End are the secret's bytes in the unit's text. For a
	// password they run to the end of the line: whatever follows the
	// secret on a malformed line may be part of it.
	Start, End int
	// Value is the secret as the server reads it: a password with its
	// IMAP quoting undone, a digest, the base64 of a SASL response.
	Value string
	// Mechanism is a SASL exchange's mechanism, upper case ("PLAIN").
	Mechanism string
	// Step counts a SASL exchange's client responses: 1 for the first.
	Step int
}

// Redact returns text, the unit the secret was found in, with Hidden in
// its place.
func (s Secret) Redact(text string) string {
	return text[:s.Start] + Hidden + text[s.End:]
}

// AlreadyHidden reports whether the secret was redacted before: the
// unit shows Hidden where the secret would be.
func (s Secret) AlreadyHidden() bool { return s.Value == Hidden }

// What says what the secret was, without it, in every language of the
// catalog: "a password, 10 characters", "AUTH PLAIN for alice: base64 of
// the user name and a password, 10 characters".
func (s Secret) What() i18n.Text {
	switch s.Kind {
	case Password:
		return i18n.Textf("a password, %s", characters(s.Value))
	case APOPDigest:
		return i18n.Textf("an APOP digest, %s", characters(s.Value))
	}
	raw, ok := DecodeSASL(s.Value)
	switch {
	case !ok && s.Mechanism == "":
		return i18n.Textf("a SASL response that is not base64, %s", characters(s.Value))
	case !ok:
		return i18n.Textf("a SASL %s response that is not base64, %s", s.Mechanism, characters(s.Value))
	case s.Mechanism == "PLAIN":
		if p, ok := DecodePlain(s.Value); ok {
			return i18n.Textf("AUTH PLAIN for %s: base64 of the user name and a password, %s", p.Identity(), characters(p.Password))
		}
	case s.Mechanism == "LOGIN" && s.Step == 1:
		return i18n.Textf("AUTH LOGIN: base64 of the user name %s", string(raw))
	case s.Mechanism == "LOGIN":
		return i18n.Textf("AUTH LOGIN: base64 of a password, %s", characters(string(raw)))
	}
	if s.Mechanism == "" {
		return i18n.Textf("a SASL response, %s", octets(len(raw)))
	}
	return i18n.Textf("a SASL %s response, %s", s.Mechanism, octets(len(raw)))
}

// characters is "10 characters", counting runes, as a Text.
func characters(secret string) i18n.Text {
	if n := utf8.RuneCountInString(secret); n != 1 {
		return i18n.Textf("%d characters", n)
	}
	return i18n.Textf("1 character")
}

func octets(n int) i18n.Text {
	if n != 1 {
		return i18n.Textf("%d octets", n)
	}
	return i18n.Textf("1 octet")
}

// A Unit is what a Follower needs of one client unit, as sim/wire frames
// it.
type Unit struct {
	Text string // a line without its CRLF, or a literal's octets
	// Block: an IMAP literal's octets (the line that announced it came
	// before; the rest of that command line comes after). Other blocks
	// (SMTP DATA, POP3 has none from clients) carry no credentials.
	Block bool
	// Command is the verb the framer tied the unit to: AUTH or
	// AUTHENTICATE for the lines of a SASL exchange, LOGIN for a literal
	// of LOGIN and the rest of its line. "" when unknown.
	Command string
}

// Follower follows one connection's client units and finds the secrets
// in them. Feed it every client unit, in order, including those that
// crossed inside TLS (never TLS records). The zero value is not ready:
// use NewFollower.
type Follower struct {
	imap bool
	pop3 bool
	user string

	mech     string // SASL exchange in progress ("" = none)
	step     int
	login    bool // IMAP LOGIN in progress: its literals and the rest of its line
	args     int  // LOGIN arguments seen
	afterLit bool // the previous unit was a literal: this line continues its command
	answered bool // the last unit answered a SASL challenge
}

// NewFollower returns a follower for proto: "pop3", "imap" or "smtp"
// (sim/wire's Protocol names).
func NewFollower(proto string) *Follower {
	return &Follower{imap: proto == "imap", pop3: proto == "pop3"}
}

// User is the user name the client offered last (USER, APOP, LOGIN, a
// SASL PLAIN message or a SASL LOGIN user response); "" before any.
func (f *Follower) User() string { return f.user }

// InSASL reports whether a SASL exchange is in progress: the client's
// next one-word line answers a challenge.
func (f *Follower) InSASL() bool { return f.mech != "" }

// Answered reports whether the last unit Client read was a line
// answering a SASL challenge (or cancelling the exchange with "*"), not a
// command.
func (f *Follower) Answered() bool { return f.answered }

// Client reads one client unit and returns the secret it carries.
func (f *Follower) Client(u Unit) (Secret, bool) {
	afterLit := f.afterLit
	f.afterLit, f.answered = u.Block, false
	if u.Block {
		if !f.imap || !f.login {
			return Secret{}, false
		}
		return f.loginValue(u.Text)
	}
	if s, ok, response := f.saslResponse(u); response {
		f.answered = true
		return s, ok
	}
	f.mech, f.step = "", 0
	if f.imap && afterLit {
		if f.login && (u.Command == "LOGIN" || u.Command == "") {
			return f.loginArgs(u.Text, 0)
		}
		return Secret{}, false // the rest of another command
	}
	f.login = false
	sc := NewScanner(u.Text)
	if f.imap {
		sc.Next() // the tag
	}
	verb, ok := sc.Next()
	if !ok {
		return Secret{}, false
	}
	switch v := strings.ToUpper(verb.Text); {
	case f.imap && v == "LOGIN":
		f.login, f.args = true, 0
		return f.loginArgs(u.Text, verb.End)
	case f.imap && v == "AUTHENTICATE", !f.imap && v == "AUTH":
		return f.saslCommand(u.Text, verb.End)
	case f.pop3 && v == "USER":
		f.user = strings.TrimSpace(restAfter(u.Text, verb.End))
	case f.pop3 && v == "PASS":
		if rest := restAfter(u.Text, verb.End); rest != "" {
			return Secret{Kind: Password, Start: len(u.Text) - len(rest), End: len(u.Text), Value: rest}, true
		}
	case f.pop3 && v == "APOP":
		name, ok := sc.Next()
		if !ok {
			return Secret{}, false
		}
		f.user = name.Text
		if digest, ok := sc.Next(); ok {
			return Secret{Kind: APOPDigest, Start: digest.Start, End: len(u.Text), Value: u.Text[digest.Start:]}, true
		}
	}
	return Secret{}, false
}

// restAfter is what follows the separating space after byte i: POP3
// arguments run to the end of the line.
func restAfter(s string, i int) string {
	if i < len(s) && s[i] == ' ' {
		return s[i+1:]
	}
	return ""
}

// saslCommand reads AUTH / AUTHENTICATE from after its verb: the
// mechanism, and an initial response.
func (f *Follower) saslCommand(text string, i int) (Secret, bool) {
	sc := NewScanner(text)
	sc.SetPos(i)
	mech, ok := sc.Next()
	if !ok {
		return Secret{}, false // AUTH alone: POP3 lists the mechanisms
	}
	f.mech, f.step = strings.ToUpper(mech.Text), 0
	ir, ok := sc.Next()
	if !ok {
		return Secret{}, false
	}
	return f.response(text, ir.Start, len(text))
}

// saslResponse handles a line that answers a challenge; response is false
// when u is not one.
func (f *Follower) saslResponse(u Unit) (s Secret, ok, response bool) {
	word := strings.TrimSpace(u.Text)
	switch {
	case f.mech == "" || strings.Contains(word, " "):
		return Secret{}, false, false
	case u.Command != "" && u.Command != "AUTH" && u.Command != "AUTHENTICATE":
		return Secret{}, false, false // the server ended the exchange
	case !f.imap && strings.EqualFold(word, "AUTH"):
		return Secret{}, false, false // a new AUTH that lists the mechanisms
	}
	if word == "" {
		f.step++ // an empty response
		return Secret{}, false, true
	}
	start := strings.Index(u.Text, word)
	s, ok = f.response(u.Text, start, start+len(word))
	return s, ok, true
}

// response is one SASL response in text[start:end]; "*" cancels the
// exchange.
func (f *Follower) response(text string, start, end int) (Secret, bool) {
	v := text[start:end]
	if strings.TrimSpace(v) == "*" {
		f.mech, f.step = "", 0
		return Secret{}, false
	}
	f.step++
	s := Secret{Kind: SASLResponse, Start: start, End: end, Value: v, Mechanism: f.mech, Step: f.step}
	switch f.mech {
	case "PLAIN":
		if p, ok := DecodePlain(v); ok {
			f.user = p.Identity()
		}
	case "LOGIN":
		if raw, ok := DecodeSASL(v); ok && f.step == 1 {
			f.user = string(raw)
		}
	}
	return s, true
}

// loginArgs reads LOGIN's arguments in text from byte i on: the user,
// then the password, which runs to the end of the line. A literal marker
// says the argument comes as the next unit.
func (f *Follower) loginArgs(text string, i int) (Secret, bool) {
	sc := NewScanner(text)
	sc.SetPos(i)
	for f.args < 2 {
		t, ok := sc.Next()
		if !ok || t.Kind == Literal {
			return Secret{}, false
		}
		if f.args == 0 {
			f.user = t.Text
			f.args++
			continue
		}
		f.args++
		value := text[t.Start:]
		if strings.TrimLeft(text[t.End:], " ") == "" {
			value = t.Text
		}
		return Secret{Kind: Password, Start: t.Start, End: len(text), Value: value}, true
	}
	return Secret{}, false
}

// loginValue reads a literal of LOGIN: the user or the password.
func (f *Follower) loginValue(text string) (Secret, bool) {
	f.args++
	switch f.args {
	case 1:
		f.user = text
	case 2:
		return Secret{Kind: Password, Start: 0, End: len(text), Value: text}, text != ""
	}
	return Secret{}, false
}
