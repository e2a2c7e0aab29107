package lessons

import (
	"strings"
	"testing"
)

func glossary(t testing.TB) *Glossary {
	t.Helper()
	g, err := LoadGlossary()
	if err != nil {
		t.Fatalf("glossary:\n%v", err)
	}
	return g
}

// pop3Commands is every command of RFC 1939, RFC 2449, RFC 2595 and RFC 5034,
// and LAST of RFC 1460, which fetchmail still sends (transcripts/gallery).
var pop3Commands = []string{"USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL", "QUIT", "CAPA", "STLS", "LAST"}

func TestGlossaryExplainsEveryPOP3Command(t *testing.T) {
	g := glossary(t)
	for _, cmd := range pop3Commands {
		e, ok := g.Explain("pop3", true, "", cmd+" 1")
		if !ok {
			t.Errorf("%s: no entry", cmd)
			continue
		}
		if e.Key != cmd || !strings.HasPrefix(e.RFC, "RFC ") || e.Text["en"] == "" || e.Text["vi"] == "" {
			t.Errorf("%s: got %+v, want its own entry with an RFC reference and en and vi texts", cmd, e)
		}
	}
	if got := g.Commands("pop3"); strings.Join(got, " ") != strings.Join(pop3Commands, " ") {
		t.Errorf("Commands(pop3) = %v, want %v", got, pop3Commands)
	}
}

func TestGlossaryExplainsReplies(t *testing.T) {
	g := glossary(t)
	tests := []struct {
		name, command, line string
		key, contains, rfc  string
	}{
		{"STAT's reply gives the count and size", "STAT", "+OK 2 320", "STAT reply", "holds 2 messages, 320 octets in all", "RFC 1939 §5"},
		{"one message is singular", "STAT", "+OK 1 120", "STAT reply", "holds 1 message, 120 octets", "RFC 1939 §5"},
		{"a greeting with a timestamp explains APOP", "", "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>", "greeting with APOP timestamp", "<1896.697170952@dbc.mtview.ca.us> is a timestamp for APOP", "RFC 1939 §4, §7"},
		{"a plain greeting", "", "+OK ready", "greeting", "AUTHORIZATION", "RFC 1939 §4"},
		{"a scan listing line", "LIST", "1 120", "scan listing line", "message 1 is 120 octets", "RFC 1939 §5"},
		{"LIST for one message", "LIST", "+OK 2 200", "LIST reply for one message", "message 2 is 200 octets", "RFC 1939 §5"},
		{"LIST for all", "LIST", "+OK 2 messages (320 octets)", "LIST reply", "scan listing follows", "RFC 1939 §5"},
		{"the terminator", "LIST", ".", "end of multi-line reply", "ends a multi-line reply", "RFC 1939 §3"},
		{"a dot-stuffed line", "RETR", "..hidden", "dot-stuffed line", "dot-stuffing", "RFC 1939 §3"},
		{"a message line", "RETR", "Subject: Lunch?", "message line", "header fields", "RFC 5322"},
		{"an empty message line", "RETR", "", "message line", "header fields", "RFC 5322"},
		{"a unique-id line", "UIDL", "1 whqtswO00WBw418f9t5JxYwZ", "unique-id listing line", "unique-id whqtswO00WBw418f9t5JxYwZ", "RFC 1939 §7"},
		{"DELE only marks", "DELE", "+OK message 1 deleted", "DELE reply", "only after QUIT", "RFC 1939 §5"},
		{"no such message", "RETR", "-ERR no such message", "no such message", "no such message", "RFC 1939 §5"},
		{"QUIT starts UPDATE", "quit", "+OK bye", "QUIT reply", "UPDATE", "RFC 1939 §6"},
		{"a response code beats the command's -ERR", "PASS", "-ERR [IN-USE] maildrop locked", "[IN-USE]", "lock", "RFC 2449 §8.1.1"},
		{"LOGIN-DELAY", "USER", "-ERR [LOGIN-DELAY] wait", "[LOGIN-DELAY]", "too recently", "RFC 2449 §8.1.2"},
		{"SYS/TEMP", "RETR", "-ERR [SYS/TEMP] disk", "[SYS/TEMP]", "temporary", "RFC 3206 §4"},
		{"AUTH code", "AUTH", "-ERR [AUTH] bad", "[AUTH]", "credentials", "RFC 3206 §5"},
		{"a login failure", "PASS", "-ERR invalid password", "login refused", "login failed", "RFC 1939 §7"},
		{"the SASL continuation", "AUTH", "+ ", "SASL continuation", "SASL", "RFC 5034 §4"},
		{"a SASL capability", "CAPA", "SASL PLAIN LOGIN", "CAPA: SASL", "SASL PLAIN LOGIN: the AUTH command", "RFC 2449 §6.3, RFC 5034"},
		{"LOGIN-DELAY capability", "CAPA", "LOGIN-DELAY 900", "CAPA: LOGIN-DELAY", "at least 900 seconds", "RFC 2449 §6.5"},
		{"STLS capability", "CAPA", "STLS", "CAPA: STLS", "upgrade", "RFC 2595 §4"},
		{"STLS reply", "STLS", "+OK begin TLS", "STLS reply", "TLS handshake", "RFC 2595 §4"},
		{"a generic +OK", "NOOP", "+OK", "NOOP reply", "alive", "RFC 1939 §5"},
		{"an unknown command's -ERR", "XYZZY", "-ERR unknown command", "unknown command", "does not know", "RFC 1939 §3"},
		{"a -ERR no entry names", "XYZZY", "-ERR out of cheese", "-ERR", "failed", "RFC 1939 §3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := g.Explain("pop3", false, tt.command, tt.line)
			if !ok {
				t.Fatalf("Explain(%q, %q): no entry", tt.command, tt.line)
			}
			if e.Key != tt.key || !strings.Contains(e.Text["en"], tt.contains) || e.RFC != tt.rfc {
				t.Errorf("Explain(%q, %q) = %q %q (%s); want %q containing %q (%s)", tt.command, tt.line, e.Key, e.Text["en"], e.RFC, tt.key, tt.contains, tt.rfc)
			}
			if strings.ContainsAny(e.Text["en"]+e.Text["vi"], "{}") {
				t.Errorf("unfilled placeholder: %q / %q", e.Text["en"], e.Text["vi"])
			}
		})
	}
}

func TestGlossaryClientSASLLines(t *testing.T) {
	g := glossary(t)
	for line, key := range map[string]string{
		"AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=": "AUTH",
		"AGFsaWNlAHdvbmRlcmxhbmQ=":            "SASL response",
		"*":                                   "AUTH cancel",
	} {
		if e, ok := g.Explain("pop3", true, "AUTH", line); !ok || e.Key != key {
			t.Errorf("client %q after AUTH = %q, %v; want %q", line, e.Key, ok, key)
		}
	}
	if _, ok := g.Explain("pop3", true, "", "XYZZY"); ok {
		t.Error("an unknown client command has an entry")
	}
	if _, ok := g.Explain("smtp-not-yet", true, "", "HELO"); ok {
		t.Error("an unknown protocol has an entry")
	}
}

func TestDescribeSASLPlain(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"AGFsaWNlAHdvbmRlcmxhbmQ=", `base64 of "\0alice\0wonderland": an encoding, not encryption`, true},
		{"AGFsaWNlAHdvbmRlcmxhbmQ", `base64 of "\0alice\0wonderland": an encoding, not encryption`, true},
		{"Ym9iAGFsaWNlAHdvbmRlcmxhbmQ=", `base64 of "bob\0alice\0wonderland": an encoding, not encryption`, true},
		{"aGVsbG8=", "", false}, // "hello": not PLAIN
		{"!!!", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		text, ok := DescribeSASLPlain(tt.in)
		if got := text.In("en"); got != tt.want || ok != tt.ok {
			t.Errorf("DescribeSASLPlain(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestGlossaryFileErrors(t *testing.T) {
	_, _, err := parseGlossary("imap.yaml", []byte(`mailsim-glossary: 1
protocol: imap
entries:
  - key: OK
    side: server
    command: "*"
    match: '^\S+ OK'
    text: "{count} things"
`))
	want := "imap.yaml:4:5: entry \"OK\" needs rfc: where the protocol defines it\n" +
		"imap.yaml:4:5: entry \"OK\": the text uses {count}, but match has no group (?P<count>...)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func BenchmarkExplain(b *testing.B) {
	g := glossary(b)
	for b.Loop() {
		g.Explain("pop3", false, "STAT", "+OK 2 320")
		g.Explain("pop3", false, "RETR", "Subject: Lunch?")
		g.Explain("pop3", true, "", "RETR 1")
	}
}
