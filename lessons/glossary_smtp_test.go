package lessons

import (
	"strings"
	"testing"
)

// smtpCommands is every command the SMTP glossary explains: RFC 5321,
// RFC 3207 (STARTTLS), RFC 4954 (AUTH) and RFC 3030 (BDAT).
var smtpCommands = []string{"HELO", "EHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "STARTTLS", "AUTH"}

func TestSMTPGlossaryExplainsEveryCommand(t *testing.T) {
	g := smtpTestGlossary(t)
	lines := map[string]string{"MAIL": "MAIL FROM:<alice@example.com>", "RCPT": "RCPT TO:<bob@example.org>", "DATA": "DATA", "AUTH": "AUTH CRAM-MD5"}
	for _, cmd := range smtpCommands {
		line, ok := lines[cmd]
		if !ok {
			line = cmd + " x"
		}
		e, ok := g.Explain("smtp", true, "", line)
		if !ok || e.Key != cmd || !strings.HasPrefix(e.RFC, "RFC ") || e.Text["en"] == "" || e.Text["vi"] == "" {
			t.Errorf("%s: got %+v, want its own entry with an RFC reference and en and vi texts", cmd, e)
		}
	}
	for _, e := range g.Entries("smtp") {
		if e.Text["vi"] == "" {
			t.Errorf("entry %q has no vi text", e.Key)
		}
	}
}

func TestSMTPGlossaryExplainsReplies(t *testing.T) {
	g := smtpTestGlossary(t)
	for _, tt := range []struct{ command, line, key, has string }{
		{"", "220 smtp.example.com ESMTP Service Ready", "greeting", "(smtp.example.com)"},
		{"EHLO", "250-Hello laptop.example.com", "EHLO reply", ""},
		{"EHLO", "250-PIPELINING", "EHLO: PIPELINING", ""},
		{"EHLO", "250-8BITMIME", "EHLO: 8BITMIME", ""},
		{"EHLO", "250-ENHANCEDSTATUSCODES", "EHLO: ENHANCEDSTATUSCODES", ""},
		{"EHLO", "250-CHUNKING", "EHLO: CHUNKING", ""},
		{"EHLO", "250-STARTTLS", "EHLO: STARTTLS", ""},
		{"EHLO", "250-AUTH PLAIN LOGIN", "EHLO: AUTH", "AUTH PLAIN LOGIN:"},
		{"EHLO", "250-SMTPUTF8", "EHLO: SMTPUTF8", ""},
		{"EHLO", "250-SIZE 10485760", "EHLO: SIZE", "SIZE 10485760:"},
		{"EHLO", "250 LIMITS RCPTMAX=100", "EHLO: LIMITS", "LIMITS RCPTMAX=100:"},
		{"EHLO", "250-XCLIENT ADDR", "EHLO: other extension", ""},
		{"MAIL", "250 2.0.0 Roger, accepting mail from <alice@example.com>", "sender accepted", ""},
		{"RCPT", "250 2.0.0 I'll make sure <bob@example.org> gets this", "recipient accepted", ""},
		{"RCPT", "550 5.1.1 <nobody@example.com>: no such user here", "550 5.1.1", ""},
		{"RCPT", "554 5.7.1 <bob@example.org>: Relay access denied", "554 5.7.1", "open relay"},
		{"MAIL", "530 5.7.0 Authentication required", "530 5.7.0", ""},
		{"AUTH", "535 5.7.8 Authentication failed", "535 5.7.8", ""},
		{"AUTH", "502 5.7.0 Authentication not supported", "502 5.7.0", ""},
		{"AUTH", "334 VXNlcm5hbWU6", "AUTH LOGIN: Username:", ""},
		{"AUTH", "334 ", "334", ""},
		{"AUTH", "235 2.0.0 Authentication succeeded", "235", ""},
		{"DATA", "354 Go ahead", "DATA go ahead", ""},
		{"DATA", "250 2.0.0 Ok: queued as 00000001", "message accepted", "queue ID 00000001"},
		{"STARTTLS", "220 2.0.0 Ready to start TLS", "STARTTLS ready", ""},
		{"QUIT", "221 2.0.0 Bye", "221", ""},
		{"RCPT", "452 4.5.3 Too many recipients", "452 4.5.3", ""},
		{"DATA", "552 5.3.4 Message too big", "552 5.3.4", ""},
		{"RCPT", "450 4.2.1 try later", "450", ""},
		{"RCPT", "553 5.1.8 nope", "553", ""},
		{"NOOP", "299 odd", "2xx", ""},
		{"RCPT", "599 odd", "5xx", ""},
	} {
		e, ok := g.Explain("smtp", false, tt.command, tt.line)
		if !ok || e.Key != tt.key {
			t.Errorf("%s %q: got %q, want %q", tt.command, tt.line, e.Key, tt.key)
			continue
		}
		if tt.has != "" && !strings.Contains(e.Text["en"], tt.has) {
			t.Errorf("%q: text %q lacks %q", tt.line, e.Text["en"], tt.has)
		}
		if strings.ContainsAny(e.Text["en"]+e.Text["vi"], "{}") {
			t.Errorf("%q: unfilled placeholder: %q", tt.line, e.Text["en"])
		}
	}
}

func smtpTestGlossary(t *testing.T) *Glossary {
	t.Helper()
	g, err := LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	return g
}
