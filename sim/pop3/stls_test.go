package pop3

import (
	"bytes"
	"crypto/tls"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
)

var testCA = sync.OnceValues(certs.NewAuthority)

func authority(t testing.TB) *certs.Authority {
	t.Helper()
	ca, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

// withTLS gives the server a certificate for pop.example.com, which
// enables STLS.
func withTLS(t testing.TB) func(*Options) {
	cfg, err := authority(t).ServerConfig("pop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	return func(o *Options) { o.TLSConfig = cfg }
}

// startTLS sends STLS and runs the client side of the handshake.
func (c *client) startTLS() {
	c.t.Helper()
	c.want("STLS", "+OK begin TLS negotiation")
	if n := c.r.Buffered(); n != 0 {
		c.t.Fatalf("the server sent %d more octets in clear text after +OK to STLS", n)
	}
	tc := tls.Client(c.conn, authority(c.t).ClientConfig("pop.example.com"))
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("TLS handshake after STLS: %v", err)
	}
	c.conn = tc
	c.r.Reset(tc)
}

func TestSTLSStartsTLSAndThenAllowsPasswords(t *testing.T) {
	ts := newTestServer(t, withTLS(t), func(o *Options) { o.Plaintext = authpolicy.TLSOnly })
	c := ts.dial()
	c.want("USER alice", "-ERR [AUTH]")
	c.startTLS()
	_, caps := c.multi("CAPA")
	if slices.Contains(caps, "STLS") || !slices.Contains(caps, "USER") || !slices.Contains(caps, "SASL PLAIN") {
		t.Errorf("CAPA under TLS = %q, want USER and SASL PLAIN and no STLS", caps)
	}
	c.want("STLS", "-ERR TLS is already active on this connection")
	c.want("AUTH PLAIN "+b64("\x00alice\x00pw"), "+OK alice has 4 messages")
	c.want("RETR 1", "+OK")
	c.body()
	c.want("QUIT", "+OK")
}

func TestSTLSDiscardsCommandsPipelinedInClearText(t *testing.T) {
	ts := newTestServer(t, withTLS(t))
	c := ts.dial()
	// An attacker in the middle appends CAPA to the client's STLS: the
	// server must not answer it, in clear text or inside TLS.
	if _, err := c.conn.Write([]byte("STLS\r\nCAPA\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := c.line(); got != "+OK begin TLS negotiation" {
		t.Fatalf("STLS: %q", got)
	}
	if n := c.r.Buffered(); n != 0 {
		t.Fatalf("the server answered the pipelined CAPA in clear text: %d octets", n)
	}
	tc := tls.Client(c.conn, authority(t).ClientConfig("pop.example.com"))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake (the server may have written clear text into it): %v", err)
	}
	c.conn = tc
	c.r.Reset(tc)
	// The first reply inside TLS answers USER, not the injected CAPA.
	c.want("USER alice", "+OK send PASS")
	c.want("PASS pw", "+OK")
	c.want("QUIT", "+OK")
	ts.logMu.Lock()
	logs := strings.Join(ts.logs, "\n")
	ts.logMu.Unlock()
	if !strings.Contains(logs, "discarding 6 octets pipelined after STLS") {
		t.Errorf("the log does not mention the discarded CAPA:\n%s", logs)
	}
}

func TestSTLSForgetsTheUserGivenBeforeTLS(t *testing.T) {
	ts := newTestServer(t, withTLS(t))
	c := ts.dial()
	c.want("USER alice", "+OK")
	c.startTLS()
	c.want("PASS pw", "-ERR PASS needs USER first")
}

func TestSTLSIsRefusedWithoutACertificate(t *testing.T) {
	c := newTestServer(t).dial()
	c.want("STLS", "-ERR STLS is not available: this server has no TLS certificate")
	c.want("STLS extra", "-ERR STLS takes no arguments")
}

func TestImplicitTLSCountsAsSecureAndOffersNoSTLS(t *testing.T) {
	ts := &testServer{t: t, Store: seedStore(t), served: make(chan error, 1)}
	cfg, err := authority(t).ServerConfig("pop.example.com")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts.start(Options{Store: ts.Store, TLSConfig: cfg, ImplicitTLS: true, Plaintext: authpolicy.TLSOnly, Logf: ts.logf}, ln)
	nc, err := tls.Dial("tcp", ts.Addr, authority(t).ClientConfig("pop.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, nc)
	c.line()
	_, caps := c.multi("CAPA")
	if slices.Contains(caps, "STLS") || !slices.Contains(caps, "USER") {
		t.Errorf("CAPA on implicit TLS = %q, want USER and no STLS", caps)
	}
	c.want("STLS", "-ERR TLS is already active")
	c.want("USER alice", "+OK")
	c.want("PASS pw", "+OK")
}

// tapListener wraps accepted conns in tapConn, as sim/wire does.
type tapListener struct {
	net.Listener
	secure bool
	mu     sync.Mutex
	taps   []*tapConn
}

func (l *tapListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &tapConn{Conn: nc, secure: l.secure}
	l.mu.Lock()
	l.taps = append(l.taps, tc)
	l.mu.Unlock()
	return tc, nil
}

// tapConn reports TLS like the wire tap, and records the plaintext that
// crosses the conn StartTLS returns.
type tapConn struct {
	net.Conn
	secure bool

	mu      sync.Mutex
	started bool
	inner   bytes.Buffer
}

func (t *tapConn) TLS() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.secure || t.started
}

func (t *tapConn) StartTLS(tlsConn net.Conn) net.Conn {
	t.mu.Lock()
	t.started = true
	t.mu.Unlock()
	return &innerConn{Conn: tlsConn, tap: t}
}

func (t *tapConn) recorded() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inner.String()
}

type innerConn struct {
	net.Conn
	tap *tapConn
}

func (c *innerConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.tap.mu.Lock()
	c.tap.inner.WriteString("C: " + string(p[:n]))
	c.tap.mu.Unlock()
	return n, err
}

func (c *innerConn) Write(p []byte) (int, error) {
	c.tap.mu.Lock()
	c.tap.inner.WriteString("S: " + string(p))
	c.tap.mu.Unlock()
	return c.Conn.Write(p)
}

func startTapped(t *testing.T, secure bool, opts ...func(*Options)) (*testServer, *tapListener) {
	ts := &testServer{t: t, Store: seedStore(t), served: make(chan error, 1)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := &tapListener{Listener: ln, secure: secure}
	o := Options{Store: ts.Store, Plaintext: authpolicy.TLSOnly, Logf: ts.logf}
	for _, f := range opts {
		f(&o)
	}
	ts.start(o, tl)
	return ts, tl
}

func TestATapThatReportsTLSIsTrusted(t *testing.T) {
	ts, _ := startTapped(t, true)
	c := ts.dial()
	c.want("USER alice", "+OK")
	c.want("PASS pw", "+OK")
}

func TestSTLSHandsTheTLSConnToTheTap(t *testing.T) {
	ts, tl := startTapped(t, false, withTLS(t))
	c := ts.dial()
	c.startTLS()
	c.want("USER alice", "+OK")
	c.want("PASS pw", "+OK")
	c.want("QUIT", "+OK")
	c.wantClosed()
	tl.mu.Lock()
	tap := tl.taps[0]
	tl.mu.Unlock()
	got := tap.recorded()
	for _, want := range []string{"C: USER alice\r\n", "S: +OK send PASS\r\n", "C: PASS pw\r\n", "C: QUIT\r\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("the tap recorded inside TLS:\n%s\nwhich lacks %q", got, want)
		}
	}
}
