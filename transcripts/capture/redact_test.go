package capture

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailsim/transcripts"
)

// Every way a client proves who it is, in one capture: POP3 USER/PASS and
// APOP, IMAP LOGIN and AUTHENTICATE PLAIN with its payload on the line
// after "+", SMTP AUTH PLAIN with an initial response and AUTH LOGIN
// whose answers follow 334 challenges (every SASL answer is hidden, the
// user name's too). Secrets are base64 or plain.
func credentialsCapture(t *testing.T) ([]byte, []string) {
	var b bytes.Buffer
	s := newSynth(&b)
	c := s.conn("10.1.0.1", 50001, "10.1.0.9", 1110) // any port: found by the greeting
	c.say(false, "+OK POP3 ready <1.2@x>\r\n")
	c.say(true, "USER alice\r\n")
	c.say(false, "+OK\r\n")
	c.say(true, "PASS pop-secret-1\r\n")
	c.say(false, "+OK\r\n")
	c.say(true, "QUIT\r\n")
	c.say(false, "+OK\r\n")
	c.close()
	c = s.conn("10.1.0.1", 50002, "10.1.0.9", 110)
	c.say(false, "+OK POP3 ready <1.2@x>\r\n")
	c.say(true, "APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n")
	c.say(false, "+OK\r\n")
	c.close()
	c = s.conn("10.1.0.2", 50003, "10.1.0.9", 1143)
	c.say(false, "* OK IMAP ready\r\n")
	c.say(true, "a1 LOGIN alice \"imap-secret-2\"\r\n")
	c.say(false, "a1 OK\r\n")
	c.say(true, "a2 AUTHENTICATE PLAIN\r\n")
	c.say(false, "+ \r\n")
	c.say(true, "AGFsaWNlAGltYXAtc2VjcmV0LTM=\r\n") // \0alice\0imap-secret-3
	c.say(false, "a2 OK\r\n")
	c.close()
	c = s.conn("10.1.0.3", 50004, "10.1.0.9", 2525)
	c.say(false, "220 smtp ready\r\n")
	c.say(true, "EHLO me\r\n")
	c.say(false, "250-smtp\r\n250 AUTH PLAIN LOGIN\r\n")
	c.say(true, "AUTH PLAIN AGFsaWNlAHNtdHAtc2VjcmV0LTQ=\r\n") // \0alice\0smtp-secret-4
	c.say(false, "235 ok\r\n")
	c.say(true, "AUTH LOGIN\r\n")
	c.say(false, "334 VXNlcm5hbWU6\r\n")
	c.say(true, "YWxpY2U=\r\n")
	c.say(false, "334 UGFzc3dvcmQ6\r\n")
	c.say(true, "c210cC1zZWNyZXQtNQ==\r\n") // smtp-secret-5
	c.say(false, "235 ok\r\n")
	c.close()
	return b.Bytes(), []string{"pop-secret-1", "c4c9334bac560ecc979e58001b3e22fb", "imap-secret-2",
		"AGFsaWNlAGltYXAtc2VjcmV0LTM=", "AGFsaWNlAHNtdHAtc2VjcmV0LTQ=", "YWxpY2U=", "c210cC1zZWNyZXQtNQ=="}
}

func TestPasswordsAreRedactedOnImportUnlessKept(t *testing.T) {
	data, secrets := credentialsCapture(t)
	tr, rep := importBytes(t, data, Options{})
	if rep.Sessions != 4 || len(tr.Actors) != 3 {
		t.Fatalf("%d sessions, %d actors; want 4 and 3", rep.Sessions, len(tr.Actors))
	}
	dir := t.TempDir()
	for _, keep := range []bool{false, true} {
		path := filepath.Join(dir, "t.yaml")
		if err := transcripts.Save(path, tr, transcripts.SaveOptions{KeepSecrets: keep}); err != nil {
			t.Fatal(err)
		}
		saved, _ := os.ReadFile(path)
		for _, sec := range secrets {
			if strings.Contains(string(saved), sec) != keep {
				t.Errorf("keep=%v: the saved transcript has %q: %v", keep, sec, !keep)
			}
		}
		loaded, err := transcripts.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if keep {
			continue
		}
		var hidden []string
		for _, e := range loaded.Events {
			if e.Unit != nil && !e.Unit.Redacted.IsZero() {
				hidden = append(hidden, e.Unit.Redacted.In("en"))
			}
		}
		if len(hidden) != len(secrets) {
			t.Errorf("%d units redacted (%q); want %d", len(hidden), hidden, len(secrets))
		}
		// the user names stay: they say whose session it is
		if !strings.Contains(string(saved), "USER alice") || !strings.Contains(string(saved), "a1 LOGIN alice") {
			t.Error("user names were redacted too")
		}
	}
}
