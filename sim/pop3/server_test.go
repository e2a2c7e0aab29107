package pop3

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// rfcTimestamp and the user mrose with secret "tanstaaf" are RFC 1939's
// APOP example: the digest is c4c9334bac560ecc979e58001b3e22fb.
const (
	rfcTimestamp = "<1896.697170952@dbc.mtview.ca.us>"
	rfcDigest    = "c4c9334bac560ecc979e58001b3e22fb"
)

// noFinalCRLF is a message whose last line has no line end.
const noFinalCRLF = "From: Carol <carol@example.org>\r\nSubject: no final line end\r\n\r\nthe last line has no CRLF"

// testSeed is alice's maildrop: a plain message, one with lines that start
// with ".", one with an attachment, and one without a final CRLF (added by
// seedStore).
var testSeed = mailstore.Seed{Users: []mailstore.SeedUser{
	{Name: "alice", Password: "pw", Mailboxes: map[string][]mailstore.SeedMessage{
		"INBOX": {
			{From: "Bob <bob@example.org>", To: "alice@example.org", Subject: "Lunch?",
				Body: "Noon at the usual place?\r\nBob\r\n"},
			{From: "Dot <dot@example.org>", To: "alice@example.org", Subject: "Dots",
				Body: ".hidden starts with a dot\r\n.\r\n..two dots\r\nlast line\r\n"},
			{From: "Bob <bob@example.org>", To: "alice@example.org", Subject: "Menu",
				Body:        "The menu is attached.\r\n",
				Attachments: []mailstore.SeedAttachment{{Name: "menu.txt", Type: "text/plain", Content: "Pho, 45k\nBun cha, 50k\n"}}},
		},
	}},
	{Name: "mrose", Password: "tanstaaf"},
	{Name: "bob", Password: "builder"},
}}

func seedStore(t testing.TB) *mailstore.Store {
	t.Helper()
	st := mailstore.New(mailstore.Options{Clock: fixedclock.New(time.Millisecond).Now, UIDValidity: 7})
	if err := st.Load(testSeed, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Deliver("alice", []byte(noFinalCRLF)); err != nil {
		t.Fatal(err)
	}
	return st
}

// testServer is a POP3 server on 127.0.0.1:0 over a seeded store.
type testServer struct {
	Addr   string
	Store  *mailstore.Store
	Server *Server

	t      testing.TB
	ln     net.Listener
	served chan error
	logMu  sync.Mutex
	logs   []string
}

// newTestServer starts a server; opts adjust its Options first. The
// server closes when the test ends.
func newTestServer(t testing.TB, opts ...func(*Options)) *testServer {
	t.Helper()
	ts := &testServer{t: t, Store: seedStore(t), served: make(chan error, 1)}
	o := Options{
		Store:     ts.Store,
		Timestamp: func() string { return rfcTimestamp },
		Throttle:  &authpolicy.Throttle{Base: time.Millisecond, Max: 2 * time.Millisecond},
		Logf:      ts.logf,
	}
	for _, f := range opts {
		f(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.start(o, ln)
	return ts
}

func (ts *testServer) start(o Options, ln net.Listener) {
	ts.ln = ln
	ts.Addr = ln.Addr().String()
	srv := NewServer(o)
	ts.Server = srv
	go func() { ts.served <- srv.Serve(ln) }()
	ts.t.Cleanup(func() {
		ts.Close()
		if ts.t.Failed() {
			ts.logMu.Lock()
			ts.t.Logf("server log:\n%s", strings.Join(ts.logs, "\n"))
			ts.logMu.Unlock()
		}
	})
}

func (ts *testServer) logf(format string, args ...any) {
	ts.logMu.Lock()
	defer ts.logMu.Unlock()
	ts.logs = append(ts.logs, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
}

// Close closes the server and checks that Serve returned nil.
func (ts *testServer) Close() {
	ts.t.Helper()
	if ts.Server == nil {
		return
	}
	ts.Server.Close()
	ts.Server = nil
	select {
	case err := <-ts.served:
		if err != nil {
			ts.t.Errorf("Serve returned %v after Close, want nil", err)
		}
	case <-time.After(5 * time.Second):
		ts.t.Error("Serve did not return after Close")
	}
}

// Shutdown shuts the server down and checks that Serve returned nil.
func (ts *testServer) Shutdown() {
	ts.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Server.Shutdown(ctx); err != nil {
		ts.t.Errorf("Shutdown: %v", err)
	}
	if err := <-ts.served; err != nil {
		ts.t.Errorf("Serve returned %v after Shutdown, want nil", err)
	}
	ts.Server = nil
}

// uids returns the UIDs in the user's INBOX.
func (ts *testServer) uids(user string) []uint32 {
	ts.t.Helper()
	msgs, _, err := ts.Store.Messages(user, mailstore.Inbox)
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []uint32
	for _, m := range msgs {
		out = append(out, m.UID)
	}
	return out
}

// raw returns the octets of alice's n-th message as seeded (a fresh seed
// gives the same octets, whatever the test did to its store since).
func (ts *testServer) raw(n int) []byte {
	ts.t.Helper()
	msgs, _, err := seedStore(ts.t).Messages("alice", mailstore.Inbox)
	if err != nil {
		ts.t.Fatal(err)
	}
	return msgs[n-1].Raw
}

func (ts *testServer) wantUIDs(user string, want ...uint32) {
	ts.t.Helper()
	if got := ts.uids(user); !slices.Equal(got, want) {
		ts.t.Errorf("%s's INBOX holds UIDs %v, want %v", user, got, want)
	}
}

// client is a raw POP3 client over a socket.
type client struct {
	t        testing.TB
	conn     net.Conn
	r        *bufio.Reader
	greeting string
}

// dial connects and reads the greeting.
func (ts *testServer) dial() *client {
	ts.t.Helper()
	nc, err := net.Dial("tcp", ts.Addr)
	if err != nil {
		ts.t.Fatal(err)
	}
	c := newClient(ts.t, nc)
	c.greeting = c.line()
	if !strings.HasPrefix(c.greeting, "+OK ") {
		ts.t.Fatalf("greeting %q, want +OK", c.greeting)
	}
	return c
}

func newClient(t testing.TB, nc net.Conn) *client {
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, conn: nc, r: bufio.NewReader(nc)}
}

// login logs in with USER/PASS and fails the test unless it works.
func (ts *testServer) login(user, pw string) *client {
	ts.t.Helper()
	c := ts.dial()
	c.want("USER "+user, "+OK")
	c.want("PASS "+pw, "+OK")
	return c
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s+"\r\n"); err != nil {
		c.t.Fatalf("sending %q: %v", s, err)
	}
}

// line reads one reply line without its CRLF.
func (c *client) line() string {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading a reply: %v (got %q)", err, s)
	}
	if !strings.HasSuffix(s, "\r\n") {
		c.t.Fatalf("reply %q does not end with CRLF", s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

// cmd sends a command and returns its first reply line.
func (c *client) cmd(s string) string {
	c.t.Helper()
	c.send(s)
	return c.line()
}

// want sends a command and checks that its reply starts with prefix.
func (c *client) want(cmd, prefix string) string {
	c.t.Helper()
	got := c.cmd(cmd)
	if !strings.HasPrefix(got, prefix) {
		c.t.Fatalf("%s: got %q, want %q...", cmd, got, prefix)
	}
	return got
}

// body reads the lines of a multi-line reply up to ".", undoing the
// byte-stuffing.
func (c *client) body() []string {
	c.t.Helper()
	var out []string
	for {
		l := c.line()
		if l == "." {
			return out
		}
		out = append(out, strings.TrimPrefix(l, "."))
	}
}

// rawBody reads a multi-line reply's octets as sent, terminator included.
func (c *client) rawBody() string {
	c.t.Helper()
	var b strings.Builder
	for {
		s, err := c.r.ReadString('\n')
		b.WriteString(s)
		if err != nil {
			c.t.Fatalf("reading a multi-line reply: %v", err)
		}
		if s == ".\r\n" {
			return b.String()
		}
	}
}

// multi sends a command that answers with a multi-line reply and returns
// the first line and the unstuffed lines.
func (c *client) multi(cmd string) (string, []string) {
	c.t.Helper()
	first := c.want(cmd, "+OK")
	return first, c.body()
}

// wantClosed checks that the server closes the connection with nothing
// more to say.
func (c *client) wantClosed() {
	c.t.Helper()
	s, err := c.r.ReadString('\n')
	if err == nil || s != "" {
		c.t.Fatalf("want the connection closed, got %q, %v", s, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatal("want the connection closed, but it is still open")
	}
}
