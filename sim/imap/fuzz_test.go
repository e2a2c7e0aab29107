package imap

import (
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzCommands sends arbitrary octets to a logged-in session with INBOX
// selected, then closes its side. The server must answer no client mistake
// with SERVERBUG, never panic, close the session within the deadline, and
// keep its heap bounded.
func FuzzCommands(f *testing.F) {
	for _, m := range clientMistakes {
		f.Add([]byte(strings.Join(m.lines, "\r\n") + "\r\n"))
	}
	for _, seed := range []string{
		"a FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] UID)\r\nb STORE 1 +FLAGS (\\Seen)\r\nc EXPUNGE\r\n",
		"t1 APPEND Drafts {10000001+}\r\nz1 CREATE x\r\nz3 STORE 1:* +FLAGS (\\Deleted)\r\n",
		"a LOGIN {999999999}\r\n",
		"a SEARCH NOT NOT NOT OR ALL (SEEN UNSEEN) ALL\r\n",
		"a IDLE\r\nDONE\r\nb NOOP\r\n",
		"a UID FETCH 1:* (BODY[1.2.3.4.5.6] BINARY[1])\r\n",
		"a NOOP x {5+}\r\nabcde\r\nb NOOP\r\n",
	} {
		f.Add([]byte(seed))
	}
	ts := newTestServer(f)
	f.Fuzz(func(t *testing.T, input []byte) {
		c := ts.login(t, "alice", "pw")
		c.ok("SELECT INBOX")
		c.conn.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			c.conn.Write(input)
			c.conn.(*net.TCPConn).CloseWrite()
		}()
		out, err := io.ReadAll(c.r)
		if err != nil && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("the session did not end: %v", err)
		}
		if strings.Contains(string(out), "SERVERBUG") {
			t.Fatalf("SERVERBUG for %q:\n%s", input, out)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > 1<<30 {
			t.Fatalf("heap in use %d MB", ms.HeapInuse>>20)
		}
	})
}
