package imap

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"mailsim/sim/mailstore"
)

// readToClose reads until the server closes the connection and returns
// what it said; it fails the test if the server is still there after d.
func (c *rawClient) readToClose(d time.Duration) string {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c.r)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		c.t.Fatalf("the server did not close the connection: %v (read %q)", err, b)
	}
	return string(b)
}

func TestARefusedNonSynchronizingAPPENDIsNeverRunAsCommands(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.AppendLimit = 1000 })
	c := ts.login(t, "alice", "pw")
	// The "message" a client appends carries IMAP commands (a draft quoting
	// a hostile text, say); the literal is over the limit.
	body := "z1 CREATE Smuggled\r\nz3 STORE 1:* +FLAGS (\\Deleted)\r\n" + strings.Repeat("x", 2000) + "\r\n"
	c.conn.Write([]byte(fmt.Sprintf("t1 APPEND Drafts {%d+}\r\n%s", len(body), body)))
	if l := c.readLine(); !strings.HasPrefix(l, "t1 NO [TOOBIG]") {
		t.Fatalf("APPEND over the limit: %q", l)
	}
	rest := c.readToClose(5 * time.Second)
	if !strings.HasPrefix(rest, "* BYE ") || strings.Contains(rest, "z1") || strings.Contains(rest, "z3") {
		t.Errorf("after the refusal the server said %q, want a BYE and nothing for z1/z3", rest)
	}
	msgs, _, err := ts.Store.Messages("alice", mailstore.Inbox)
	must(t, err)
	for _, m := range msgs {
		if len(m.Flags) > 0 {
			t.Errorf("message %d got flags %v", m.UID, m.Flags)
		}
	}
	if _, _, err := ts.Store.Messages("alice", "Smuggled"); err == nil {
		t.Error("mailbox Smuggled was created from the literal's octets")
	}
	// A synchronizing one is refused before the client sends it, and the
	// session goes on.
	c = ts.login(t, "alice", "pw")
	c.send("t2 APPEND Drafts {2000}")
	if l := c.readLine(); !strings.HasPrefix(l, "t2 NO [TOOBIG]") {
		t.Fatalf("synchronizing APPEND over the limit: %q", l)
	}
	c.ok("NOOP")
}

func TestALiteralOver4096OctetsOnLOGINIsAnsweredAtOnce(t *testing.T) {
	ts := newTestServer(t)
	for _, cmd := range []string{"LOGIN {999999999}", "LOGIN alice {5000}", "LOGIN {5000+}"} {
		t.Run(cmd, func(t *testing.T) {
			c := dial(t, ts.Addr)
			start := time.Now()
			c.send("a1 " + cmd)
			l, err := c.readLineErr(2 * time.Second)
			if err != nil || !strings.HasPrefix(l, "a1 NO [TOOBIG]") {
				t.Fatalf("got %q, %v, want a1 NO [TOOBIG] at once", l, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("answered after %v", d)
			}
			if strings.HasSuffix(cmd, "+}") {
				// The client is sending the octets anyway: the server
				// closes rather than read them as commands.
				if rest := c.readToClose(5 * time.Second); !strings.HasPrefix(rest, "* BYE") {
					t.Errorf("after a refused LITERAL+: %q", rest)
				}
				return
			}
			c.ok("LOGIN alice pw")
		})
	}
}
