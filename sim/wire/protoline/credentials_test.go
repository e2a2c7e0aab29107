package protoline

import (
	"strings"
	"testing"
)

// follow feeds lines to a follower: "C: text" is a client line, "L: text"
// a literal; a line's Command is its verb, or the command in progress for
// a SASL response or the rest of a LOGIN line ("…=AUTH: text").
func follow(proto string, lines ...string) (redacted, whats []string, user string) {
	f := NewFollower(proto)
	for _, l := range lines {
		head, text, _ := strings.Cut(l, ": ")
		head, cmd, _ := strings.Cut(head, "=")
		s, ok := f.Client(Unit{Text: text, Block: head == "L", Command: cmd})
		if ok {
			text, whats = s.Redact(text), append(whats, s.What().In("en"))
		}
		redacted = append(redacted, text)
	}
	return redacted, whats, f.User()
}

func TestFollowerSaysWhatWasHiddenAndLearnsTheUser(t *testing.T) {
	tests := []struct {
		name, proto string
		lines       []string
		want        []string
		whats       []string
		user        string
	}{
		{"POP3 USER and PASS", "pop3", []string{"C=USER: USER alice", "C=PASS: PASS wonder land"},
			[]string{"USER alice", "PASS •••"}, []string{"a password, 11 characters"}, "alice"},
		{"APOP", "pop3", []string{"C=APOP: APOP bob c4c9334bac560ecc979e58001b3e22fb"},
			[]string{"APOP bob •••"}, []string{"an APOP digest, 32 characters"}, "bob"},
		{"SASL PLAIN with an authorization identity", "smtp", []string{"C=AUTH: AUTH PLAIN Y2Fyb2wAYWxpY2UAd29uZGVybGFuZA=="},
			[]string{"AUTH PLAIN •••"}, []string{"AUTH PLAIN for carol: base64 of the user name and a password, 10 characters"}, "carol"},
		{"SASL LOGIN", "smtp", []string{"C=AUTH: AUTH LOGIN", "C=AUTH: YWxpY2U=", "C=AUTH: d29uZGVybGFuZA=="},
			[]string{"AUTH LOGIN", "•••", "•••"}, []string{"AUTH LOGIN: base64 of the user name alice", "AUTH LOGIN: base64 of a password, 10 characters"}, "alice"},
		{"a SASL response that is not base64", "imap", []string{"C=AUTHENTICATE: a AUTHENTICATE CRAM-MD5", "C=AUTHENTICATE: !!!"},
			[]string{"a AUTHENTICATE CRAM-MD5", "•••"}, []string{"a SASL CRAM-MD5 response that is not base64, 3 characters"}, ""},
		{"another mechanism", "imap", []string{"C=AUTHENTICATE: a AUTHENTICATE XOAUTH2 dXNlcj1h"},
			[]string{"a AUTHENTICATE XOAUTH2 •••"}, []string{"a SASL XOAUTH2 response, 6 octets"}, ""},
		{"LOGIN with literals learns the user from the first", "imap", []string{"C=LOGIN: a LOGIN {5}", "L=LOGIN: alice", "C=LOGIN:  {3}", "L=LOGIN: pwd", "C=LOGIN: "},
			[]string{"a LOGIN {5}", "alice", " {3}", "•••", ""}, []string{"a password, 3 characters"}, "alice"},
		{"a literal of another command is no secret", "imap", []string{"C=APPEND: a APPEND INBOX {5}", "L=APPEND: hello", "C=APPEND: ", "C=LOGIN: b LOGIN x y"},
			[]string{"a APPEND INBOX {5}", "hello", "", "b LOGIN x •••"}, []string{"a password, 1 character"}, "x"},
		{"a line after an exchange ends is a command", "pop3", []string{"C=AUTH: AUTH PLAIN", "C=AUTH: *", "C=AUTH: AUTH", "C=STAT: STAT"},
			[]string{"AUTH PLAIN", "*", "AUTH", "STAT"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, whats, user := follow(tt.proto, tt.lines...)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("redacted %q, want %q", got, tt.want)
			}
			if strings.Join(whats, "|") != strings.Join(tt.whats, "|") {
				t.Errorf("what %q, want %q", whats, tt.whats)
			}
			if user != tt.user {
				t.Errorf("user %q, want %q", user, tt.user)
			}
		})
	}
}

func TestSASLPayloadFindsInitialAndContinuationResponses(t *testing.T) {
	tests := []struct {
		text, cmd, mech, b64 string
		ok                   bool
	}{
		{"AUTH PLAIN AGFsaWNlAHg=", "AUTH", "PLAIN", "AGFsaWNlAHg=", true},
		{"a1 authenticate plain AGFsaWNlAHg=", "AUTHENTICATE", "PLAIN", "AGFsaWNlAHg=", true},
		{"AGFsaWNlAHg=", "AUTH", "", "AGFsaWNlAHg=", true},
		{"AGFsaWNlAHg=", "USER", "", "", false},
		{"*", "AUTH", "", "*", false},
		{"=", "AUTHENTICATE", "", "=", false},
	}
	for _, tt := range tests {
		mech, b64, ok := SASLPayload(tt.text, tt.cmd)
		if mech != tt.mech || b64 != tt.b64 || ok != tt.ok {
			t.Errorf("SASLPayload(%q, %q) = %q, %q, %v", tt.text, tt.cmd, mech, b64, ok)
		}
	}
	if p, ok := DecodePlain("AGFsaWNlAHg"); !ok || p != (Plain{User: "alice", Password: "x"}) {
		t.Errorf("DecodePlain without padding = %+v, %v", p, ok)
	}
	if _, ok := DecodePlain("YWxpY2U="); ok {
		t.Error("DecodePlain took a message without NULs")
	}
}
