package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
	"mailsim/sim/mailstore"
)

// testServer is a Server listening on 127.0.0.1:0.
type testServer struct {
	*Server
	Addr string
	Port string
}

// startServer serves o on a fresh loopback port until the test ends. With
// ImplicitTLS, o.TLSConfig is the listener's.
func startServer(t testing.TB, o Options) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, ln, o)
}

func serveOn(t testing.TB, ln net.Listener, o Options) *testServer {
	t.Helper()
	if o.ImplicitTLS {
		ln = tls.NewListener(ln, o.TLSConfig)
	}
	if o.Logf == nil {
		o.Logf = newTestLog(t).Logf
	}
	s := NewServer(o)
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return &testServer{Server: s, Addr: ln.Addr().String(), Port: port}
}

// testLog keeps what a server logs and echoes it to the test while the
// test runs (t.Logf after the end panics).
type testLog struct {
	t     testing.TB
	mu    sync.Mutex
	lines []string
	done  bool
}

func newTestLog(t testing.TB) *testLog {
	l := &testLog{t: t}
	t.Cleanup(func() {
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
	})
	return l
}

func (l *testLog) Logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, line)
	if !l.done {
		l.t.Logf("log: %s", line)
	}
}

// waitFor polls until some logged line contains s.
func (l *testLog) waitFor(s string) bool {
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		l.mu.Lock()
		for _, line := range l.lines {
			if strings.Contains(line, s) {
				l.mu.Unlock()
				return true
			}
		}
		l.mu.Unlock()
	}
	return false
}

// idSeq hands out deterministic IDs: PREFIX0001, PREFIX0002, ...
type idSeq struct {
	mu     sync.Mutex
	prefix string
	n      int
}

func (s *idSeq) next() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("%s%04d", s.prefix, s.n)
}

// acceptLog records what a server accepted.
type acceptLog struct {
	mu   sync.Mutex
	list []Accepted
}

func (a *acceptLog) add(x Accepted) {
	a.mu.Lock()
	a.list = append(a.list, x)
	a.mu.Unlock()
}

func (a *acceptLog) all() []Accepted {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Accepted(nil), a.list...)
}

// world is two simulated providers, example.com and example.org, each with
// a store, a submission server (587 and 465 roles), an MX and an MTA that
// resolves the other provider's domain to its MX.
type world struct {
	ca     *certs.Authority
	caFile string
	clock  *fixedclock.Clock
	com    *provider
	org    *provider
	byName map[string]*provider
}

type provider struct {
	domain     string
	store      *mailstore.Store
	sub, smtps *testServer
	mx         *testServer
	mta        *MTA
	log        *testLog
	accepted   *acceptLog
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ca, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	w := &world{ca: ca, caFile: filepath.Join(t.TempDir(), "ca.pem"), clock: fixedclock.New(time.Millisecond), byName: map[string]*provider{}}
	if err := ca.SaveCA(w.caFile); err != nil {
		t.Fatal(err)
	}
	w.com = w.newProvider(t, "example.com", "COM", "alice", "carol")
	w.org = w.newProvider(t, "example.org", "ORG", "bob")
	w.com.run(t)
	w.org.run(t)
	return w
}

func (w *world) resolve(domain string) (string, error) {
	p, ok := w.byName[strings.ToLower(domain)]
	if !ok {
		return "", fmt.Errorf("no MX for %s in the simulator's name table", domain)
	}
	return p.mx.Addr, nil
}

func (w *world) newProvider(t testing.TB, domain, idPrefix string, users ...string) *provider {
	t.Helper()
	st := mailstore.New(mailstore.Options{Clock: w.clock.Now})
	for _, u := range users {
		if err := st.AddUser(u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	subTLS, err := w.ca.ServerConfig("smtp." + domain)
	if err != nil {
		t.Fatal(err)
	}
	mxTLS, err := w.ca.ServerConfig("mx." + domain)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{domain: domain, store: st, log: newTestLog(t), accepted: &acceptLog{}}
	ids := &idSeq{prefix: idPrefix}
	p.mta = NewMTA(MTAOptions{
		Hostname:    "smtp." + domain,
		Resolve:     w.resolve,
		TLS:         &tls.Config{RootCAs: w.ca.Pool()},
		RetryDelays: []time.Duration{20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond},
		Bounce:      bounceInto(st, domain, p.log),
		Clock:       w.clock.Now,
		NewID:       ids.next,
		Logf:        p.log.Logf,
	})
	base := Options{
		Domain:   domain,
		Store:    st,
		Throttle: &authpolicy.Throttle{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond},
		Clock:    w.clock.Now,
		Logf:     p.log.Logf,
		NewID:    ids.next,
		OnAccept: p.accepted.add,
	}
	o := base
	o.Role, o.TLSConfig, o.MTA = Submission, subTLS, p.mta
	p.sub = startServer(t, o)
	o.ImplicitTLS = true
	p.smtps = startServer(t, o)
	o = base
	o.Role, o.TLSConfig = MX, mxTLS
	p.mx = startServer(t, o)
	w.byName[domain] = p
	return p
}

// run starts the provider's relay worker until the test ends.
func (p *provider) run(t testing.TB) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.mta.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; p.mta.Close() })
}

// bounceInto is how a provider wires MTAOptions.Bounce: the DSN goes to
// the sender's INBOX if the sender is local.
func bounceInto(st *mailstore.Store, domain string, log *testLog) func(string, []byte) {
	return func(sender string, dsn []byte) {
		local, d, ok := splitAddress(sender)
		if !ok || !strings.EqualFold(d, domain) {
			log.Logf("bounce for foreign sender %s dropped", sender)
			return
		}
		if _, err := st.Deliver(local, dsn); err != nil {
			log.Logf("bounce to %s: %v", sender, err)
		}
	}
}

// waitMessages polls until user's INBOX holds n messages, and returns them.
func waitMessages(t testing.TB, st *mailstore.Store, user string, n int) []*mailstore.Message {
	t.Helper()
	var msgs []*mailstore.Message
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		var err error
		msgs, _, err = st.Messages(user, mailstore.Inbox)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n {
			break
		}
	}
	if len(msgs) != n {
		t.Fatalf("%s has %d messages, want %d", user, len(msgs), n)
	}
	return msgs
}

// inbox returns the user's INBOX right now.
func inbox(t testing.TB, st *mailstore.Store, user string) []*mailstore.Message {
	t.Helper()
	msgs, _, err := st.Messages(user, mailstore.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// wireConn speaks raw SMTP lines, to see exactly what the server answers.
type wireConn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func dialWire(t testing.TB, addr string) *wireConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	w := &wireConn{t: t, c: c, r: bufio.NewReader(c)}
	w.expect("220 ")
	return w
}

// greeted dials and says EHLO; it returns the EHLO reply.
func greeted(t testing.TB, addr string) (*wireConn, string) {
	t.Helper()
	w := dialWire(t, addr)
	return w, w.cmd("EHLO client.test")
}

// authed dials, says EHLO and logs in as alice with AUTH PLAIN.
func authed(t testing.TB, addr string) *wireConn {
	t.Helper()
	w, _ := greeted(t, addr)
	w.send("AUTH PLAIN AGFsaWNlAHB3") // \0alice\0pw
	w.expect("235 2.0.0")
	return w
}

func (w *wireConn) send(line string) {
	w.t.Helper()
	w.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := w.c.Write([]byte(line + "\r\n")); err != nil {
		w.t.Fatalf("C: %s: %v", line, err)
	}
}

// reply reads one whole (possibly multi-line) reply.
func (w *wireConn) reply() string {
	w.t.Helper()
	w.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var lines []string
	for {
		line, err := w.r.ReadString('\n')
		if err != nil {
			w.t.Fatalf("reading reply after %q: %v", lines, err)
		}
		line = strings.TrimRight(line, "\r\n")
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

// expect reads a reply and checks that its last line starts with prefix.
func (w *wireConn) expect(prefix string) string {
	w.t.Helper()
	r := w.reply()
	last := r[strings.LastIndexByte(r, '\n')+1:]
	if !strings.HasPrefix(last, prefix) {
		w.t.Fatalf("S: %q, want %q...", r, prefix)
	}
	return r
}

func (w *wireConn) cmd(line string) string {
	w.t.Helper()
	w.send(line)
	return w.reply()
}

func (w *wireConn) cmdExpect(line, prefix string) string {
	w.t.Helper()
	w.send(line)
	return w.expect(prefix)
}

// sendMessage runs MAIL, RCPT and DATA with body (CRLF lines, already
// dot-stuffed) and returns the final reply.
func (w *wireConn) sendMessage(from string, rcpts []string, body string) string {
	w.t.Helper()
	w.cmdExpect("MAIL FROM:<"+from+">", "250 ")
	for _, r := range rcpts {
		w.cmdExpect("RCPT TO:<"+r+">", "250 ")
	}
	w.cmdExpect("DATA", "354 ")
	w.c.Write([]byte(body + ".\r\n"))
	return w.reply()
}

// localServer is a lone provider's server (no MTA) on a plain store with
// alice and carol, for the wire tests.
func localServer(t testing.TB, role Role, mod func(*Options)) (*testServer, *mailstore.Store, *testLog) {
	t.Helper()
	st := mailstore.New(mailstore.Options{Clock: fixedclock.New(time.Millisecond).Now})
	for _, u := range []string{"alice", "carol"} {
		if err := st.AddUser(u, "pw"); err != nil {
			t.Fatal(err)
		}
	}
	log := newTestLog(t)
	ids := &idSeq{prefix: "ID"}
	o := Options{Role: role, Domain: "example.com", Store: st, Logf: log.Logf, NewID: ids.next,
		Clock: fixedclock.New(time.Millisecond).Now, Throttle: &authpolicy.Throttle{Base: time.Millisecond, Max: 5 * time.Millisecond}}
	if mod != nil {
		mod(&o)
	}
	return startServer(t, o), st, log
}
