package transcripts

import (
	"strings"

	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
)

// Redact returns a copy of t in which what a client sent to prove who it
// is has become "•••": whatever protoline.Follower finds (POP3 PASS and
// the APOP digest, IMAP LOGIN's password, AUTH / AUTHENTICATE initial
// responses and the SASL lines that answer a server's challenge). Each
// such unit's Redacted field says what was there ("a password, 10
// characters"); a glossary annotation that may quote the secret is
// replaced by that sentence. TLS records are left: they are ciphertext.
// When some events are marked ByStudent (a lesson in which the learner
// typed lines of their own), only those are redacted: the lesson's own
// login is part of what it teaches.
func Redact(t *Transcript) *Transcript {
	c := *t
	c.Redacted = true
	c.Events = append([]events.Event(nil), t.Events...)
	onlyStudent := false
	for i := range c.Events {
		onlyStudent = onlyStudent || c.Events[i].ByStudent
	}
	conns := map[uint64]*protoline.Follower{}
	for i := range c.Events {
		e := &c.Events[i]
		if e.Kind == events.EventConnect {
			conns[e.Conn] = protoline.NewFollower(string(e.Protocol))
			continue
		}
		if e.Kind != events.EventWire || e.Unit.Dir != wire.ClientToServer || e.Unit.Layer == wire.Cipher {
			continue
		}
		f := conns[e.Conn]
		if f == nil {
			f = protoline.NewFollower(string(e.Protocol))
			conns[e.Conn] = f
		}
		// every client unit, so the follower follows the connection
		s, ok := f.Client(protoline.Unit{Text: e.Unit.Text, Block: e.Unit.Kind == wire.Block, Command: e.Unit.Command})
		if !ok || (onlyStudent && !e.ByStudent) {
			continue
		}
		if s.AlreadyHidden() {
			continue // the classroom registry hid it: keep what it said was there
		}
		what := s.What()
		u := *e.Unit
		u.Redacted = what
		u.Text = s.Redact(u.Text)
		u.Raw = deriveRaw(u.Text, unitKindNames[u.Kind])
		u.Len, u.Lines = len(u.Raw), usualLines(u.Text, unitKindNames[u.Kind])
		e.Unit = &u
		if e.Gloss != nil {
			g := *e.Gloss
			g.Text = what
			e.Gloss = &g
		}
		e.Note = scrub(e.Note, secretForms(s.Value))
	}
	return &c
}

// secretForms are the ways a secret may be quoted in an annotation: as
// sent, and, for base64, decoded; a SASL PLAIN message also escaped as
// lessons.DescribeSASLPlain writes it, and its password alone.
func secretForms(secret string) []string {
	forms := []string{secret}
	raw, ok := protoline.DecodeSASL(secret)
	if !ok || len(raw) == 0 {
		return forms
	}
	forms = append(forms, string(raw))
	if p, ok := protoline.DecodePlain(secret); ok {
		forms = append(forms, p.Escaped(), p.Password)
	}
	return forms
}

// scrub replaces every form of a secret in a text.
func scrub(t i18n.Text, forms []string) i18n.Text {
	if t == nil {
		return nil
	}
	out := i18n.Text{}
	for k, v := range t {
		for _, f := range forms {
			if len(f) >= 3 { // "a" would take every "a" with it
				v = strings.ReplaceAll(v, f, protoline.Hidden)
			}
		}
		out[k] = v
	}
	return out
}
