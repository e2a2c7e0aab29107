package classroom

import (
	"regexp"
	"strings"
	"sync"

	"mailsim/internal/i18n"
	"mailsim/sim/wire"
)

// A client rule recognises client software by how it behaves: its IMAP
// tags, the case of its commands, its first commands. Strong evidence (an
// IMAP ID, an X-Mailer header, an EHLO name) overrides these guesses.
type clientRule struct {
	proto wire.Protocol
	name  string
	hint  i18n.Text
	match func(t *tracker, tag, raw string) bool
}

func tagLike(re string) func(*tracker, string, string) bool {
	rx := regexp.MustCompile(re)
	return func(t *tracker, tag, _ string) bool { return len(t.verbs) == 1 && rx.MatchString(tag) }
}

func verbs(want ...string) func(*tracker, string, string) bool {
	return func(t *tracker, _, _ string) bool {
		if len(t.verbs) != len(want) {
			return false
		}
		for i, w := range want {
			if t.verbs[i] != w {
				return false
			}
		}
		return true
	}
}

// lowerVerb reports whether the command verb was sent in lower case.
func lowerVerb(t *tracker, tag, raw string) bool {
	w := strings.TrimSpace(strings.TrimPrefix(raw, tag))
	w, _, _ = strings.Cut(w, " ")
	return w != "" && w == strings.ToLower(w) && w != strings.ToUpper(w)
}

var numTag = regexp.MustCompile(`^\d+$`)

// clientRules is the table of behaviours, first match wins. Measured with
// the real clients in cmd/mailsim/serve_test.go where they are installed.
// It is built at the first guess, not when the program starts: its hints
// read the catalog.
var clientRules = sync.OnceValue(func() []clientRule {
	return []clientRule{
		{wire.IMAP, "curl", i18n.Textf("IMAP tags A001, A002…"), tagLike(`^A\d{3}$`)},
		{wire.IMAP, "fetchmail", i18n.Textf("IMAP tags A0001, A0002…"), tagLike(`^A\d{4}$`)},
		{wire.IMAP, "mutt", i18n.Textf("IMAP tags a0000, a0001…"), tagLike(`^a\d{4}$`)},
		{wire.IMAP, "Python imaplib", i18n.Textf("IMAP tags of four capitals and a number"), tagLike(`^[A-Z]{4}\d+$`)},
		{wire.IMAP, "Go imapclient", i18n.Textf("IMAP tags T1, T2…"), tagLike(`^T\d+$`)},
		{wire.IMAP, "Thunderbird", i18n.Textf("numbered IMAP tags, lower-case commands"), func(t *tracker, tag, raw string) bool {
			return len(t.verbs) == 1 && numTag.MatchString(tag) && lowerVerb(t, tag, raw)
		}},
		{wire.IMAP, "mbsync", i18n.Textf("numbered IMAP tags, upper-case commands"), func(t *tracker, tag, raw string) bool {
			return len(t.verbs) == 1 && numTag.MatchString(tag) && !lowerVerb(t, tag, raw)
		}},
		{wire.POP3, "Python poplib or telnet", i18n.Textf("POP3 USER first, no CAPA"), verbs("USER")},
		{wire.POP3, "curl", i18n.Textf("POP3 CAPA, AUTH, then LIST or RETR"), func(t *tracker, _, _ string) bool {
			return len(t.verbs) >= 3 && t.verbs[0] == "CAPA" && t.verbs[1] == "AUTH" && (t.verbs[2] == "LIST" || t.verbs[2] == "RETR")
		}},
		{wire.POP3, "fetchmail", i18n.Textf("POP3 CAPA, login, then STAT"), func(t *tracker, _, _ string) bool {
			n := len(t.verbs)
			return n >= 3 && t.verbs[0] == "CAPA" && t.verbs[n-1] == "STAT" && t.verbs[n-2] != "CAPA"
		}},
		{wire.SMTP, "Python smtplib", i18n.Textf("lower-case ehlo"), func(t *tracker, tag, raw string) bool {
			return len(t.verbs) == 1 && (t.verbs[0] == "EHLO" || t.verbs[0] == "HELO") && lowerVerb(t, tag, raw)
		}},
	}
})

// guess applies the table after each of the client's first commands.
func (t *tracker) guess(e *Entry, tag, raw string) {
	if t.st.Client != "" {
		return
	}
	for _, r := range clientRules() {
		if r.proto == t.proto && r.match(t, tag, raw) {
			t.setClient(e, r.name, r.hint, false)
			return
		}
	}
}

// setClient records a guess. A strong one (the client named itself)
// replaces a weak one.
func (t *tracker) setClient(e *Entry, name string, hint i18n.Text, strong bool) {
	if t.st.Client != "" && !strong {
		return
	}
	if t.st.Client == name {
		return
	}
	t.st.Client, t.st.ClientHint = name, hint
	t.note(e, i18n.Textf("client: %s (%s)", name, hint))
}

// ehlo guesses from the name a client gives in EHLO/HELO.
func (t *tracker) ehlo(e *Entry, verb, name string) {
	switch {
	case strings.HasPrefix(name, "smtp.example."):
		t.relaying = true
		t.setClient(e, "mailsim MTA", i18n.Textf("EHLO %s: a provider relaying", name), true)
	case strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]"):
		t.setClient(e, "a mail app (Thunderbird, Apple Mail, Outlook…)", i18n.Textf("%s %s: an address literal", verb, name), false)
	}
}

// guessFromHeader looks for the User-Agent or X-Mailer header of a message
// being sent. Those name the program that wrote the message: a relaying
// MTA's client is the MTA, whatever the message it passes on says.
func (t *tracker) guessFromHeader(e *Entry) {
	if t.relaying {
		return
	}
	head, _, _ := strings.Cut(e.Text, "\n\n")
	for _, line := range strings.Split(head, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.ToLower(k) {
		case "user-agent", "x-mailer":
			v = strings.TrimSpace(v)
			if v != "" {
				t.setClient(e, v, i18n.Textf("%s header", k), true)
			}
			return
		}
	}
}
