package network

import (
	"bufio"
	"io"
	"mailsim/sim/roles"
	"strings"
	"testing"
	"time"
)

// TestTimeoutsCloseOnTimeWithTheProtocolsGoodbye drives each server the
// way a classroom does (serve's limits) and checks that an idle client, a
// client in IMAP IDLE and one that trickles a command are told goodbye in
// their protocol's words within 10% of the timeout.
func TestTimeoutsCloseOnTimeWithTheProtocolsGoodbye(t *testing.T) {
	const timeout = 800 * time.Millisecond
	n := startLimited(t, Limits{IdleTimeout: timeout, CommandTimeout: timeout})
	if err := n.Providers[0].Store.AddUser("alice", "wonderland"); err != nil {
		t.Fatal(err)
	}
	goodbye := map[roles.Role]string{roles.POP3: "-ERR", roles.IMAP: "* BYE", roles.Submission: "421 "}
	cases := []struct {
		name  string
		role  roles.Role
		setup []string // commands first, each answered
		then  string   // then this is sent as it is (no CRLF unless given)
	}{
		{"an idle POP3 client", roles.POP3, nil, ""},
		{"an idle IMAP client", roles.IMAP, nil, ""},
		{"an idle SMTP client", roles.Submission, []string{"EHLO x"}, ""},
		{"an IMAP client in IDLE", roles.IMAP, []string{"a LOGIN alice wonderland", "b SELECT INBOX"}, "c IDLE\r\n"},
		{"half an IMAP command", roles.IMAP, nil, "a NOO"},
		{"half an SMTP command", roles.Submission, []string{"EHLO x"}, "NOO"},
		{"half a POP3 command", roles.POP3, nil, "NOO"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := dialLine(t, n, tc.role)
			defer c.Close()
			r := bufio.NewReader(c)
			for _, cmd := range tc.setup {
				c.Write([]byte(cmd + "\r\n"))
				if got := readOneReply(t, r, tc.role); !strings.Contains(got, "OK") && !strings.HasPrefix(got, "250") {
					t.Fatalf("%s: %q", cmd, got)
				}
			}
			start := time.Now()
			if tc.then != "" {
				c.Write([]byte(tc.then))
			}
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			rest, err := io.ReadAll(r)
			took := time.Since(start)
			if err != nil && !strings.Contains(err.Error(), "reset") {
				t.Fatalf("still open after 5s: %v (read %q)", err, rest)
			}
			lines := strings.Split(strings.TrimRight(string(rest), "\r\n"), "\r\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, goodbye[tc.role]) || strings.Contains(string(rest), "SERVERBUG") {
				t.Errorf("the server said %q, want its last line to start %q", rest, goodbye[tc.role])
			}
			if took < timeout-50*time.Millisecond || took > timeout+timeout/10+50*time.Millisecond { // 50ms for a busy machine
				t.Errorf("closed after %v, want %v (+10%%)", took, timeout)
			}
		})
	}
}

// readOneReply reads one reply: a line, or for IMAP up to the tagged one.
func readOneReply(t *testing.T, r *bufio.Reader, role roles.Role) string {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a reply: %v", err)
		}
		switch role.Protocol() {
		case "imap":
			if !strings.HasPrefix(line, "* ") {
				return line
			}
		case "smtp":
			if len(line) < 4 || line[3] != '-' {
				return line
			}
		default:
			return line
		}
	}
}
