package imap

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"mailsim/sim/loadgen"
)

// benchServer is a server whose alice has 1,000 messages in INBOX, and a
// client that has selected it.
func benchServer(b *testing.B) *rawClient {
	ts := newTestServer(b)
	for i := 4; i <= 1000; i++ {
		if _, err := ts.Store.Deliver("alice", testMessage(i)); err != nil {
			b.Fatal(err)
		}
	}
	c := ts.login(b, "alice", "pw")
	c.ok("SELECT INBOX")
	return c
}

func BenchmarkFetchEnvelopes(b *testing.B) {
	c := benchServer(b)
	c.ok("FETCH 1:* (FLAGS ENVELOPE)") // warm the parse cache, as a real client's second look
	b.ResetTimer()
	for b.Loop() {
		u := c.ok("FETCH 1:* (FLAGS ENVELOPE)")
		if len(u) != 1000 || !strings.Contains(u[999], "ENVELOPE") {
			b.Fatalf("got %d responses", len(u))
		}
	}
}

func BenchmarkFetchBody(b *testing.B) {
	c := benchServer(b)
	b.ResetTimer()
	for b.Loop() {
		u := c.ok("FETCH 1:* (BODY.PEEK[])")
		if len(u) != 1000 {
			b.Fatalf("got %d responses", len(u))
		}
	}
}

// BenchmarkFetchEnvelopes5Users fetches FLAGS ENVELOPE of 5 users' 1,000
// messages each in turn: more messages than a 4,096-entry cache holds, as
// in the 20-user load test.
func BenchmarkFetchEnvelopes5Users(b *testing.B) {
	ts := newTestServer(b)
	users := []string{"u1", "u2", "u3", "u4", "u5"}
	var clients []*rawClient
	for _, u := range users {
		must(b, ts.Store.AddUser(u, "pw"))
		for i := 1; i <= 1000; i++ {
			_, err := ts.Store.Deliver(u, testMessage(i))
			must(b, err)
		}
		c := ts.login(b, u, "pw")
		c.ok("SELECT INBOX")
		c.ok("FETCH 1:* (FLAGS ENVELOPE)")
		clients = append(clients, c)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range clients {
			if u := c.ok("FETCH 1:* (FLAGS ENVELOPE)"); len(u) != 1000 {
				b.Fatalf("got %d responses", len(u))
			}
		}
	}
}

// bigMailbox is the size of the shared mailbox of issue 17's benchmarks:
// 50,000 messages of about 630 octets (loadgen.SeedMessage), as
// bench/dovecot.sh's shared-mailbox workload fills it.
const bigMailbox = 50_000

// bigServer is a server whose alice has bigMailbox benchmark messages
// in INBOX (after the fixture's three), and the raw octets delivered.
func bigServer(b *testing.B) (*testServer, int64) { return serverOf(b, bigMailbox) }

// serverOf is a server whose alice has n messages in INBOX (the
// fixture's three, then benchmark messages), and the raw octets of the
// benchmark messages.
func serverOf(tb testing.TB, n int) (*testServer, int64) {
	ts := newTestServer(tb)
	var raw int64
	for i := 4; i <= n; i++ {
		m := loadgen.SeedMessage(i)
		raw += int64(len(m))
		if _, err := ts.Store.Deliver("alice", m); err != nil {
			tb.Fatal(err)
		}
	}
	return ts, raw
}

// leanClient reads responses without keeping them, so that a benchmark's
// allocations are the server's.
type leanClient struct {
	conn net.Conn
	r    *bufio.Reader
	tag  int
	buf  []byte
}

func dialLean(b testing.TB, addr string) *leanClient {
	conn, err := net.Dial("tcp", addr)
	must(b, err)
	b.Cleanup(func() { conn.Close() })
	c := &leanClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}
	if _, err := c.r.ReadSlice('\n'); err != nil {
		b.Fatal(err)
	}
	return c
}

// cmd sends a tagged command and reads to its tagged reply, counting the
// untagged lines; it fails unless the reply is OK.
func (c *leanClient) cmd(b testing.TB, cmd string) int {
	c.tag++
	c.buf = append(strconv.AppendInt(append(c.buf[:0], 'x'), int64(c.tag), 10), ' ')
	tag := len(c.buf)
	c.buf = append(append(c.buf, cmd...), "\r\n"...)
	if _, err := c.conn.Write(c.buf); err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			b.Fatalf("%s: %v", cmd, err)
		}
		if bytes.HasPrefix(line, c.buf[:tag]) {
			if !bytes.HasPrefix(line[tag:], []byte("OK")) {
				b.Fatalf("%s: %s", cmd, line)
			}
			return n
		}
		n++
	}
}

// BenchmarkFetchEnvelope50k is FETCH 1:* (FLAGS ENVELOPE) over a mailbox
// of 50,000 messages whose envelopes a first FETCH has computed, with
// the cost per message: issue 17 asks for at most one allocation.
func BenchmarkFetchEnvelope50k(b *testing.B) {
	ts, _ := bigServer(b)
	c := dialLean(b, ts.Addr)
	c.cmd(b, "LOGIN alice pw")
	c.cmd(b, "SELECT INBOX")
	c.cmd(b, "FETCH 1:* (FLAGS ENVELOPE)")
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if got := c.cmd(b, "FETCH 1:* (FLAGS ENVELOPE)"); got != bigMailbox {
			b.Fatalf("got %d responses, want %d", got, bigMailbox)
		}
		n += bigMailbox
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/message")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/float64(n), "allocs/message")
}

// sharedMailboxHeap returns the heap that a mailbox of n messages takes
// once the given number of sessions (one connection each) have selected
// it and fetched every envelope, as bench/dovecot.sh's shared workload
// does, measured after a collection with the sessions still selected;
// and the raw octets of the mailbox's benchmark messages.
func sharedMailboxHeap(tb testing.TB, n, sessions int) (heap float64, raw int64) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	ts, raw := serverOf(tb, n)
	for range sessions {
		c := dialLean(tb, ts.Addr)
		c.cmd(tb, "LOGIN alice pw")
		c.cmd(tb, "SELECT INBOX")
		c.cmd(tb, "FETCH 1:* (FLAGS ENVELOPE)")
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(ts)
	return float64(m1.HeapAlloc) - float64(m0.HeapAlloc), raw
}

// BenchmarkBigMailboxMemory reports the heap a 50,000-message mailbox
// takes once 1 or 20 sessions have selected it and fetched every
// envelope: per message, over the messages' own octets, and per session
// beyond the first.
func BenchmarkBigMailboxMemory(b *testing.B) {
	var one float64
	for _, sessions := range []int{1, 20} {
		b.Run(fmt.Sprintf("sessions=%d", sessions), func(b *testing.B) {
			for b.Loop() {
				heap, raw := sharedMailboxHeap(b, bigMailbox, sessions)
				b.ReportMetric(heap/bigMailbox, "heap-bytes/message")
				b.ReportMetric(float64(raw)/(bigMailbox-3), "raw-bytes/message")
				b.ReportMetric(heap/float64(raw), "heap/raw")
				if sessions == 1 {
					one = heap
				} else if one > 0 {
					b.ReportMetric((heap-one)/float64(sessions-1), "bytes/extra-session")
				}
			}
		})
	}
}

// maxSharedOverhead bounds TestSharedMailboxMemory: heap per message
// beyond the raw octets of 10,000 messages, 20 sessions selected. It
// measures about 475 (store ~260, kept envelope ~175, the 20
// connections' buffers ~40); a doubling fails (the tree before issue
// 17's memory work measured 809).
const maxSharedOverhead = 700

// TestSharedMailboxMemory fails if a shared mailbox's memory per message
// beyond its octets grows past maxSharedOverhead with 20 sessions
// selected (issue 17's target: RSS at most 2.5 x raw + 50 MB).
func TestSharedMailboxMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("delivers 10,000 messages")
	}
	const n = 10_000
	heap, raw := sharedMailboxHeap(t, n, 20)
	over := (heap - float64(raw)) / n
	t.Logf("%.0f heap octets per message, %.0f beyond the raw ones (20 sessions selected)", heap/n, over)
	if over > maxSharedOverhead {
		t.Errorf("a shared mailbox takes %.0f octets per message beyond the raw ones, more than %d (sim/mailstore/doc.go)", over, maxSharedOverhead)
	}
}
