package classroom

import (
	"strings"

	"mailsim/internal/i18n"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
)

// tracker follows one connection's protocol from its units: session state,
// the user once logged in, the client software, and what to redact. It is
// guarded by Registry.mu.
type tracker struct {
	proto wire.Protocol
	st    *ConnState
	show  bool // ShowSecrets

	creds    *protoline.Follower // finds the secrets and the user name offered
	saslTag  string              // IMAP: the AUTHENTICATE tag
	loginTag string              // IMAP LOGIN in progress

	selecting string // IMAP SELECT/EXAMINE mailbox awaiting its reply
	selectTag string
	mailbox   string // selected mailbox
	idleTag   string
	verbs     []string // the client's first commands, for guessing its software
	relaying  bool     // SMTP: the client said it is a provider's MTA
}

func (t *tracker) init(p wire.Protocol, st *ConnState, show bool) {
	t.proto, t.st, t.show = p, st, show
	t.creds = protoline.NewFollower(string(p))
	switch p {
	case wire.POP3:
		st.State = "AUTHORIZATION"
	case wire.IMAP:
		st.State = "not authenticated"
	default:
		st.State = "connected"
	}
}

// unit updates the state from a unit of the plaintext (Plain or Inner
// layer) and redacts e in place.
func (t *tracker) unit(e *Entry) {
	switch t.proto {
	case wire.POP3:
		t.pop3(e)
	case wire.IMAP:
		t.imap(e)
	case wire.SMTP:
		t.smtp(e)
	}
}

func (t *tracker) note(e *Entry, n i18n.Text) {
	if e.Note.IsZero() {
		e.Note = n
		return
	}
	e.Note = i18n.Join([]i18n.Text{e.Note, n}, "; ")
}

// credentials runs a client unit through the follower and redacts the
// secret it carries, unless the registry shows secrets. It reports
// whether the unit answered a SASL challenge (it is no command).
func (t *tracker) credentials(e *Entry) (answered bool) {
	s, ok := t.creds.Client(protoline.Unit{Text: e.Text, Block: e.Kind == wire.Block, Command: e.Command})
	if ok && !t.show {
		e.Text, e.Redacted = s.Redact(e.Text), s.What()
	}
	return t.creds.Answered()
}

func (t *tracker) loggedIn(e *Entry) {
	if u := t.creds.User(); u != "" {
		t.st.User = u
		t.note(e, i18n.Textf("logged in as %s", u))
	} else {
		t.note(e, i18n.Textf("logged in"))
	}
}

func (t *tracker) loginFailed(e *Entry) {
	if u := t.creds.User(); u != "" {
		t.note(e, i18n.Textf("login failed for %s", u))
	} else {
		t.note(e, i18n.Textf("login failed"))
	}
}

func firstWord(s string) (word, rest string) {
	s = strings.TrimLeft(s, " ")
	w, r, _ := strings.Cut(s, " ")
	return w, r
}

func (t *tracker) clientVerb(e *Entry, verb, tag, raw string) {
	t.st.Commands++
	if len(t.verbs) < 8 {
		t.verbs = append(t.verbs, verb)
		t.guess(e, tag, raw)
	}
}

// POP3

func (t *tracker) pop3(e *Entry) {
	if e.Kind != wire.Line {
		return
	}
	if e.Dir == wire.ClientToServer {
		raw := e.Text
		if t.credentials(e) {
			return
		}
		verb, _ := firstWord(raw)
		t.clientVerb(e, strings.ToUpper(verb), "", raw)
		return
	}
	ok := strings.HasPrefix(e.Text, "+OK")
	bad := strings.HasPrefix(e.Text, "-ERR")
	switch e.Command {
	case "PASS", "APOP", "AUTH":
		if e.Command == "AUTH" && !ok && !bad {
			return // a challenge
		}
		if ok {
			t.loggedIn(e)
			t.st.State = "TRANSACTION"
		} else if bad {
			t.loginFailed(e)
		}
	case "STLS":
		if ok {
			t.st.TLS = true
			t.note(e, i18n.Textf("TLS started"))
		}
	case "QUIT":
		if ok && t.st.State == "TRANSACTION" {
			t.st.State = "UPDATE"
			t.note(e, i18n.Textf("UPDATE: messages marked with DELE are deleted now"))
		}
	}
}

// IMAP

func (t *tracker) imap(e *Entry) {
	if e.Dir == wire.ClientToServer {
		t.imapClient(e)
	} else if e.Kind == wire.Line {
		t.imapServer(e)
	}
}

func (t *tracker) imapClient(e *Entry) {
	raw := e.Text
	if t.credentials(e) || e.Kind == wire.Block { // a SASL response, a literal
		return
	}
	if e.Command == "IDLE" && strings.EqualFold(strings.TrimSpace(raw), "DONE") {
		return
	}
	tag, rest := firstWord(raw)
	if e.Tag != "" && tag != e.Tag { // the rest of a command after a literal
		return
	}
	verb, args := firstWord(rest)
	uverb := strings.ToUpper(verb)
	t.clientVerb(e, uverb, tag, raw)
	switch uverb {
	case "LOGIN":
		t.loginTag = tag
	case "AUTHENTICATE":
		t.saslTag = tag
	case "SELECT", "EXAMINE":
		t.selecting, t.selectTag = imapString(args), tag
	case "IDLE":
		t.idleTag = tag
	case "ID":
		t.imapID(e, args)
	}
}

// imapString reads the IMAP string (atom, quoted) s starts with.
func imapString(s string) string {
	tok, _ := protoline.NewScanner(s).Next()
	return tok.Text
}

// imapID reads the client's ID parameters: ("name" "Thunderbird" ...).
func (t *tracker) imapID(e *Entry, args string) {
	sc := protoline.NewScanner(args)
	if tok, ok := sc.Next(); !ok || tok.Kind != protoline.ListStart {
		return
	}
	fields := map[string]string{}
	var toks []string
	for tok, ok := sc.Next(); ok && tok.Kind != protoline.ListEnd; tok, ok = sc.Next() {
		toks = append(toks, tok.Text)
	}
	for i := 0; i+1 < len(toks); i += 2 {
		fields[strings.ToLower(toks[i])] = toks[i+1]
	}
	if name := fields["name"]; name != "" {
		client := name
		if v := fields["version"]; v != "" {
			client += " " + v
		}
		t.setClient(e, client, i18n.Textf("IMAP ID name %q", name), true)
	}
}

func (t *tracker) imapServer(e *Entry) {
	tag, rest := firstWord(e.Text)
	status, _ := firstWord(rest)
	status = strings.ToUpper(status)
	if tag == "*" {
		switch {
		case e.Command == "" && status == "PREAUTH":
			t.st.State = "authenticated"
		case status == "BYE":
			t.st.State = "logout"
		}
		return
	}
	if tag == "+" {
		if e.Command == "IDLE" {
			t.st.State = "IDLE " + t.mailbox
			t.note(e, i18n.Textf("IDLE: new mail is pushed to the client as it arrives"))
		}
		return
	}
	ok := status == "OK"
	switch {
	case tag == t.loginTag && e.Command == "LOGIN", tag == t.saslTag && e.Command == "AUTHENTICATE":
		t.loginTag, t.saslTag = "", ""
		if ok {
			t.loggedIn(e)
			t.st.State = "authenticated"
		} else {
			t.loginFailed(e)
		}
	case tag == t.selectTag && (e.Command == "SELECT" || e.Command == "EXAMINE"):
		if ok {
			t.mailbox = t.selecting
			t.st.State = "selected " + t.mailbox
		} else {
			t.mailbox = ""
			t.st.State = "authenticated"
		}
	case tag == t.idleTag && e.Command == "IDLE":
		if t.mailbox != "" {
			t.st.State = "selected " + t.mailbox
		} else {
			t.st.State = "authenticated"
		}
	case ok && (e.Command == "CLOSE" || e.Command == "UNSELECT"):
		t.mailbox = ""
		t.st.State = "authenticated"
	case ok && e.Command == "UNAUTHENTICATE":
		t.mailbox, t.st.User = "", ""
		t.st.State = "not authenticated"
	case ok && e.Command == "STARTTLS":
		t.st.TLS = true
		t.note(e, i18n.Textf("TLS started"))
	case ok && e.Command == "LOGOUT":
		t.st.State = "logout"
	}
}

// SMTP

func (t *tracker) smtp(e *Entry) {
	if e.Dir == wire.ClientToServer {
		if e.Kind == wire.Block {
			if e.Command == "DATA" || e.Command == "BDAT" {
				t.guessFromHeader(e)
			}
			return
		}
		raw := e.Text
		if t.credentials(e) {
			return
		}
		verb, rest := firstWord(raw)
		uverb := strings.ToUpper(verb)
		t.clientVerb(e, uverb, "", raw)
		switch uverb {
		case "EHLO", "HELO":
			t.ehlo(e, verb, strings.TrimSpace(rest))
		case "BDAT":
			t.st.State = "data"
		}
		return
	}
	if e.Kind != wire.Line || len(e.Text) < 3 || (len(e.Text) > 3 && e.Text[3] == '-') {
		return // not a reply, or not its last line
	}
	code := e.Text[:3]
	pos := code[0] == '2'
	switch e.Command {
	case "":
		if code == "220" {
			t.st.State = "connected"
		}
	case "EHLO", "HELO":
		if pos {
			t.st.State = "greeted"
		}
	case "AUTH":
		if code[0] == '3' {
			return // a challenge
		}
		if code == "235" {
			t.loggedIn(e)
		} else {
			t.loginFailed(e)
		}
	case "MAIL":
		if pos {
			t.st.State = "mail"
		}
	case "RCPT":
		if pos {
			t.st.State = "rcpt"
		}
	case "DATA":
		switch {
		case code == "354":
			t.st.State = "data"
		case pos:
			t.st.State = "greeted"
			t.st.Messages++
			t.note(e, i18n.Textf("message accepted"))
		default:
			t.st.State = "greeted"
		}
	case "BDAT":
		t.st.State = "greeted"
		if pos {
			t.st.Messages++
		}
	case "RSET":
		if pos {
			t.st.State = "greeted"
		}
	case "STARTTLS":
		if code == "220" {
			t.st.TLS = true
			t.st.State = "connected"
			t.note(e, i18n.Textf("TLS started"))
		}
	case "QUIT":
		t.st.State = "quit"
	}
}
