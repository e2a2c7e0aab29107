package pop3

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
)

func TestShutdownTellsEverySessionAndDeletesNothing(t *testing.T) {
	ts := newTestServer(t)
	busy := ts.login("alice", "pw")
	busy.want("DELE 1", "+OK")
	busy.want("DELE 2", "+OK")
	fresh := ts.dial()
	another := ts.dial()
	ts.Shutdown()
	for _, c := range []*client{busy, fresh, another} {
		if got := c.line(); !strings.HasPrefix(got, "-ERR [SYS/TEMP] server shutting down") {
			t.Errorf("a session got %q at shutdown", got)
		}
		c.wantClosed()
	}
	ts.wantUIDs("alice", 1, 2, 3, 4)
	if nc, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
		nc.Close()
		t.Error("the server still accepts connections after Shutdown")
	}
}

func TestShutdownCutsAThrottledLoginShort(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.Throttle = &authpolicy.Throttle{Base: time.Minute, Max: time.Minute} })
	c := ts.dial()
	c.want("USER alice", "+OK")
	c.send("PASS wrong")
	time.Sleep(50 * time.Millisecond) // the server is now waiting out the throttle
	start := time.Now()
	ts.Shutdown()
	if got := c.line(); !strings.HasPrefix(got, "-ERR [SYS/TEMP] server shutting down") {
		t.Errorf("got %q", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Shutdown took %v while a login was throttled", d)
	}
}

func TestCloseDropsSessionsAndReleasesTheMaildrop(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	c.want("DELE 1", "+OK")
	store := ts.Store
	ts.Close()
	c.wantClosed()
	ts.wantUIDs("alice", 1, 2, 3, 4)
	unlock, err := store.LockMaildrop("alice")
	if err != nil {
		t.Fatalf("the maildrop is still locked after Close: %v", err)
	}
	unlock()
}

func TestServeAfterCloseReturnsNil(t *testing.T) {
	ts := newTestServer(t)
	srv := ts.Server
	ts.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); err != nil {
		t.Errorf("Serve after Close = %v, want nil", err)
	}
}

func TestAPanickingSessionIsClosedAndTheServerGoesOn(t *testing.T) {
	var calls atomic.Int32
	ts := newTestServer(t, func(o *Options) {
		o.Timestamp = func() string {
			if calls.Add(1) == 1 {
				panic("boom")
			}
			return rfcTimestamp
		}
	})
	nc, err := net.Dial("tcp", ts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	newClient(t, nc).wantClosed()
	ts.login("alice", "pw").want("STAT", "+OK 4 ")
	ts.logMu.Lock()
	logs := strings.Join(ts.logs, "\n")
	ts.logMu.Unlock()
	if !strings.Contains(logs, "panic in AUTHORIZATION state, closing: boom") {
		t.Errorf("the panic is not logged:\n%s", logs)
	}
}
