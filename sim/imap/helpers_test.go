package imap

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// testServer is an IMAP server on 127.0.0.1:0 over a fresh store holding
// alice (password "pw", INBOX with three messages, Sent, Drafts, Trash)
// and bob ("pw2").
type testServer struct {
	Store *mailstore.Store
	Srv   *Server
	Addr  string // host:port
	Port  string
	log   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(&s.b, format+"\n", args...)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestServer(t testing.TB, opts ...func(*Options)) *testServer {
	t.Helper()
	st := mailstore.New(mailstore.Options{Clock: fixedclock.New(time.Millisecond).Now})
	must(t, st.AddUser("alice", "pw"))
	must(t, st.AddUser("bob", "pw2"))
	for _, mb := range []string{"Sent", "Drafts", "Trash"} {
		must(t, st.CreateMailbox("alice", mb))
	}
	for i := 1; i <= 3; i++ {
		_, err := st.Deliver("alice", testMessage(i))
		must(t, err)
	}
	log := &syncBuffer{}
	o := Options{
		Store:    st,
		Throttle: &authpolicy.Throttle{Base: time.Millisecond, Max: 4 * time.Millisecond},
		Logf:     log.logf,
	}
	for _, f := range opts {
		f(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	srv := NewServer(o)
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", log)
		}
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &testServer{Store: st, Srv: srv, Addr: ln.Addr().String(), Port: port, log: log}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testMessage is message n of the fixture: plain text for odd n,
// multipart with an attachment for even n.
func testMessage(n int) []byte {
	if n%2 == 1 {
		return []byte(fmt.Sprintf("From: Bob <bob@example.org>\r\nTo: Alice <alice@example.com>\r\n"+
			"Subject: Message %d\r\nDate: Wed, 25 Nov 2026 09:00:00 +0700\r\nMessage-ID: <m%d@example.org>\r\n"+
			"Content-Type: text/plain; charset=utf-8\r\n\r\n"+
			"Hello Alice, this is message number %d.\r\n%s\r\n", n, n, n, strings.Repeat("Lorem ipsum dolor sit amet. ", 8)))
	}
	return []byte(fmt.Sprintf("From: Carol <carol@example.net>\r\nTo: alice@example.com\r\n"+
		"Subject: Message %d with attachment\r\nDate: Wed, 25 Nov 2026 10:00:00 +0700\r\nMessage-ID: <m%d@example.net>\r\n"+
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"+
		"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the menu, message %d.\r\n"+
		"--XX\r\nContent-Type: text/plain; name=\"menu.txt\"\r\nContent-Disposition: attachment; filename=\"menu.txt\"\r\n\r\nPho, 45k\r\n"+
		"--XX--\r\n", n, n, n))
}

// rawClient speaks IMAP line by line over TCP, so tests see the exact wire.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
	tag  int
}

func dial(t testing.TB, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	must(t, err)
	c := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	t.Cleanup(func() { conn.Close() })
	if g := c.readLine(); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("greeting: %q", g)
	}
	return c
}

func (ts *testServer) login(t testing.TB, user, pass string) *rawClient {
	t.Helper()
	c := dial(t, ts.Addr)
	c.ok("LOGIN %s %s", user, pass)
	return c
}

func (c *rawClient) send(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatalf("write %q: %v", line, err)
	}
}

var literalRE = regexp.MustCompile(`\{(\d+)\+?\}$`)

// readLine reads one response line; literals are read and kept inline.
func (c *rawClient) readLine() string {
	c.t.Helper()
	line, err := c.readLineErr(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v (so far %q)", err, line)
	}
	return line
}

func (c *rawClient) readLineErr(timeout time.Duration) (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	var sb strings.Builder
	for {
		l, err := c.r.ReadString('\n')
		sb.WriteString(strings.TrimRight(l, "\r\n"))
		if err != nil {
			return sb.String(), err
		}
		m := literalRE.FindStringSubmatch(strings.TrimRight(l, "\r\n"))
		if m == nil {
			return sb.String(), nil
		}
		n, _ := strconv.Atoi(m[1])
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return sb.String(), err
		}
		sb.WriteString("\n")
		sb.Write(buf)
	}
}

// cmd sends a tagged command and returns the untagged lines and the tagged
// status line (without the tag).
func (c *rawClient) cmd(format string, args ...any) (untagged []string, status string) {
	c.t.Helper()
	c.tag++
	tag := fmt.Sprintf("a%d", c.tag)
	c.send(tag + " " + fmt.Sprintf(format, args...))
	for {
		l := c.readLine()
		if strings.HasPrefix(l, tag+" ") {
			return untagged, strings.TrimPrefix(l, tag+" ")
		}
		untagged = append(untagged, l)
	}
}

// ok is cmd that fails the test unless the status is OK.
func (c *rawClient) ok(format string, args ...any) []string {
	c.t.Helper()
	u, st := c.cmd(format, args...)
	if !strings.HasPrefix(st, "OK") {
		c.t.Fatalf("%s: %s (untagged %q)", fmt.Sprintf(format, args...), st, u)
	}
	return u
}

func has(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func wantHas(t testing.TB, lines []string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !has(lines, s) {
			t.Errorf("no line contains %q in:\n%s", s, strings.Join(lines, "\n"))
		}
	}
}
