package imap

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"mailsim/sim/loadgen"
)

// TestSharedMailboxStalledReaderBlocksNobody: 20 sessions on one big
// mailbox, one of which stops reading in the middle of a large FETCH
// answer, so that the server's write to it blocks. The other 19 still
// select, fetch every envelope, change flags and see a new delivery: no
// lock of the store or of the session registry is held while a
// response is written. Run with -race, it also checks the shared
// mailbox's data for races.
func TestSharedMailboxStalledReaderBlocksNobody(t *testing.T) {
	const messages = 6000 // FETCH 1:* (BODY.PEEK[]) is ~4 MB: more than the socket buffers
	ts := newTestServer(t)
	for i := 4; i <= messages; i++ {
		_, err := ts.Store.Deliver("alice", loadgen.SeedMessage(i))
		must(t, err)
	}

	// The stalled client: a tiny receive buffer, and it reads nothing
	// after sending the FETCH.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", ts.Addr)
	must(t, err)
	defer conn.Close()
	stalled := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	stalled.readLine()
	stalled.ok("LOGIN alice pw")
	stalled.ok("SELECT INBOX")
	stalled.send("s1 FETCH 1:* (BODY.PEEK[])")
	time.Sleep(200 * time.Millisecond) // the server fills the socket and blocks

	var wg sync.WaitGroup
	errs := make(chan error, 19)
	done := make(chan struct{})
	for i := 0; i < 19; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- sharedSession(ts.Addr, i+1)
		}()
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the other sessions did not finish while one client stalled: a lock is held during a write")
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if _, err := ts.Store.Deliver("alice", loadgen.SeedMessage(messages+1)); err != nil {
		t.Fatal(err)
	}

	// The stalled client reads its answer at last: complete, then the
	// new message's EXISTS with its next command.
	// The other sessions' flag changes come as FETCH (FLAGS ...) too.
	n := 0
	var updates []string
	for {
		l := stalled.readLine()
		if strings.HasPrefix(l, "s1 ") {
			if !strings.HasPrefix(l, "s1 OK") {
				t.Fatalf("stalled FETCH: %s", l)
			}
			break
		}
		if strings.Contains(l, " FETCH (BODY[] {") {
			n++
		} else {
			updates = append(updates, l)
		}
	}
	if n != messages {
		t.Errorf("stalled FETCH: %d responses, want %d", n, messages)
	}
	updates = append(updates, stalled.ok("NOOP")...)
	wantHas(t, updates, fmt.Sprintf("* %d EXISTS", messages+1), `FLAGS (\Flagged`)
}

// sharedSession is one of the other sessions: SELECT, every envelope,
// a flag change, one body.
func sharedSession(addr string, i int) error {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(50 * time.Second))
	r := bufio.NewReaderSize(conn, 64<<10)
	if _, err := r.ReadSlice('\n'); err != nil {
		return err
	}
	for j, cmd := range []string{"LOGIN alice pw", "SELECT INBOX", "FETCH 1:* (FLAGS ENVELOPE)",
		fmt.Sprintf("STORE %d +FLAGS (\\Flagged)", i), fmt.Sprintf("FETCH %d BODY[]", 100+i), "LOGOUT"} {
		tag := fmt.Sprintf("t%d", j)
		if _, err := fmt.Fprintf(conn, "%s %s\r\n", tag, cmd); err != nil {
			return err
		}
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return fmt.Errorf("session %d, %s: %v", i, cmd, err)
			}
			if strings.HasPrefix(line, tag+" ") {
				if !strings.HasPrefix(line, tag+" OK") {
					return fmt.Errorf("session %d, %s: %s", i, cmd, line)
				}
				break
			}
			if k := strings.LastIndexByte(strings.TrimRight(line, "\r\n"), '{'); k >= 0 && strings.HasSuffix(strings.TrimRight(line, "\r\n"), "}") {
				var n int
				fmt.Sscanf(strings.TrimRight(line, "\r\n")[k:], "{%d}", &n)
				if _, err := r.Discard(n); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
