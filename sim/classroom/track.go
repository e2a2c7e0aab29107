package classroom

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"mailsim/sim/wire"
)

// Secret is what redacted text shows in place of a secret.
const Secret = "•••"

// tracker follows one connection's protocol from its units: session state,
// the user once logged in, the client software, and what to redact. It is
// guarded by Registry.mu.
type tracker struct {
	proto wire.Protocol
	st    *ConnState
	show  bool // ShowSecrets

	candidate string // user name offered, not yet accepted
	sasl      string // SASL mechanism of an exchange in progress ("" = none)
	saslStep  int    // client responses seen in it
	saslTag   string // IMAP: the AUTHENTICATE tag

	loginTag  string // IMAP LOGIN in progress
	loginArgs int    // LOGIN arguments seen so far
	selecting string // IMAP SELECT/EXAMINE mailbox awaiting its reply
	selectTag string
	mailbox   string // selected mailbox
	idleTag   string
	verbs     []string // the client's first commands, for guessing its software
}

func (t *tracker) init(p wire.Protocol, st *ConnState, show bool) {
	t.proto, t.st, t.show = p, st, show
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

func (t *tracker) note(e *Entry, format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	if e.Note != "" {
		e.Note += "; " + n
	} else {
		e.Note = n
	}
}

// redact replaces e.Text with text, saying what was hidden, unless the
// registry shows secrets.
func (t *tracker) redact(e *Entry, text, what string) {
	if t.show {
		return
	}
	e.Text, e.Redacted = text, what
}

func passwordWhat(p string) string {
	n := utf8.RuneCountInString(p)
	if n == 1 {
		return "a password, 1 character"
	}
	return fmt.Sprintf("a password, %d characters", n)
}

// decodeSASL decodes a base64 SASL response ("=" is an empty one).
func decodeSASL(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "=" {
		return "", true
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return "", false
		}
	}
	return string(b), true
}

// saslResponse handles one client response of a SASL exchange (AUTH PLAIN
// with an initial response, or a line after a server challenge): it learns
// the user name and returns what the redacted text should say.
func (t *tracker) saslResponse(payload string) (what string) {
	t.saslStep++
	if strings.TrimSpace(payload) == "*" {
		t.sasl = ""
		return ""
	}
	dec, ok := decodeSASL(payload)
	if !ok {
		return "a SASL response that is not base64"
	}
	switch t.sasl {
	case "PLAIN":
		parts := strings.Split(dec, "\x00")
		if len(parts) == 3 {
			user := parts[1]
			if parts[0] != "" {
				user = parts[0]
			}
			t.candidate = user
			return fmt.Sprintf("AUTH PLAIN for %s: base64 of the user name and %s", parts[1], passwordWhat(parts[2]))
		}
		return "an AUTH PLAIN payload"
	case "LOGIN":
		if t.saslStep == 1 {
			t.candidate = dec
			return fmt.Sprintf("AUTH LOGIN: base64 of the user name %s", dec)
		}
		return "AUTH LOGIN: base64 of " + passwordWhat(dec)
	}
	return fmt.Sprintf("a SASL %s response, %d octets", t.sasl, len(dec))
}

func (t *tracker) loggedIn(e *Entry) {
	if t.candidate != "" {
		t.st.User = t.candidate
		t.note(e, "logged in as %s", t.candidate)
	} else {
		t.note(e, "logged in")
	}
}

func (t *tracker) loginFailed(e *Entry) {
	if t.candidate != "" {
		t.note(e, "login failed for %s", t.candidate)
	} else {
		t.note(e, "login failed")
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
		if t.sasl != "" && !strings.HasPrefix(strings.ToUpper(e.Text), "AUTH ") {
			if what := t.saslResponse(e.Text); what != "" {
				t.redact(e, Secret, what)
			}
			return
		}
		verb, rest := firstWord(e.Text)
		verb = strings.ToUpper(verb)
		t.clientVerb(e, verb, "", e.Text)
		switch verb {
		case "USER":
			t.candidate = strings.TrimSpace(rest)
		case "PASS":
			t.redact(e, "PASS "+Secret, passwordWhat(rest))
		case "APOP":
			name, _ := firstWord(rest)
			t.candidate = name
		case "AUTH":
			mech, ir := firstWord(rest)
			t.sasl, t.saslStep = strings.ToUpper(mech), 0
			if ir != "" {
				t.redact(e, "AUTH "+mech+" "+Secret, t.saslResponse(ir))
			}
		}
		return
	}
	ok := strings.HasPrefix(e.Text, "+OK")
	bad := strings.HasPrefix(e.Text, "-ERR")
	switch e.Command {
	case "PASS", "APOP", "AUTH":
		if e.Command == "AUTH" && !ok && !bad {
			return // a challenge
		}
		t.sasl = ""
		if ok {
			t.loggedIn(e)
			t.st.State = "TRANSACTION"
		} else if bad {
			t.loginFailed(e)
		}
	case "STLS":
		if ok {
			t.st.TLS = true
			t.note(e, "TLS started")
		}
	case "QUIT":
		if ok && t.st.State == "TRANSACTION" {
			t.st.State = "UPDATE"
			t.note(e, "UPDATE: messages marked with DELE are deleted now")
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
	if e.Kind == wire.Block { // a literal
		if e.Command == "LOGIN" && e.Tag == t.loginTag {
			t.loginArg(e, strings.TrimRight(e.Text, "\r\n"))
		}
		return
	}
	if t.sasl != "" && e.Command == "AUTHENTICATE" && !strings.HasPrefix(e.Text, t.saslTag+" ") {
		if what := t.saslResponse(e.Text); what != "" {
			t.redact(e, Secret, what)
		}
		return
	}
	if e.Command == "IDLE" && strings.EqualFold(strings.TrimSpace(e.Text), "DONE") {
		return
	}
	tag, rest := firstWord(e.Text)
	if e.Tag != "" && tag != e.Tag { // the rest of a command after a literal
		if e.Command == "LOGIN" && e.Tag == t.loginTag {
			t.loginArgsLine(e, "", e.Text)
		}
		return
	}
	verb, args := firstWord(rest)
	uverb := strings.ToUpper(verb)
	t.clientVerb(e, uverb, tag, e.Text)
	switch uverb {
	case "LOGIN":
		t.loginTag, t.loginArgs = tag, 0
		t.loginArgsLine(e, tag+" "+verb+" ", args)
	case "AUTHENTICATE":
		mech, ir := firstWord(args)
		t.sasl, t.saslStep, t.saslTag = strings.ToUpper(mech), 0, tag
		if ir != "" {
			t.redact(e, tag+" "+verb+" "+mech+" "+Secret, t.saslResponse(ir))
		}
	case "SELECT", "EXAMINE":
		name, _ := imapToken(args)
		t.selecting, t.selectTag = name, tag
	case "IDLE":
		t.idleTag = tag
	case "ID":
		t.imapID(e, args)
	}
}

// loginArgsLine handles the arguments of a LOGIN line that start at args;
// prefix is what comes before them.
func (t *tracker) loginArgsLine(e *Entry, prefix, args string) {
	out := prefix
	hidden := ""
	for args = strings.TrimLeft(args, " "); args != ""; args = strings.TrimLeft(args, " ") {
		tok, n, literal := imapTokenN(args)
		raw := args[:n]
		args = args[n:]
		if literal {
			out += raw // its value comes as a block
			continue
		}
		if t.loginArgs == 0 {
			t.candidate = tok
			out += raw + " "
		} else if t.loginArgs == 1 {
			hidden = passwordWhat(tok)
			out += Secret + " "
		} else {
			out += raw + " "
		}
		t.loginArgs++
	}
	if hidden != "" {
		t.redact(e, strings.TrimRight(out, " "), hidden)
	}
}

func (t *tracker) loginArg(e *Entry, value string) {
	switch t.loginArgs {
	case 0:
		t.candidate = value
	case 1:
		t.redact(e, Secret, passwordWhat(value))
	}
	t.loginArgs++
}

// imapToken reads one IMAP string (atom, quoted or a literal marker).
func imapToken(s string) (string, int) {
	tok, n, _ := imapTokenN(s)
	return tok, n
}

func imapTokenN(s string) (tok string, n int, literal bool) {
	if s == "" {
		return "", 0, false
	}
	switch s[0] {
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				if i+1 < len(s) {
					i++
					b.WriteByte(s[i])
				}
			case '"':
				return b.String(), i + 1, false
			default:
				b.WriteByte(s[i])
			}
		}
		return b.String(), len(s), false
	case '{':
		if i := strings.IndexByte(s, '}'); i > 0 {
			return "", i + 1, true
		}
	}
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		i = len(s)
	}
	return s[:i], i, false
}

// imapID reads the client's ID parameters: ("name" "Thunderbird" ...).
func (t *tracker) imapID(e *Entry, args string) {
	args = strings.TrimSpace(args)
	if !strings.HasPrefix(args, "(") {
		return
	}
	args = args[1:]
	fields := map[string]string{}
	var toks []string
	for args = strings.TrimLeft(args, " "); args != "" && args[0] != ')'; args = strings.TrimLeft(args, " ") {
		tok, n := imapToken(args)
		if n == 0 {
			break
		}
		toks = append(toks, tok)
		args = args[n:]
	}
	for i := 0; i+1 < len(toks); i += 2 {
		fields[strings.ToLower(toks[i])] = toks[i+1]
	}
	if name := fields["name"]; name != "" {
		client := name
		if v := fields["version"]; v != "" {
			client += " " + v
		}
		t.setClient(e, client, fmt.Sprintf("IMAP ID name %q", name), true)
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
			t.note(e, "IDLE: new mail is pushed to the client as it arrives")
		}
		return
	}
	ok := status == "OK"
	switch {
	case tag == t.loginTag && e.Command == "LOGIN", tag == t.saslTag && e.Command == "AUTHENTICATE":
		t.loginTag, t.sasl = "", ""
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
		t.note(e, "TLS started")
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
		if t.sasl != "" && e.Command == "AUTH" && !strings.HasPrefix(strings.ToUpper(e.Text), "AUTH ") {
			if what := t.saslResponse(e.Text); what != "" {
				t.redact(e, Secret, what)
			}
			return
		}
		verb, rest := firstWord(e.Text)
		uverb := strings.ToUpper(verb)
		t.clientVerb(e, uverb, "", e.Text)
		switch uverb {
		case "EHLO", "HELO":
			t.ehlo(e, verb, strings.TrimSpace(rest))
		case "AUTH":
			mech, ir := firstWord(rest)
			t.sasl, t.saslStep = strings.ToUpper(mech), 0
			if ir != "" {
				t.redact(e, verb+" "+mech+" "+Secret, t.saslResponse(ir))
			}
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
		t.sasl = ""
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
			t.note(e, "message accepted")
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
			t.note(e, "TLS started")
		}
	case "QUIT":
		t.st.State = "quit"
	}
}
