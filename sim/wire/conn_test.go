package wire

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testTLS returns matching server and client configs for a fresh
// self-signed ECDSA certificate for 127.0.0.1.
func testTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mailsim test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// lineRW reads and writes CRLF lines, failing the test on errors.
type lineRW struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func newLineRW(t testing.TB, c net.Conn) *lineRW {
	return &lineRW{t: t, c: c, br: bufio.NewReader(c)}
}

func (rw *lineRW) send(s string) {
	if _, err := io.WriteString(rw.c, s+"\r\n"); err != nil {
		rw.t.Errorf("write %q: %v", s, err)
	}
}

func (rw *lineRW) expect(want string) {
	rw.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := rw.br.ReadString('\n')
	if err != nil || got != want+"\r\n" {
		rw.t.Errorf("read %q, %v; want %q", got, err, want)
	}
}

func records(us []Unit) (n int, kinds map[string]bool) {
	kinds = map[string]bool{}
	for _, u := range us {
		if u.Layer == Cipher {
			if strings.HasSuffix(u.Text, "TLS records "+Undecrypted+": "+errNoSecretYet.Error()+"]") {
				continue // the close's summary of what a tap without secrets could not open
			}
			if u.Kind != Record || !strings.HasPrefix(u.Text, "[TLS ") {
				kinds["bad "+u.Text] = true
			}
			n++
			kinds[strings.Fields(u.Text)[1]] = true
		}
	}
	return n, kinds
}

func TestSTLSSwitchesBothTapsToTLS(t *testing.T) {
	serverCfg, clientCfg := testTLS(t)
	srvCol, cliCol := newCollector(), newCollector()
	l := NewRecorder(srvCol, Options{}).Listener(listen(t), POP3)

	done := make(chan error, 1)
	go func() {
		// a server that upgrades the tapped conn itself, as go-smtp and go-imap do
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		rw := newLineRW(t, c)
		rw.send("+OK ready")
		rw.expect("STLS")
		rw.send("+OK begin TLS")
		tc := tls.Server(c, serverCfg)
		if err := tc.Handshake(); err != nil {
			done <- err
			return
		}
		if tap, ok := AsConn(tc); !ok || !tap.TLS() || !tap.IsLoopback() {
			done <- fmt.Errorf("AsConn(tls conn) = %v, %v", tap, ok)
			return
		}
		rw = newLineRW(t, tc)
		rw.send("+OK inside")
		rw.expect("QUIT")
		rw.send("+OK bye")
		done <- tc.Close()
	}()

	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	tap := NewRecorder(cliCol, Options{}).Conn(raw, POP3, ClientSide)
	rw := newLineRW(t, tap)
	rw.expect("+OK ready")
	rw.send("STLS")
	rw.expect("+OK begin TLS")
	if !tap.TLS() {
		t.Error("client tap did not notice STLS +OK")
	}
	inner := tap.StartTLS(tls.Client(tap, clientCfg))
	rw = newLineRW(t, inner)
	rw.expect("+OK inside")
	rw.send("QUIT")
	rw.expect("+OK bye")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	inner.Close()
	srvCol.waitClosed(t, 1)
	cliCol.waitClosed(t, 1)

	plain := []string{
		`S line [] [] "+OK ready"`,
		`C line [STLS] [] "STLS"`,
		`S line [STLS] [] "+OK begin TLS"`,
	}
	for side, col := range map[string]*collector{"server": srvCol, "client": cliCol} {
		us := col.all()
		if got := briefs(us, Plain); !reflect.DeepEqual(got, plain) {
			t.Errorf("%s plain units:\n%s", side, join(got))
		}
		n, kinds := records(us)
		if n < 4 || !kinds["handshake,"] || !kinds["application"] || len(kinds) > 4 {
			t.Errorf("%s: %d records, kinds %v", side, n, kinds)
		}
		if col.closes[1] != nil {
			t.Errorf("%s closed with %v", side, col.closes[1])
		}
	}
	if got := briefs(srvCol.all(), Inner); got != nil {
		t.Errorf("server tap under the server's own TLS sees plaintext: %v", got)
	}
	wantInner := []string{
		`S line [] [] "+OK inside"`,
		`C line [QUIT] [] "QUIT"`,
		`S line [QUIT] [] "+OK bye"`,
	}
	if got := briefs(cliCol.all(), Inner); !reflect.DeepEqual(got, wantInner) {
		t.Errorf("client inner units:\n%s", join(got))
	}
}

func TestTLSListenerRecordsCipherAndInnerLayers(t *testing.T) {
	serverCfg, clientCfg := testTLS(t)
	col := newCollector()
	l := NewRecorder(col, Options{}).TLSListener(listen(t), IMAP, serverCfg)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		tap, ok := AsConn(c)
		rw := newLineRW(t, c)
		rw.send(fmt.Sprintf("* OK tls=%v", ok && tap.TLS()))
		rw.expect("A1 LOGOUT")
		rw.send("* BYE")
		rw.send("A1 OK")
	}()
	c, err := tls.Dial("tcp", l.Addr().String(), clientCfg)
	if err != nil {
		t.Fatal(err)
	}
	rw := newLineRW(t, c)
	rw.expect("* OK tls=true")
	rw.send("A1 LOGOUT")
	rw.expect("* BYE")
	rw.expect("A1 OK")
	c.Close()
	col.waitClosed(t, 1)

	us := col.all()
	if len(col.opens) != 1 || !col.opens[0].ImplicitTLS || col.opens[0].Side != ServerSide {
		t.Errorf("opens: %+v", col.opens)
	}
	if got := briefs(us, Plain); got != nil {
		t.Errorf("plain units under implicit TLS: %v", got)
	}
	want := []string{
		`S line [] [*] "* OK tls=true"`,
		`C line [LOGOUT] [A1] "A1 LOGOUT"`,
		`S line [LOGOUT] [*] "* BYE"`,
		`S line [LOGOUT] [A1] "A1 OK"`,
	}
	if got := briefs(us, Inner); !reflect.DeepEqual(got, want) {
		t.Errorf("inner units:\n%s", join(got))
	}
	if n, kinds := records(us); n < 4 || !kinds["handshake,"] {
		t.Errorf("%d records, kinds %v", n, kinds)
	}
	for i, u := range us {
		if u.Seq != i {
			t.Fatalf("unit %d has Seq %d", i, u.Seq)
		}
	}
}

func TestGarbageOnTheCipherLayerIsSummarisedNotFatal(t *testing.T) {
	s, col := newTestSession(t, POP3, Options{})
	s.mu.Lock()
	s.switchToCipherLocked()
	s.mu.Unlock()
	s.record(ClientToServer, false, []byte{22, 3, 1, 0, 2, 1, 1})
	s.record(ClientToServer, false, []byte("USER bob\r\n"))
	s.record(ServerToClient, false, []byte{23, 3, 3, 0, 10, 1})
	s.close()
	var got []string
	for _, u := range col.all() {
		got = append(got, fmt.Sprintf("%s %s %d %v", u.Dir, u.Text, u.Len, u.Cut))
	}
	want := []string{
		"C [TLS handshake, 2 bytes] 7 false",
		"C [not TLS, 10 bytes] 10 false",
		"S [TLS application data, 10 bytes, cut after 1] 6 true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s", join(got))
	}
}

// countingConn counts the writes that reach the network.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

type countingListener struct {
	net.Listener
	writes atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, &l.writes}, nil
}

func TestCoalescingTurnsManySmallWritesIntoFew(t *testing.T) {
	const lines = 1000
	cl := &countingListener{Listener: listen(t)}
	col := newCollector()
	l := NewRecorder(col, Options{}).Listener(cl, IMAP)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		for i := range lines {
			fmt.Fprintf(c, "* %d FETCH (FLAGS (\\Seen))\r\n", i+1)
		}
		io.Copy(io.Discard, c) // a Read flushes; then wait for the client to go
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	sc := bufio.NewScanner(c)
	for i := range lines {
		if !sc.Scan() || sc.Text() != fmt.Sprintf("* %d FETCH (FLAGS (\\Seen))", i+1) {
			t.Fatalf("line %d: %q, %v", i, sc.Text(), sc.Err())
		}
	}
	c.Close()
	col.waitClosed(t, 1)
	if n := cl.writes.Load(); n > lines/4 {
		t.Errorf("%d writes reached the network for %d lines", n, lines)
	}
	if n := len(col.all()); n != lines {
		t.Errorf("recorded %d units", n)
	}
}

func TestCoalescedWritesAreFlushedWithoutARead(t *testing.T) {
	l := NewRecorder(nil, Options{}).Listener(listen(t), SMTP)
	hold := make(chan struct{})
	defer close(hold)
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "220 mx ready\r\n")
		<-hold
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rw := newLineRW(t, c)
	start := time.Now()
	rw.expect("220 mx ready")
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("greeting took %v", d)
	}
}

// fakeConn is an in-memory net.Conn for the coalescer.
type fakeConn struct {
	mu     sync.Mutex
	writes int
	data   []byte
	fail   error
}

func (f *fakeConn) Read([]byte) (int, error) { return 0, io.EOF }
func (f *fakeConn) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.fail != nil {
		return 0, f.fail
	}
	f.data = append(f.data, p...)
	return len(p), nil
}
func (f *fakeConn) Close() error        { return nil }
func (f *fakeConn) LocalAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 110} }
func (f *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

func TestCoalescer(t *testing.T) {
	t.Run("a failed flush is reported by the next write and by Close", func(t *testing.T) {
		boom := errors.New("connection reset")
		fc := &fakeConn{fail: boom}
		col := newCollector()
		c := NewRecorder(col, Options{}).Conn(fc, POP3, ServerSide)
		if n, err := c.Write([]byte("+OK\r\n")); n != 5 || err != nil {
			t.Fatalf("buffered write = %d, %v", n, err)
		}
		c.Read(make([]byte, 10)) // flushes
		if _, err := c.Write([]byte("+OK\r\n")); !errors.Is(err, boom) {
			t.Errorf("next write: %v", err)
		}
		c.Close()
		if err := col.closes[1]; !errors.Is(err, boom) {
			t.Errorf("sink Close got %v", err)
		}
	})
	t.Run("big writes go out in order after what is buffered", func(t *testing.T) {
		fc := &fakeConn{}
		c := NewRecorder(nil, Options{}).Conn(fc, POP3, ServerSide)
		big := strings.Repeat("z", 40<<10)
		c.Write([]byte("a"))
		c.Write([]byte(big))
		c.Write([]byte("b"))
		c.Close()
		if string(fc.data) != "a"+big+"b" {
			t.Errorf("wrote %d bytes, not in order", len(fc.data))
		}
		if _, err := c.Write([]byte("late")); err == nil {
			t.Error("write after Close succeeded")
		}
	})
	t.Run("client-side taps do not coalesce", func(t *testing.T) {
		fc := &fakeConn{}
		c := NewRecorder(nil, Options{}).Conn(fc, POP3, ClientSide)
		c.Write([]byte("USER bob\r\n"))
		if fc.writes != 1 || !c.IsLoopback() {
			t.Errorf("writes %d loopback %v", fc.writes, c.IsLoopback())
		}
	})
}

func BenchmarkTapServerWrites(b *testing.B) {
	fc := &fakeConn{}
	c := NewRecorder(nil, Options{}).Conn(fc, IMAP, ServerSide)
	line := []byte("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Write(line)
		if i%4096 == 0 {
			fc.mu.Lock()
			fc.data = fc.data[:0]
			fc.mu.Unlock()
		}
	}
	c.Close()
	b.ReportMetric(float64(fc.writes)/float64(b.N), "syscalls/op")
}
