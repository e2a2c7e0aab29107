package pop3

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestARunawayLineIsCutOffWithoutGrowingMemory(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dial()
	payload := bytes.Repeat([]byte("A"), 10<<20) // 10 MB, no line end
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		c.conn.Write(payload) // fails once the server hangs up
	}()
	if got := c.line(); !strings.HasPrefix(got, "-ERR line too long: over 4096 octets without a line end; closing") {
		t.Errorf("reply to a 10 MB line: %q", got)
	}
	c.wantClosed()
	<-wrote
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("serving a 10 MB line allocated %d octets; the reader should be bounded", grew)
	}
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestAnOverlongCommandLineIsRefusedButTheSessionGoesOn(t *testing.T) {
	c := newTestServer(t).dial()
	c.want("USER "+strings.Repeat("a", 295), "-ERR line too long: 302 octets; a POP3 command line holds at most 255 octets including CRLF")
	c.want("USER "+strings.Repeat("a", 248), "+OK") // 255 octets with CRLF: allowed
	c.multi("CAPA")
}

func TestNULOctetsAreRefused(t *testing.T) {
	c := newTestServer(t).dial()
	c.want("CA\x00PA", "-ERR NUL octets are not allowed in a command line")
	c.want("USER al\x00ice", "-ERR NUL octets")
	c.multi("CAPA")
}

func TestABareLFEndsALineToo(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dial()
	// The server is liberal in what it accepts, and still answers in CRLF
	// (client.line checks it).
	if _, err := c.conn.Write([]byte("USER alice\nPASS pw\r\nSTAT\nLIST 1\n")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+OK send PASS", "+OK alice has 4 messages", "+OK 4 ", "+OK 1 "} {
		if got := c.line(); !strings.HasPrefix(got, want) {
			t.Errorf("got %q, want %q...", got, want)
		}
	}
}

func TestTwentyBadCommandsInARowCloseTheConnection(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	c.want("DELE 1", "+OK")
	if _, err := c.conn.Write([]byte(strings.Repeat("BOGUS\r\n", 25))); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if got := c.line(); !strings.HasPrefix(got, `-ERR unknown command "BOGUS" in TRANSACTION state`) {
			t.Fatalf("reply %d: %q", i, got)
		}
	}
	if got := c.line(); got != "-ERR too many bad commands (20 in a row); closing the connection, nothing deleted" {
		t.Errorf("after 20 bad commands: %q", got)
	}
	c.wantClosed()
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestAGoodCommandResetsTheBadCount(t *testing.T) {
	c := newTestServer(t, func(o *Options) { o.MaxBadCommands = 5 }).dial()
	for round := 0; round < 3; round++ {
		for i := 0; i < 4; i++ {
			c.want("STAT", "-ERR STAT is only valid after login")
		}
		c.multi("CAPA")
	}
	c.want("QUIT", "+OK")
}

func TestAnIdleSessionIsToldAndClosedWithoutUpdate(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.IdleTimeout = 200 * time.Millisecond })
	c := ts.login("alice", "pw")
	c.want("DELE 1", "+OK")
	start := time.Now()
	// RFC 1939: no UPDATE on the autologout timer; like Dovecot, the
	// server says why it closes.
	if l := c.line(); !strings.HasPrefix(l, "-ERR disconnected for inactivity") {
		t.Errorf("at the timeout: %q", l)
	}
	c.wantClosed()
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("closed after %v, want about 200ms", d)
	}
	ts.wantUIDs("alice", 1, 2, 3, 4)
	ts.login("alice", "pw").want("STAT", "+OK 4 ")
}
