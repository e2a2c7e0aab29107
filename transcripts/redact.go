package transcripts

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"mailsim/lessons"
)

// Hidden is what a redacted secret is replaced with.
const Hidden = "•••"

// Redact returns a copy of t in which what a client sent to prove who it
// is has become "•••": POP3 PASS and the APOP digest, IMAP LOGIN's
// password, AUTH / AUTHENTICATE initial responses and the SASL lines that
// answer a server's challenge. Each such unit's Redacted field says what
// was there ("a password, 10 characters"); a glossary annotation that may
// quote the secret is replaced by that sentence. TLS records are left:
// they are ciphertext. When some events are marked ByStudent (a lesson in
// which the learner typed lines of their own), only those are redacted:
// the lesson's own login is part of what it teaches.
func Redact(t *Transcript) *Transcript {
	c := *t
	c.Redacted = true
	c.Events = append([]Event(nil), t.Events...)
	onlyStudent := false
	for i := range c.Events {
		onlyStudent = onlyStudent || c.Events[i].By == ByStudent
	}
	conns := map[uint64]*secretState{}
	for i := range c.Events {
		e := &c.Events[i]
		if e.Kind == "connect" {
			conns[e.Conn] = &secretState{proto: e.Protocol}
			continue
		}
		if e.Kind != "wire" || e.Dir != "C" || e.Layer == "cipher" {
			continue
		}
		st := conns[e.Conn]
		if st == nil {
			st = &secretState{proto: e.Protocol}
			conns[e.Conn] = st
		}
		if text, what, secret, ok := st.redact(e); ok { // every line, so st follows the connection
			if onlyStudent && e.By != ByStudent {
				continue
			}
			if secret == Hidden {
				continue // hidden already (the classroom registry does it): keep what it said was there
			}
			e.Text, e.Raw, e.Lines, e.Redacted = text, nil, 0, what
			e.Len = len(e.RawBytes())
			if e.Gloss != nil {
				g := *e.Gloss
				g.Text = lessons.Text{lessons.Fallback: what}
				e.Gloss = &g
			}
			e.Note = scrub(e.Note, secretForms(secret))
		}
	}
	return &c
}

// secretState follows one connection's client lines.
type secretState struct {
	proto string
	// IMAP LOGIN with literals
	passLiteral bool // the next literal is the password
	userLiteral bool // the next literal is the user; the line after it holds the password
	afterUser   bool // this line continues LOGIN after the user's literal
	sasl        bool // IMAP: client lines answer AUTHENTICATE challenges
}

func (s *secretState) redact(e *Event) (text, what, secret string, ok bool) {
	text = e.Text
	if s.proto == "imap" {
		return s.imap(e)
	}
	words := strings.Fields(text)
	if len(words) == 0 {
		return "", "", "", false
	}
	verb := strings.ToUpper(words[0])
	switch {
	case e.Command == "PASS" && verb == "PASS" && len(words) > 1:
		secret := strings.TrimPrefix(text[len(words[0]):], " ")
		return words[0] + " " + Hidden, count("a password", secret), secret, true
	case e.Command == "APOP" && verb == "APOP" && len(words) > 2:
		return words[0] + " " + words[1] + " " + Hidden, count("an APOP digest", words[2]), words[2], true
	case e.Command == "AUTH" && verb == "AUTH" && strings.Contains(text, " "):
		if len(words) > 2 {
			return words[0] + " " + words[1] + " " + Hidden, count("a SASL "+strings.ToUpper(words[1])+" response", words[2]) + " of base64", words[2], true
		}
	case e.Command == "AUTH" && len(words) == 1 && text != "*" && verb != "AUTH":
		return Hidden, count("a SASL response", strings.TrimSpace(text)) + " of base64", strings.TrimSpace(text), true
	}
	return "", "", "", false
}

func (s *secretState) imap(e *Event) (text, what, secret string, ok bool) {
	text = e.Text
	if e.Unit == "block" {
		switch {
		case s.passLiteral:
			s.passLiteral = false
			return Hidden, count("a password", strings.TrimSuffix(text, "\n")), strings.TrimSuffix(text, "\n"), true
		case s.userLiteral:
			s.userLiteral, s.afterUser = false, true
		}
		return "", "", "", false
	}
	if s.afterUser && e.Command == "LOGIN" {
		s.afterUser = false
		args := imapArgs(text, 0)
		if len(args) > 0 {
			return s.loginArg(text, args[0])
		}
		return "", "", "", false
	}
	s.afterUser = false
	words := strings.Fields(text)
	if len(words) >= 2 && strings.EqualFold(words[1], "AUTHENTICATE") {
		s.sasl = true
		if len(words) > 3 {
			return words[0] + " " + words[1] + " " + words[2] + " " + Hidden, count("a SASL "+strings.ToUpper(words[2])+" response", words[3]) + " of base64", words[3], true
		}
		return "", "", "", false
	}
	if s.sasl && e.Command == "AUTHENTICATE" {
		if strings.TrimSpace(text) == "*" || len(words) != 1 {
			return "", "", "", false
		}
		return Hidden, count("a SASL response", words[0]) + " of base64", words[0], true
	}
	s.sasl = false
	if len(words) >= 2 && strings.EqualFold(words[1], "LOGIN") {
		start := len(words[0]) + 1 + len(words[1])
		args := imapArgs(text, start)
		switch {
		case len(args) >= 2:
			return s.loginArg(text, args[1])
		case len(args) == 1 && args[0].literal:
			s.userLiteral = true
		}
	}
	return "", "", "", false
}

func (s *secretState) loginArg(line string, a imapArg) (text, what, secret string, ok bool) {
	if a.literal {
		s.passLiteral = true
		return "", "", "", false
	}
	return line[:a.start] + Hidden + line[a.end:], count("a password", a.value), a.value, true
}

type imapArg struct {
	start, end int
	value      string
	literal    bool // a {n} marker: the value follows as a literal
}

// imapArgs splits IMAP astrings (atoms, quoted strings, literal markers)
// from position i on.
func imapArgs(s string, i int) []imapArg {
	var out []imapArg
	for i < len(s) {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			break
		}
		a := imapArg{start: i}
		switch s[i] {
		case '"':
			var b strings.Builder
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
				i++
			}
			if i < len(s) {
				i++
			}
			a.value = b.String()
		case '{', '~':
			for i < len(s) && s[i] != '}' {
				i++
			}
			if i < len(s) {
				i++
			}
			a.literal = true
		default:
			for i < len(s) && s[i] != ' ' {
				i++
			}
			a.value = s[a.start:i]
		}
		a.end = i
		out = append(out, a)
	}
	return out
}

// secretForms are the ways a secret may be quoted in an annotation: as
// sent, and, for base64, decoded (a SASL PLAIN message's password alone,
// too), raw or escaped as lessons.DescribeSASLPlain writes it.
func secretForms(secret string) []string {
	forms := []string{secret}
	raw, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(raw) == 0 {
		return forms
	}
	dec := string(raw)
	parts := strings.Split(dec, "\x00")
	for i, p := range parts {
		q := strconv.Quote(p)
		parts[i] = q[1 : len(q)-1]
	}
	forms = append(forms, dec, strings.Join(parts, `\0`))
	if len(parts) == 3 && parts[2] != "" {
		forms = append(forms, parts[2])
	}
	return forms
}

// scrub replaces every form of a secret in a text.
func scrub(t lessons.Text, forms []string) lessons.Text {
	if t == nil {
		return nil
	}
	out := lessons.Text{}
	for k, v := range t {
		for _, f := range forms {
			if len(f) >= 3 { // "a" would take every "a" with it
				v = strings.ReplaceAll(v, f, Hidden)
			}
		}
		out[k] = v
	}
	return out
}

func count(what, secret string) string {
	n := utf8.RuneCountInString(secret)
	if n == 1 {
		return what + ", 1 character"
	}
	return fmt.Sprintf("%s, %d characters", what, n)
}
