package transcripts

import (
	"testing"

	"mailsim/sim/wire/protoline"
)

func TestRedactingAgainKeepsWhatTheFirstRedactionSaid(t *testing.T) {
	tr := &Transcript{Live: true, Events: []Event{
		{Kind: "connect", Conn: 1, Protocol: "pop3"},
		{Kind: "wire", Conn: 1, Protocol: "pop3", Dir: "C", Command: "PASS", Text: "PASS wonderland"},
	}}
	once := Redact(tr)
	twice := Redact(once)
	e := twice.Events[1]
	if e.Text != "PASS "+protoline.Hidden || e.Redacted != "a password, 10 characters" {
		t.Errorf("after two redactions: text %q, redacted %q", e.Text, e.Redacted)
	}
}
