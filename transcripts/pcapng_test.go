package transcripts

import (
	"strings"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/sim/events"
)

// TestACaptureSaysWhereItLacksTheExchangesATranscriptSumsUp: a repeated
// send (RETR 1 … RETR 10000) shows its first and last exchanges and sums
// up the others in a check on the connection. They crossed the wire but
// are not in the capture, so the packet after the gap says so, in the
// reader's language; a check of the state adds no comment.
func TestACaptureSaysWhereItLacksTheExchangesATranscriptSumsUp(t *testing.T) {
	tr := session("pop3", "C: RETR 1", "S: +OK 454 octets", "C: RETR 4", "S: +OK 551 octets")
	summary := events.Event{Kind: events.EventCheck, OK: true, Conn: 1, Actor: "laptop", Text: i18n.Textf("%s … %s: %d more exchanges like the one above, summed up here: every reply began %s; %d commands sent (%d B), %d lines back (%d B, %s)",
		"RETR 2", "RETR 3", 2, "+OK", 2, 20, 30, 900, "900 B")}
	state := events.Event{Kind: events.EventCheck, OK: true, Text: i18n.Text{"en": "the INBOX holds 4 messages"}}
	tr.Events = append(tr.Events[:3], append([]events.Event{summary, state}, tr.Events[3:]...)...)
	for _, lang := range []string{"en", "vi"} {
		n := newCaptureNotes(tr, ExportOptions{Lang: lang})
		got := n.of(5) // RETR 4, the first packet after the gap
		for _, want := range []string{summary.Text.In(lang), i18n.Word(lang, "They are not in this capture, which holds the exchanges the transcript shows.")} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: the comment on RETR 4 is %q; it lacks %q", lang, got, want)
			}
		}
		for i := range tr.Events {
			if c := n.of(i); i != 5 && (strings.Contains(c, "RETR 2") || strings.Contains(c, "INBOX holds")) {
				t.Errorf("%s: event %d's comment is %q", lang, i, c)
			}
		}
	}
}

// TestOnlyKeyLogLinesGoToTheKeyLog: KeyLog writes what a transcript holds
// as TLS secrets only when each line is one of the NSS key log format.
func TestOnlyKeyLogLinesGoToTheKeyLog(t *testing.T) {
	random, secret := strings.Repeat("ab", 32), strings.Repeat("0F", 24)
	for _, tt := range []struct {
		line string
		want bool
	}{
		{"CLIENT_HANDSHAKE_TRAFFIC_SECRET " + random + " " + secret, true},
		{"CLIENT_RANDOM " + random + " " + strings.Repeat("a", 256), true},
		{"CLIENT_RANDOM " + random + " " + strings.Repeat("a", 257), false},
		{"CLIENT_RANDOM " + random + " ", false},
		{"client_random " + random + " " + secret, false},
		{strings.Repeat("A", 65) + " " + random + " " + secret, false},
		{"CLIENT_RANDOM " + random[1:] + " " + secret, false},
		{"CLIENT_RANDOM " + random + " " + secret + " extra", false},
		{"CLIENT_RANDOM " + random + "  " + secret, false},
		{"CLIENT_RANDOM " + random + " " + secret + "\n# a comment", false},
		{"CLIENT_RANDOM " + strings.Repeat("g", 64) + " " + secret, false},
		{"", false},
	} {
		if got := isKeyLogLine(tt.line); got != tt.want {
			t.Errorf("%q: %v, want %v", tt.line, got, tt.want)
		}
	}
}
