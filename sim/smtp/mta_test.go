package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
	"mailsim/sim/mailstore"
)

// relayRig is example.com's MTA alone (no worker: Flush drives it) and
// example.org's store, whose MX the test starts when it likes.
type relayRig struct {
	ca       *certs.Authority
	com, org *mailstore.Store
	mta      *MTA
	log      *testLog
	mxAddr   string // where Resolve sends example.org
	mu       sync.Mutex
	dials    int
}

func newRelayRig(t *testing.T, delays ...time.Duration) *relayRig {
	t.Helper()
	ca, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	clock := fixedclock.New(time.Millisecond)
	r := &relayRig{ca: ca, com: mailstore.New(mailstore.Options{Clock: clock.Now}), org: mailstore.New(mailstore.Options{Clock: clock.Now}), log: newTestLog(t)}
	r.com.AddUser("alice", "pw")
	r.org.AddUser("bob", "pw")
	// A port with nothing listening, until startMX.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.mxAddr = ln.Addr().String()
	ln.Close()
	ids := &idSeq{prefix: "Q"}
	d := &net.Dialer{}
	r.mta = NewMTA(MTAOptions{
		Hostname: "smtp.example.com",
		Resolve: func(domain string) (string, error) {
			if domain == "example.org" {
				return r.mxAddr, nil
			}
			return "", fmt.Errorf("no such domain")
		},
		Dial: func(ctx context.Context, addr string) (net.Conn, error) {
			r.mu.Lock()
			r.dials++
			r.mu.Unlock()
			return d.DialContext(ctx, "tcp", addr)
		},
		TLS:         &tls.Config{RootCAs: ca.Pool()},
		RetryDelays: delays,
		Bounce:      bounceInto(r.com, "example.com", r.log),
		Clock:       clock.Now,
		NewID:       ids.next,
		Logf:        r.log.Logf,
	})
	t.Cleanup(r.mta.Close)
	return r
}

// startMX starts example.org's MX on the rig's address.
func (r *relayRig) startMX(t *testing.T) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", r.mxAddr)
	if err != nil {
		t.Skipf("port %s was taken meanwhile: %v", r.mxAddr, err)
	}
	cfg, _ := r.ca.ServerConfig("mx.example.org")
	return serveOn(t, ln, Options{Role: MX, Domain: "example.org", Store: r.org, TLSConfig: cfg, Logf: r.log.Logf})
}

func flush(t *testing.T, m *MTA) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

const testMessage = "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: relay me\r\n\r\nHi Bob.\r\n.\r\n..dots survive\r\n"

func TestMTARetriesUntilTheMXComesUp(t *testing.T) {
	r := newRelayRig(t, time.Hour, time.Hour)
	id, err := r.mta.Enqueue("alice@example.com", []string{"bob@example.org"}, []byte(testMessage))
	if err != nil {
		t.Fatal(err)
	}
	flush(t, r.mta)
	q := r.mta.Queue()
	if len(q) != 1 || q[0].ID != id || q[0].Attempts != 1 || !strings.Contains(q[0].LastError, "connect") || q[0].NextTry.IsZero() {
		t.Fatalf("after a refused connection the queue is %+v", q)
	}
	r.startMX(t)
	flush(t, r.mta)
	if q := r.mta.Queue(); len(q) != 0 {
		t.Fatalf("queue after delivery: %+v", q)
	}
	flush(t, r.mta) // nothing left to send: no duplicate
	msgs := inbox(t, r.org, "bob")
	if len(msgs) != 1 {
		t.Fatalf("bob has %d messages, want exactly 1", len(msgs))
	}
	raw := string(msgs[0].Raw)
	for _, want := range []string{
		"Received: from smtp.example.com ([127.0.0.1])\r\n\tby mx.example.org with ESMTPS id ",
		"Received: by smtp.example.com with local id " + id,
		"Hi Bob.\r\n.\r\n..dots survive\r\n",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("bob's message lacks %q:\n%s", want, raw)
		}
	}
	if n := len(inbox(t, r.com, "alice")); n != 0 {
		t.Errorf("alice got %d messages (a bounce?), want none", n)
	}
}

func TestMTABouncesAPermanentFailure(t *testing.T) {
	r := newRelayRig(t, time.Hour)
	r.startMX(t)
	id, err := r.mta.Enqueue("alice@example.com", []string{"nobody@example.org", "bob@example.org"}, []byte(testMessage))
	if err != nil {
		t.Fatal(err)
	}
	flush(t, r.mta)
	if q := r.mta.Queue(); len(q) != 0 {
		t.Fatalf("queue: %+v", q)
	}
	if n := len(inbox(t, r.org, "bob")); n != 1 {
		t.Errorf("bob has %d messages, want 1", n)
	}
	bounces := inbox(t, r.com, "alice")
	if len(bounces) != 1 {
		t.Fatalf("alice has %d messages, want 1 DSN", len(bounces))
	}
	dsn := string(bounces[0].Raw)
	for _, want := range []string{
		"From: Mail Delivery System <MAILER-DAEMON@smtp.example.com>\r\n",
		"Content-Type: multipart/report; report-type=delivery-status;",
		"Content-Type: message/delivery-status\r\n",
		"Reporting-MTA: dns; smtp.example.com\r\n",
		"X-Mailsim-Queue-ID: " + id + "\r\n",
		"Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n",
		"Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: no such user here\r\n",
		"Content-Type: text/rfc822-headers\r\n\r\nReceived: by smtp.example.com",
		"Subject: relay me\r\n",
	} {
		if !strings.Contains(dsn, want) {
			t.Errorf("DSN lacks %q:\n%s", want, dsn)
		}
	}
	if strings.Contains(dsn, "bob@example.org\r\nAction") || strings.Contains(dsn, "Hi Bob.") {
		t.Errorf("DSN names the delivered recipient or carries the body:\n%s", dsn)
	}
	if bounces[0].Subject != "Undelivered Mail Returned to Sender" {
		t.Errorf("DSN subject %q", bounces[0].Subject)
	}
}

func TestMTABouncesWhenRetriesRunOut(t *testing.T) {
	r := newRelayRig(t, time.Millisecond, time.Millisecond)
	r.mta.Enqueue("alice@example.com", []string{"bob@example.org"}, []byte(testMessage))
	for i := 0; i < 3; i++ {
		if n := len(inbox(t, r.com, "alice")); n != 0 {
			t.Fatalf("bounced after %d attempts, want 3", i)
		}
		flush(t, r.mta)
	}
	if q := r.mta.Queue(); len(q) != 0 {
		t.Fatalf("queue: %+v", q)
	}
	dsn := string(inbox(t, r.com, "alice")[0].Raw)
	if !strings.Contains(dsn, "Status: 4.4.1\r\n") || !strings.Contains(dsn, "connect to "+r.mxAddr) {
		t.Errorf("DSN:\n%s", dsn)
	}
	if r.dials != 3 {
		t.Errorf("%d connection attempts, want 3", r.dials)
	}
}

func TestMTABouncesAnUnknownDomainAtOnce(t *testing.T) {
	r := newRelayRig(t, time.Hour)
	r.mta.Enqueue("alice@example.com", []string{"who@nowhere.test"}, []byte(testMessage))
	flush(t, r.mta)
	dsn := string(inbox(t, r.com, "alice")[0].Raw)
	if !strings.Contains(dsn, "Status: 5.1.2\r\n") || !strings.Contains(dsn, "nowhere.test") {
		t.Errorf("DSN:\n%s", dsn)
	}
	if r.dials != 0 {
		t.Errorf("dialled %d times for an unknown domain", r.dials)
	}
}

func TestMTANeverBouncesABounce(t *testing.T) {
	r := newRelayRig(t, time.Hour)
	r.mta.Enqueue("", []string{"who@nowhere.test"}, []byte(testMessage))
	flush(t, r.mta)
	if n := len(inbox(t, r.com, "alice")); n != 0 {
		t.Errorf("alice got %d messages", n)
	}
	if !r.log.waitFor("null sender") {
		t.Error("dropped bounce not logged")
	}
}

func TestMTARefusesBadInputAndWorkAfterClose(t *testing.T) {
	r := newRelayRig(t)
	if _, err := r.mta.Enqueue("alice@example.com", nil, []byte("x")); err == nil {
		t.Error("no recipients accepted")
	}
	if _, err := r.mta.Enqueue("alice@example.com", []string{"bob"}, []byte("x")); err == nil {
		t.Error("recipient without a domain accepted")
	}
	r.mta.Close()
	if _, err := r.mta.Enqueue("alice@example.com", []string{"bob@example.org"}, []byte("x")); err == nil {
		t.Error("enqueued after Close")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := r.mta.Run(ctx); err != nil {
		t.Errorf("Run after Close: %v, want nil at once", err)
	}
}

func TestMTAWorkerRetriesOnItsOwn(t *testing.T) {
	r := newRelayRig(t, 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.mta.Run(ctx) }()
	r.mta.Enqueue("alice@example.com", []string{"bob@example.org"}, []byte(testMessage))
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if q := r.mta.Queue(); len(q) == 1 && q[0].Attempts >= 2 {
			break
		}
	}
	r.startMX(t)
	waitMessages(t, r.org, "bob", 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
	if n := len(inbox(t, r.org, "bob")); n != 1 {
		t.Errorf("bob has %d messages, want 1", n)
	}
}

func TestMTARelaysInPlainTextWhenTheMXHasNoTLS(t *testing.T) {
	r := newRelayRig(t, time.Hour)
	ln, err := net.Listen("tcp", r.mxAddr)
	if err != nil {
		t.Fatalf("listening again on the MX's address: %v", err)
	}
	serveOn(t, ln, Options{Role: MX, Domain: "example.org", Store: r.org, Logf: r.log.Logf, Throttle: &authpolicy.Throttle{}})
	r.mta.Enqueue("alice@example.com", []string{"bob@example.org"}, []byte(testMessage))
	flush(t, r.mta)
	raw := string(inbox(t, r.org, "bob")[0].Raw)
	if !strings.Contains(raw, "by mx.example.org with ESMTP id") {
		t.Errorf("want a plain ESMTP hop:\n%s", raw)
	}
}

// fakeTap stands in for sim/wire's client-side tap: it records what
// crosses it, and the plain text inside TLS once StartTLS tells it.
type fakeTap struct {
	net.Conn
	mu           sync.Mutex
	outer, inner *bytes.Buffer
}

func (f *fakeTap) Write(b []byte) (int, error) {
	f.mu.Lock()
	f.outer.Write(b)
	f.mu.Unlock()
	return f.Conn.Write(b)
}

func (f *fakeTap) StartTLS(tlsConn net.Conn) net.Conn { return &innerTap{Conn: tlsConn, f: f} }

type innerTap struct {
	net.Conn
	f *fakeTap
}

func (i *innerTap) Write(b []byte) (int, error) {
	i.f.mu.Lock()
	i.f.inner.Write(b)
	i.f.mu.Unlock()
	return i.Conn.Write(b)
}

func TestMTATellsATapWhenTLSStarts(t *testing.T) {
	r := newRelayRig(t, time.Hour)
	r.startMX(t)
	tap := &fakeTap{outer: &bytes.Buffer{}, inner: &bytes.Buffer{}}
	r.mta.o.Dial = func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		tap.Conn = c
		return tap, err
	}
	r.mta.Enqueue("alice@example.com", []string{"bob@example.org"}, []byte(testMessage))
	flush(t, r.mta)
	waitMessages(t, r.org, "bob", 1)
	outer, inner := tap.outer.String(), tap.inner.String()
	if !strings.HasPrefix(outer, "EHLO smtp.example.com\r\nSTARTTLS\r\n") || strings.Contains(outer, "MAIL FROM") {
		t.Errorf("outer (plain text, then cipher) starts %q", outer[:min(len(outer), 60)])
	}
	if !strings.HasPrefix(inner, "EHLO smtp.example.com\r\nMAIL FROM:<alice@example.com> BODY=8BITMIME SIZE=") || !strings.Contains(inner, "Hi Bob.") {
		t.Errorf("inner plain text:\n%s", inner)
	}
}
