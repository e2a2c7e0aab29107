package imap

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
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

// clientMistakes are commands with a client's mistake in them, each sent
// in the state named, as the adversarial pass and real clients sent them.
var clientMistakes = []struct {
	name, state string // state: "new", "auth" or "selected"
	lines       []string
}{
	{"bad base64 in AUTHENTICATE's initial response", "new", []string{"AUTHENTICATE PLAIN !!!not-base64"}},
	{"bad base64 after AUTHENTICATE's continuation", "new", []string{"AUTHENTICATE PLAIN", "!!!not-base64"}},
	{"= as the whole PLAIN response", "new", []string{"AUTHENTICATE PLAIN ="}},
	{"= after the continuation", "new", []string{"AUTHENTICATE PLAIN", "="}},
	{"XOAUTH2", "new", []string{"AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB4AQE="}},
	{"a PLAIN response without NULs", "new", []string{"AUTHENTICATE PLAIN YWxpY2U="}},
	{"a NUL in a mailbox name", "auth", []string{"CREATE {3+}", "a\x00b"}},
	{"invalid UTF-8 in a mailbox name", "auth", []string{"SELECT \"\xff\xfe\""}},
	{"bad modified UTF-7 in a mailbox name", "auth", []string{"SELECT \"&Jjo\""}},
	{"FETCH 0", "selected", []string{"FETCH 0 FLAGS"}},
	{"FETCH -1", "selected", []string{"FETCH -1 FLAGS"}},
	{"FETCH 4294967296", "selected", []string{"FETCH 4294967296 FLAGS"}},
	{"FETCH error (FLAGS)", "selected", []string{"FETCH error (FLAGS)"}},
	{"UID FETCH x FLAGS", "selected", []string{"UID FETCH x FLAGS"}},
	{"UID FETCH 1:* (BODY[1.x])", "selected", []string{"UID FETCH 1:* (BODY[1.x])"}},
	{"SEARCH SUBJECT hello world", "selected", []string{"SEARCH SUBJECT hello world"}},
	{"SEARCH FOO", "selected", []string{"SEARCH FOO"}},
	{"a bad SEARCH date", "selected", []string{"SEARCH SINCE 32-Foo-2020"}},
	{"parentheses over depth 1000", "selected", []string{"SEARCH " + strings.Repeat("(", 1001) + "ALL" + strings.Repeat(")", 1001)}},
	{"12,000 NOTs", "selected", []string{"SEARCH " + strings.Repeat("NOT ", 12000) + "ALL"}},
	{"an OR chain of 2,000", "selected", []string{"SEARCH " + strings.Repeat("OR ALL ", 2000) + "ALL"}},
	{"an oversized STORE", "selected", []string{"STORE 1 +FLAGS (" + strings.Repeat("kw ", 20000) + ")"}},
	{"STORE with a bad flag", "selected", []string{"STORE 1 +FLAGS (\\Bogus\\)"}},
	{"a bad APPEND date", "auth", []string{"APPEND Drafts \"99-Foo-2020 00:00:00 +0000\" {3+}", "abc"}},
	{"STATUS of an unknown item", "auth", []string{"STATUS INBOX (BOGUS)"}},
	{"LIST with an unknown option", "auth", []string{"LIST (BOGUS) \"\" *"}},
	{"ENABLE nothing", "auth", []string{"ENABLE"}},
	{"COPY 0", "selected", []string{"COPY 0 Trash"}},
	{"MOVE 4294967296", "selected", []string{"MOVE 4294967296 Trash"}},
}

func TestClientMistakesAreNeverServerBugs(t *testing.T) {
	ts := newTestServer(t)
	for _, m := range clientMistakes {
		t.Run(m.name, func(t *testing.T) {
			var c *rawClient
			switch m.state {
			case "new":
				c = dial(t, ts.Addr)
			case "auth":
				c = ts.login(t, "alice", "pw")
			default:
				c = ts.login(t, "alice", "pw")
				c.ok("SELECT INBOX")
			}
			c.send("m1 " + m.lines[0])
			for _, l := range m.lines[1:] {
				if strings.HasPrefix(m.lines[0], "AUTHENTICATE") {
					if got := c.readLine(); !strings.HasPrefix(got, "+") {
						t.Fatalf("wanted a continuation, got %q", got)
					}
				}
				c.send(l)
			}
			var answer string
			for {
				l, err := c.readLineErr(5 * time.Second)
				if err != nil {
					t.Fatalf("no answer: %v (got %q)", err, l)
				}
				if strings.HasPrefix(l, "m1 ") || strings.HasPrefix(l, "* BYE") {
					answer = l
					break
				}
			}
			if strings.Contains(answer, "SERVERBUG") || !strings.HasPrefix(answer, "m1 BAD") && !strings.HasPrefix(answer, "m1 NO [") {
				t.Errorf("%q answered %q, want BAD or NO with a code", m.lines[0][:min(len(m.lines[0]), 40)], answer)
			}
			// The session goes on.
			if _, st := c.cmd("NOOP"); !strings.HasPrefix(st, "OK") {
				t.Errorf("NOOP after the mistake: %q", st)
			}
		})
	}
	if strings.Contains(ts.log.String(), "SERVERBUG") {
		t.Errorf("log:\n%s", ts.log)
	}
}

func TestASearchTreeIsCappedAndRealSearchesStillWork(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login(t, "alice", "pw")
	c.ok("SELECT INBOX")
	for _, q := range []string{
		strings.Repeat("NOT ", 12000) + "ALL",
		strings.Repeat("OR ALL ", 5000) + "ALL",
		strings.Repeat("(", 200) + "ALL" + strings.Repeat(")", 200),
		strings.Repeat("SEEN ", 600),
	} {
		if _, st := c.cmd("SEARCH %s", q); !strings.HasPrefix(st, "BAD [CLIENTBUG] SEARCH too complex") {
			t.Errorf("SEARCH %s...: %q", q[:20], st)
		}
	}
	// What clients send stays well inside: a Thunderbird-style OR chain
	// over a few fields, nested NOTs.
	u := c.ok("SEARCH %s", strings.Repeat("OR SUBJECT x ", 20)+"NOT NOT (SUBJECT Message)")
	wantHas(t, u, "* SEARCH 1 2 3")
}

func TestAnotherAccountsLoginDoesNotResetTheThrottle(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Throttle = &authpolicy.Throttle{Base: 20 * time.Millisecond, Max: 160 * time.Millisecond}
	})
	c := dial(t, ts.Addr)
	var last time.Duration
	for i := 0; i < 5; i++ {
		other := ts.login(t, "bob", "pw2") // a valid login for someone else, from the same IP
		other.ok("LOGOUT")
		start := time.Now()
		if _, st := c.cmd("LOGIN alice wrong%d", i); !strings.HasPrefix(st, "NO [AUTHENTICATIONFAILED]") {
			t.Fatalf("wrong password: %q", st)
		}
		last = time.Since(start)
	}
	if last < 160*time.Millisecond {
		t.Errorf("the 5th wrong password for alice was answered in %v, want the doubled 160ms", last)
	}
}

func TestFailedLoginsWaitingCannotLockOutTheRoom(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Throttle = &authpolicy.Throttle{Base: 3 * time.Second, Max: 3 * time.Second, MaxPending: 2}
	})
	// A guess at alice's password waits out its delay; alice herself, from
	// the same address (a classroom's NAT), still logs in at once.
	g1 := dial(t, ts.Addr)
	g1.send("g1 LOGIN alice guess1")
	start := time.Now()
	ts.login(t, "alice", "pw")
	if d := time.Since(start); d > time.Second {
		t.Errorf("alice waited %v while a guess at her password was pending", d)
	}
	// With MaxPending guesses waiting, further logins from that address
	// are refused unchecked (so the guesser cannot fill its slots), ...
	g2 := dial(t, ts.Addr)
	g2.send("g2 LOGIN alice guess2")
	local := g2.conn.LocalAddr()
	waitUntil(t, func() bool { return ts.Srv.throttle.Busy(local, "alice") })
	c := dial(t, ts.Addr)
	start = time.Now()
	if _, st := c.cmd("LOGIN bob pw2"); !strings.HasPrefix(st, "NO [UNAVAILABLE]") || time.Since(start) > time.Second {
		t.Errorf("a login while %d failures wait: %q after %v", 2, st, time.Since(start))
	}
	// ... and answered again once the delays are over.
	for _, g := range []*rawClient{g1, g2} {
		if l, err := g.readLineErr(5 * time.Second); err != nil || !strings.Contains(l, "NO [AUTHENTICATIONFAILED]") {
			t.Fatalf("the guess: %q, %v", l, err)
		}
	}
	ts.login(t, "bob", "pw2")
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("condition never held")
		}
	}
}

// farListener makes every accepted connection look as if it came from
// 192.0.2.10 (TEST-NET-1), a peer off loopback.
type farListener struct{ net.Listener }

type farConn struct{ net.Conn }

func (l farListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return farConn{c}, nil
}

func (farConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.ParseIP("192.0.2.10"), Port: 40000} }

func TestOffLoopbackIMAPAdvertisesLOGINDISABLEDBeforeTLS(t *testing.T) {
	ca, err := certs.NewAuthority()
	must(t, err)
	cfg, err := ca.ServerConfig("imap.example.com")
	must(t, err)
	ts := newTestServer(t) // for its store
	srv := NewServer(Options{Store: ts.Store, TLSConfig: cfg, Logf: ts.log.logf})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go srv.Serve(farListener{ln})
	t.Cleanup(func() { srv.Close() })

	c := dial(t, ln.Addr().String())
	u := c.ok("CAPABILITY")
	wantHas(t, u, "LOGINDISABLED", "STARTTLS")
	if has(u, "AUTH=") {
		t.Errorf("AUTH= offered before TLS off loopback: %q", u)
	}
	if _, st := c.cmd("LOGIN alice pw"); !strings.HasPrefix(st, "NO [PRIVACYREQUIRED]") {
		t.Errorf("LOGIN before TLS: %q", st)
	}
	// After STARTTLS the password may cross.
	c.ok("STARTTLS")
	tc := tls.Client(c.conn, ca.ClientConfig("imap.example.com"))
	must(t, tc.Handshake())
	c.conn, c.r = tc, bufio.NewReader(tc)
	u = c.ok("CAPABILITY")
	wantHas(t, u, "AUTH=PLAIN")
	if has(u, "LOGINDISABLED") {
		t.Errorf("LOGINDISABLED inside TLS: %q", u)
	}
	c.ok("LOGIN alice pw")
}

func TestKeywordsAreCappedPerMailboxAndCheapToAdd(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login(t, "alice", "pw")
	c.ok("SELECT INBOX")
	words := func(from, n int) string {
		var b strings.Builder
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, " kw%d", i)
		}
		return strings.TrimSpace(b.String())
	}
	c.ok("STORE 1 +FLAGS (%s)", words(0, mailstore.MaxKeywords-1))
	c.ok("STORE 2 +FLAGS (kw0 kw1 $Label1)") // one new: exactly the cap
	if _, st := c.cmd("STORE 3 +FLAGS (brand-new)"); !strings.HasPrefix(st, "NO [LIMIT]") {
		t.Fatalf("keyword %d: %q", mailstore.MaxKeywords+1, st)
	}
	// A flood is refused whole, quickly, and changes nothing.
	for batch := 0; batch < 10; batch++ {
		start := time.Now()
		if _, st := c.cmd("STORE 1:* +FLAGS (%s)", words(1000+batch*6000, 6000)); !strings.HasPrefix(st, "NO [LIMIT]") {
			t.Fatalf("batch %d: %q", batch, st)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("batch %d took %v", batch, d)
		}
	}
	if _, st := c.cmd("APPEND INBOX (other) {3+}\r\nabc"); !strings.HasPrefix(st, "NO [LIMIT]") {
		t.Fatalf("APPEND with a new keyword: %q", st)
	}
	c2 := ts.login(t, "alice", "pw")
	u := c2.ok("SELECT INBOX")
	for _, l := range u {
		if strings.HasPrefix(l, "* FLAGS") && len(l) > 2000 {
			t.Errorf("FLAGS is %d octets", len(l))
		}
	}
}
