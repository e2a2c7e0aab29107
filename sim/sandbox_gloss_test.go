package sim

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// sandboxLesson is runner_test.go's two messages with one device per
// protocol, as a learner would type as them in the TUI's sandbox, and a
// second POP3 device of the same user.
var sandboxLesson = twoMessages[:strings.Index(twoMessages, "actors:")] + `actors:
  - {name: laptop, protocol: pop3, client: a laptop, user: alice}
  - {name: desktop, protocol: pop3, client: a desktop, user: alice}
  - {name: phone, protocol: imap, client: a phone, user: alice}
  - {name: outbox, protocol: smtp, client: a mail program, user: alice}
steps:
  - say: Try it.
`

// sandboxRun opens connections as the sandbox does (Connect, then
// SendLine) on fresh servers and sends lines, each "actor: line"; it
// returns the server's lines in answer to the last one, as the runner
// emitted them with their glossary entries.
func sandboxRun(t *testing.T, g *lessons.Glossary, lines ...string) []events.Event {
	t.Helper()
	var mu sync.Mutex
	var got []events.Event
	sending := false
	r, err := Start(parseLesson(t, sandboxLesson), Options{Glossary: g, Emit: func(e events.Event) {
		mu.Lock()
		defer mu.Unlock()
		if sending && e.Kind == events.EventWire && e.Unit.Dir == wire.ServerToClient && e.Unit.Layer != wire.Cipher {
			got = append(got, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i, l := range lines {
		actor, line, _ := strings.Cut(l, ": ")
		if _, _, ok := r.Connected(actor); !ok {
			if err := r.Connect(context.Background(), actor, ""); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		sending = i == len(lines)-1
		mu.Unlock()
		r.SendLine(actor, line) // the refusal is what is tested: its error is expected
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 {
		t.Fatalf("%q got no reply", lines)
	}
	return got
}

// The lines that log each device in.
var (
	popLogin  = []string{"laptop: USER alice", "laptop: PASS wonderland"}
	imapLogin = []string{"phone: a0 LOGIN alice wonderland"}
	smtpLogin = []string{"outbox: EHLO laptop.example.com", "outbox: AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ="}
)

func after(setup []string, lines ...string) []string {
	return append(append([]string{}, setup...), lines...)
}

// sandboxRefusals is every refusal a learner can get in the sandbox from
// the three servers (and the replies the glossary once explained wrongly),
// with the glossary entry that must explain it.
var sandboxRefusals = []struct {
	name  string
	lines []string
	reply string // the start of the reply the server sends
	key   string // the glossary entry that explains it
}{
	// POP3, before login
	{"RETR before login is refused for the state", []string{"laptop: RETR 1"}, "-ERR RETR is only valid after login", "only after login"},
	{"USER without a name", []string{"laptop: USER"}, "-ERR usage: USER name", "usage"},
	{"PASS before USER", []string{"laptop: PASS x"}, "-ERR PASS needs USER first", "PASS before USER"},
	{"a wrong password", []string{"laptop: USER alice", "laptop: PASS wrong"}, "-ERR [AUTH] invalid user name or password", "[AUTH]"},
	{"an unknown command", []string{"laptop: FOO"}, `-ERR unknown command "FOO" in AUTHORIZATION state`, "unknown command"},
	{"APOP without a digest", []string{"laptop: APOP alice"}, "-ERR usage: APOP name digest", "usage"},
	{"AUTH alone lists mechanisms", []string{"laptop: AUTH"}, "+OK SASL mechanisms follow", "AUTH mechanisms"},
	{"AUTH with no mechanism offered", []string{"laptop: AUTH CRAM-MD5"}, "-ERR unsupported SASL mechanism", "unsupported SASL mechanism"},
	{"AUTH PLAIN not base64", []string{"laptop: AUTH PLAIN !!!"}, "-ERR AUTH PLAIN: the response is not valid base64", "SASL response not base64"},
	{"AUTH PLAIN not three parts", []string{"laptop: AUTH PLAIN AAAA"}, "-ERR [AUTH] AUTH PLAIN: the response must be", "[AUTH]"},
	{"AUTH PLAIN acting as another", []string{"laptop: AUTH PLAIN Ym9iAGFsaWNlAHdvbmRlcmxhbmQ="}, "-ERR [AUTH] AUTH PLAIN: alice may not act as", "[AUTH]"},
	{"AUTH cancelled", []string{"laptop: AUTH PLAIN", "laptop: *"}, "-ERR AUTH cancelled by the client", "AUTH cancelled"},
	{"a line over 255 octets", []string{"laptop: " + strings.Repeat("X", 300)}, "-ERR line too long: 302 octets", "line too long"},
	{"STLS twice", []string{"laptop: STLS", "laptop: STLS"}, "-ERR TLS is already active", "STLS refused"},
	{"a second session of the same maildrop", after(popLogin, "desktop: USER alice", "desktop: PASS wonderland"), "-ERR [IN-USE] maildrop already locked", "[IN-USE]"},
	{"the twentieth bad command in a row", repeatLine("laptop: FOO", 20), "-ERR too many bad commands (20 in a row)", "too many bad commands"},
	{"PASS without a password", []string{"laptop: USER alice", "laptop: PASS"}, "-ERR usage: PASS password", "usage"},
	{"AUTH with too many words", []string{"laptop: AUTH PLAIN a b"}, "-ERR usage: AUTH mechanism [initial-response]", "usage"},
	// POP3, after login
	{"USER after login", after(popLogin, "laptop: USER alice"), "-ERR USER is only valid before login", "only before login"},
	{"STLS after login", after(popLogin, "laptop: STLS"), "-ERR STLS is only valid before login", "only before login"},
	{"RETR of a word", after(popLogin, "laptop: RETR x"), `-ERR RETR needs a message number, got "x"`, "needs a number"},
	{"RETR of a number not there", after(popLogin, "laptop: RETR 99"), "-ERR no message 99", "no such message"},
	{"LIST of a number not there", after(popLogin, "laptop: LIST 9"), "-ERR no message 9", "no such message"},
	{"UIDL of a number not there", after(popLogin, "laptop: UIDL 9"), "-ERR no message 9", "no such message"},
	{"DELE twice", after(popLogin, "laptop: DELE 1", "laptop: DELE 1"), "-ERR message 1 already deleted", "no such message"},
	{"RETR after DELE", after(popLogin, "laptop: DELE 1", "laptop: RETR 1"), "-ERR message 1 already deleted", "no such message"},
	{"RETR of a message IMAP expunged", after(after(popLogin, imapLogin...), "phone: a1 SELECT INBOX", `phone: a2 STORE 1 +FLAGS (\Deleted)`, "phone: a3 EXPUNGE", "laptop: RETR 1"),
		"-ERR message 1 was removed by another session", "no such message"},
	{"TOP without lines", after(popLogin, "laptop: TOP 1"), "-ERR usage: TOP msg lines", "usage"},
	{"TOP with a word for lines", after(popLogin, "laptop: TOP 1 x"), "-ERR TOP needs a number of lines", "needs a number"},
	{"STAT with an argument", after(popLogin, "laptop: STAT x"), "-ERR STAT takes no arguments", "takes no arguments"},
	// IMAP
	{"SELECT before login", []string{"phone: a1 SELECT INBOX"}, "a1 BAD [CLIENTBUG] This command is only valid in the authenticated state", "wrong state"},
	{"FETCH before login", []string{"phone: a1 FETCH 1 FLAGS"}, "a1 BAD [CLIENTBUG] This command is only valid in the selected state", "wrong state"},
	{"a wrong IMAP password", []string{"phone: a1 LOGIN alice wrong"}, "a1 NO [AUTHENTICATIONFAILED]", "[AUTHENTICATIONFAILED]"},
	{"an unknown IMAP command", []string{"phone: a1 FOO"}, "a1 BAD Unknown command", "unknown command"},
	{"LOGIN without arguments", []string{"phone: a1 LOGIN"}, "a1 BAD [CLIENTBUG] Syntax error", "syntax error"},
	{"AUTHENTICATE with no mechanism offered", []string{"phone: a1 AUTHENTICATE CRAM-MD5"}, `a1 NO [CANNOT] SASL mechanism "CRAM-MD5" is not supported`, "[CANNOT]"},
	{"FETCH before SELECT", after(imapLogin, "phone: a1 FETCH 1 FLAGS"), "a1 BAD [CLIENTBUG] This command is only valid in the selected state", "wrong state"},
	{"CLOSE before SELECT", after(imapLogin, "phone: a1 CLOSE"), "a1 BAD [CLIENTBUG] This command is only valid in the selected state", "wrong state"},
	{"LOGIN twice", after(imapLogin, "phone: a1 LOGIN alice wonderland"), "a1 BAD [CLIENTBUG] This command is only valid in the not authenticated state", "wrong state"},
	{"SELECT of a mailbox not there", after(imapLogin, "phone: a1 SELECT Nope"), "a1 NO [NONEXISTENT]", "[NONEXISTENT]"},
	{"RENAME of a mailbox not there", after(imapLogin, "phone: a1 RENAME Nope X"), "a1 NO [NONEXISTENT]", "[NONEXISTENT]"},
	{"STATUS of a mailbox not there", after(imapLogin, "phone: a1 STATUS Nope (MESSAGES)"), "a1 NO [NONEXISTENT]", "[NONEXISTENT]"},
	{"SUBSCRIBE to a mailbox not there", after(imapLogin, "phone: a1 SUBSCRIBE Nope"), "a1 NO [NONEXISTENT]", "[NONEXISTENT]"},
	{"CREATE INBOX", after(imapLogin, "phone: a1 CREATE INBOX"), "a1 NO [ALREADYEXISTS]", "[ALREADYEXISTS]"},
	{"DELETE INBOX", after(imapLogin, "phone: a1 DELETE INBOX"), "a1 NO [CANNOT] INBOX cannot be deleted", "[CANNOT]"},
	{"STARTTLS after login", after(imapLogin, "phone: a1 STARTTLS"), "a1 BAD STARTTLS not available", "STARTTLS not available"},
	{"FETCH of a word", after(imapLogin, "phone: a1 SELECT INBOX", "phone: a2 FETCH x FLAGS"), "a2 BAD [CLIENTBUG] Syntax error", "syntax error"},
	{"UID FETCH of a word", after(imapLogin, "phone: a1 SELECT INBOX", "phone: a2 UID FETCH x FLAGS"), "a2 BAD [CLIENTBUG] Syntax error", "syntax error"},
	{"SEARCH with an unknown key", after(imapLogin, "phone: a1 SELECT INBOX", "phone: a2 SEARCH FOO"), "a2 BAD [CLIENTBUG] Syntax error", "syntax error"},
	{"COPY to a mailbox not there", after(imapLogin, "phone: a1 SELECT INBOX", "phone: a2 COPY 1 Nope"), "a2 NO [TRYCREATE]", "[TRYCREATE]"},
	{"STORE in a read-only mailbox", after(imapLogin, "phone: a1 EXAMINE INBOX", `phone: a2 STORE 1 +FLAGS (\Seen)`), "a2 NO [CANNOT] The mailbox is read-only", "[CANNOT]"},
	{"STORE of something else than flags", after(imapLogin, "phone: a1 SELECT INBOX", `phone: a2 STORE 1 FOO (\Seen)`), "a2 BAD [CLIENTBUG] STORE can only change FLAGS", "tagged BAD"},
	// SMTP (the submission port)
	{"MAIL before EHLO", []string{"outbox: MAIL FROM:<alice@example.com>"}, "502 5.5.1 Please introduce yourself first", "EHLO first"},
	{"an unknown SMTP command", []string{"outbox: FOO"}, "501 5.5.2 Bad command", "unknown command"},
	{"EHLO without a name", []string{"outbox: EHLO"}, "501 5.5.2 Domain/address argument required", "501"},
	{"MAIL before AUTH", []string{"outbox: EHLO x", "outbox: MAIL FROM:<alice@example.com>"}, "530 5.7.0 Authentication required", "530 5.7.0"},
	{"RCPT before MAIL", []string{"outbox: EHLO x", "outbox: RCPT TO:<bob@example.org>"}, "502 5.5.1 Missing MAIL FROM command", "RCPT before MAIL"},
	{"DATA before RCPT", []string{"outbox: EHLO x", "outbox: DATA"}, "502 5.5.1 Missing RCPT TO command", "DATA before RCPT"},
	{"BDAT before RCPT", []string{"outbox: EHLO x", "outbox: BDAT 10"}, "502 5.5.1 Missing RCPT TO command", "BDAT before RCPT"},
	{"AUTH PLAIN not base64 (SMTP)", []string{"outbox: EHLO x", "outbox: AUTH PLAIN !!!"}, "454 4.7.0 Invalid base64 data", "AUTH response not base64"},
	{"a wrong SMTP password", []string{"outbox: EHLO x", "outbox: AUTH PLAIN AGFsaWNlAHdyb25n"}, "535 5.7.8 Authentication failed", "535 5.7.8"},
	{"AUTH with no mechanism offered (SMTP)", []string{"outbox: EHLO x", "outbox: AUTH CRAM-MD5"}, "504 5.7.4 Unsupported authentication mechanism", "504"},
	{"AUTH twice", after(smtpLogin, "outbox: AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ="), "503 5.5.1 Already authenticated", "503"},
	{"MAIL without <>", after(smtpLogin, "outbox: MAIL FROM:bad"), "501 5.5.2 Was expecting MAIL arg syntax", "501"},
	{"RCPT without <>", after(smtpLogin, "outbox: MAIL FROM:<alice@example.com>", "outbox: RCPT TO:bad"), "501 5.5.2 Was expecting RCPT arg syntax", "501"},
	{"a message too large", after(smtpLogin, "outbox: MAIL FROM:<alice@example.com> SIZE=999999999"), "552 5.3.4 Max message size exceeded", "552 5.3.4"},
	{"a local recipient not there", after(smtpLogin, "outbox: MAIL FROM:<alice@example.com>", "outbox: RCPT TO:<nobody@example.com>"), "550 5.1.1 <nobody@example.com>: no such user here", "550 5.1.1"},
}

func repeatLine(line string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

// Each refusal a learner can meet in the sandbox, sent to the real
// servers, is explained by the entry for that reply in that state: the
// gloss is chosen by the command, the state and the reply's code and text,
// never by the command alone.
func TestSandboxRefusalsAreExplainedByTheReplyActuallySent(t *testing.T) {
	g, err := lessons.LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	var replies []string
	for _, tt := range sandboxRefusals {
		t.Run(tt.name, func(t *testing.T) {
			evs := sandboxRun(t, g, tt.lines...)
			var reply string
			var e *lessons.Entry
			for _, ev := range evs {
				replies = append(replies, ev.Unit.Text)
				if reply == "" && strings.HasPrefix(ev.Unit.Text, tt.reply) {
					reply, e = ev.Unit.Text, ev.Gloss
				}
			}
			if reply == "" {
				t.Fatalf("the server replied %q; the table expects %q (update the table from the server)", evs[0].Unit.Text, tt.reply)
			}
			if e == nil || e.Key != tt.key {
				t.Errorf("%q is explained by %v; want the entry %q", reply, e, tt.key)
			}
		})
	}
	t.Run("every -ERR the POP3 server can write is in the table", func(t *testing.T) { everyPOP3Refusal(t, replies) })
}

// everyPOP3Refusal checks that every -ERR the POP3 server's code can
// write is among the replies the table got (a learner can meet it), or is
// listed here with why the sandbox cannot reach it.
func everyPOP3Refusal(t *testing.T, replies []string) {
	unreachable := map[string]string{
		"NUL octets are not allowed in a command line":                                                             "the sandbox's input field cannot type NUL",
		"line too long: over %d octets without a line end; closing the connection":                                 "the sandbox always ends a line",
		"[AUTH] %s refused: passwords may not cross this connection in clear text; %s":                             "lessons run on loopback, where plain text is allowed",
		"STLS is not available: this server has no TLS certificate":                                                "the simulator's servers all have certificates",
		"[SYS/TEMP] server shutting down; nothing deleted, try again later":                                        "the servers stop only when the lesson closes",
		"[SYS/TEMP] cannot open the maildrop of %s: %v":                                                            "a store failure",
		"[SYS/TEMP] cannot read the maildrop of %s: %v":                                                            "a store failure",
		"[SYS/TEMP] cannot read message %d: %v":                                                                    "a store failure",
		"[SYS/TEMP] some deleted messages were not removed: %v":                                                    "a store failure",
		"empty command in %s state; CAPA lists the commands this server knows":                                     "the sandbox sends no empty line",
		"disconnected for inactivity; nothing deleted":                                                             "a lesson's timeouts are far longer than its sandbox waits",
		"[SYS/TEMP] failed logins from your address are still waiting out their delay; try again in a few seconds": "the sandbox waits for each answer, so no failure is pending when it logs in",
	}
	files, _ := filepath.Glob(filepath.Join("pop3", "*.go"))
	failRE := regexp.MustCompile(`c\.fail\("((?:[^"\\]|\\.)*)"`)
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range failRE.FindAllStringSubmatch(string(src), -1) {
			found++
			format, _ := strconv.Unquote(`"` + m[1] + `"`)
			if unreachable[format] != "" {
				continue
			}
			// The format as a pattern: each verb stands for any text.
			parts := regexp.MustCompile(`%[a-z]`).Split(format, -1)
			for i := range parts {
				parts[i] = regexp.QuoteMeta(parts[i])
			}
			re := regexp.MustCompile("^-ERR " + strings.Join(parts, ".*"))
			if !slices.ContainsFunc(replies, re.MatchString) {
				t.Errorf("%s: -ERR %q is in no row of sandboxRefusals: add the line that gets it (or say in unreachable why none can)", f, format)
			}
		}
	}
	if found < 20 {
		t.Fatalf("found only %d c.fail calls in sim/pop3: has the server's code moved?", found)
	}
}
