package wire

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// session is the state one tapped connection shares between its outer tap
// (the raw conn) and its inner tap (the plaintext inside TLS).
type session struct {
	r    *Recorder
	info ConnInfo
	tls  atomic.Bool

	mu     sync.Mutex
	seq    int
	closed bool
	cipher bool // the outer tap sees TLS records
	err    error
	fr     framer
	rec    [2]recordParser
	// dec opens the TLS records of a server-side session that has no inner
	// tap (a STARTTLS a protocol library does by itself); innerTap is set
	// once an inner tap records the plaintext, and dec then only reads the
	// hellos (to let go of the session's logged secrets at close).
	dec      *tlsDecrypter
	innerTap bool
}

func (r *Recorder) newSession(c net.Conn, p Protocol, side Side, implicitTLS bool) *session {
	s := &session{r: r, info: ConnInfo{
		ID:          r.last.Add(1),
		Protocol:    p,
		Side:        side,
		Local:       addrString(c.LocalAddr()),
		Remote:      addrString(c.RemoteAddr()),
		ImplicitTLS: implicitTLS,
	}}
	s.fr.init(s, p, r.opt)
	if side == ServerSide {
		s.dec = &tlsDecrypter{}
	}
	if implicitTLS {
		s.cipher = true
		s.fr.layer = Inner
		s.tls.Store(true)
	}
	r.sink.Open(s.info)
	return s
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// emit stamps u and hands it to the sink. The caller holds s.mu.
func (s *session) emit(u Unit) {
	u.Conn = s.info.ID
	u.Seq = s.seq
	s.seq++
	u.Time = s.r.opt.Clock()
	s.r.sink.Unit(u)
}

// record frames p, which crossed in direction dir through the outer tap
// (inner false) or the inner tap (inner true).
func (s *session) record(dir Direction, inner bool, p []byte) {
	if len(p) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if !inner && s.cipher {
		s.rec[dir].feed(s, dir, p)
		return
	}
	for len(p) > 0 {
		n := s.fr.feed(dir, p)
		p = p[n:]
		if s.fr.switchNow {
			s.fr.switchNow = false
			s.switchToCipherLocked()
			if !inner {
				s.rec[dir].feed(s, dir, p)
				return
			}
		}
	}
}

// openLocked hands a whole TLS record (raw holds its first total octets)
// to the decrypter. It returns the application data opened (from this
// record or from earlier ones that waited for their secret) and why this
// record cannot be opened, if it cannot. The caller holds s.mu.
func (s *session) openLocked(dir Direction, raw []byte, total int) ([]opened, string) {
	if s.dec == nil {
		return nil, ""
	}
	if len(raw) != total { // cut by MaxUnitBytes: the record cannot be opened, nor any after it
		if !s.innerTap && s.dec.dirs[dir].on && s.dec.dirs[dir].off == "" {
			s.dec.dirs[dir].off = "a TLS record was longer than the tap keeps"
		}
		return nil, s.dec.dirs[dir].off
	}
	return s.dec.take(s.r.keys, dir, raw, !s.innerTap)
}

// frameInnerLocked frames plaintext decrypted from TLS records as Layer
// Inner. The caller holds s.mu.
func (s *session) frameInnerLocked(dir Direction, p []byte) {
	for len(p) > 0 {
		n := s.fr.feed(dir, p)
		p = p[n:]
		s.fr.switchNow = false // a second STARTTLS inside TLS is the protocol's error, not a new layer
	}
}

// switchToCipherLocked makes the outer tap record TLS records from now on
// and the framer record the Inner layer. The caller holds s.mu.
func (s *session) switchToCipherLocked() {
	s.tls.Store(true)
	if s.cipher {
		return
	}
	s.fr.flush()
	s.fr.reset()
	s.fr.layer = Inner
	s.cipher = true
}

func (s *session) noteErr(err error) {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) {
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return
	}
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

// close emits what is left half-framed as cut units and reports the close once.
func (s *session) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.fr.flush()
	s.rec[ClientToServer].flush(s, ClientToServer)
	s.rec[ServerToClient].flush(s, ServerToClient)
	if s.dec != nil {
		for _, o := range s.dec.retry(s.r.keys, nil) {
			s.frameInnerLocked(o.dir, o.p)
		}
		s.fr.flush()
		if n := s.dec.unopened(); n > 0 {
			s.emit(Unit{Layer: Cipher, Kind: Record, Len: 0, Cut: true,
				Text: fmt.Sprintf("[%d TLS records %s: %s]", n, Undecrypted, errNoSecretYet)})
		}
		if s.dec.haveCR {
			s.r.keys.forget(s.dec.cr)
		}
	}
	s.closed = true
	s.r.sink.Close(s.info.ID, s.err)
}

// Conn is a tapped connection. It implements net.Conn; reads and writes pass
// through to the wrapped connection and are recorded on the way.
type Conn struct {
	nc       net.Conn
	s        *session
	inner    bool
	readDir  Direction
	writeDir Direction
	co       *coalescer // nil: writes go straight through
}

var _ net.Conn = (*Conn)(nil)

func newConn(nc net.Conn, s *session, inner, coalesce bool) *Conn {
	c := &Conn{nc: nc, s: s, inner: inner, readDir: ClientToServer, writeDir: ServerToClient}
	if s.info.Side == ClientSide {
		c.readDir, c.writeDir = ServerToClient, ClientToServer
	}
	if coalesce {
		c.co = newCoalescer(nc, s)
	}
	return c
}

// Conn taps one connection. With side ServerSide, reads are the client's
// bytes and writes are coalesced (see Listener); with ClientSide, writes are
// the client's bytes and pass straight through.
func (r *Recorder) Conn(c net.Conn, p Protocol, side Side) *Conn {
	s := r.newSession(c, p, side, false)
	return newConn(c, s, false, side == ServerSide)
}

// ID returns the connection id that the units of this connection carry.
func (c *Conn) ID() uint64 { return c.s.info.ID }

// Protocol returns the protocol the connection is framed as.
func (c *Conn) Protocol() Protocol { return c.s.info.Protocol }

// TLS reports whether TLS has started on the connection: implicit TLS, a
// StartTLS call, or a successful STLS/STARTTLS exchange seen on the wire.
func (c *Conn) TLS() bool { return c.s.tls.Load() }

// IsLoopback reports whether the peer's address is a loopback address.
func (c *Conn) IsLoopback() bool {
	a := c.nc.RemoteAddr()
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.IsLoopback()
	}
	if a == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().IsLoopback()
}

// StartTLS is called by an endpoint that has just wrapped this conn in TLS
// (after STLS/STARTTLS, or for implicit TLS on the client side). It returns a
// net.Conn wrapping tlsConn that records the plaintext as Layer Inner with
// the same connection id and framing state; from then on this (outer) Conn
// records Cipher records. It works for both sides.
func (c *Conn) StartTLS(tlsConn net.Conn) net.Conn {
	c.s.mu.Lock()
	c.s.switchToCipherLocked()
	c.s.innerTap = true
	c.s.mu.Unlock()
	return newConn(tlsConn, c.s, true, false)
}

// AsConn finds the tap under c: c itself, or the conn under wrappers that
// expose it with a NetConn method, such as *tls.Conn.
func AsConn(c net.Conn) (*Conn, bool) {
	for i := 0; c != nil && i < 8; i++ {
		if t, ok := c.(*Conn); ok {
			return t, true
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = u.NetConn()
	}
	return nil, false
}

// Read reads from the wrapped conn and records what it got. On a server-side
// tap it first flushes coalesced writes.
func (c *Conn) Read(p []byte) (int, error) {
	if c.co != nil {
		c.co.flushIfBuffered()
	}
	n, err := c.nc.Read(p)
	if n > 0 {
		c.s.record(c.readDir, c.inner, p[:n])
	}
	c.s.noteErr(err)
	return n, err
}

// Write records p and writes it. On a server-side tap p is buffered and
// flushed shortly after (Write then returns len(p), nil at once; a failed
// flush is reported by the next call).
func (c *Conn) Write(p []byte) (int, error) {
	if c.co != nil {
		if err := c.co.failed(); err != nil {
			return 0, err
		}
		c.s.record(c.writeDir, c.inner, p)
		return c.co.write(p)
	}
	c.s.record(c.writeDir, c.inner, p)
	n, err := c.nc.Write(p)
	c.s.noteErr(err)
	return n, err
}

// Close flushes coalesced writes, closes the wrapped conn and reports the
// end of the connection (once) to the sink, with partial units emitted cut.
func (c *Conn) Close() error {
	var ferr error
	if c.co != nil {
		ferr = c.co.close()
	}
	err := c.nc.Close()
	c.s.close()
	if err == nil {
		err = ferr
	}
	return err
}

// LocalAddr returns the wrapped conn's local address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the wrapped conn's remote address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// SetDeadline passes through to the wrapped conn, after flushing coalesced
// writes so that they go out under the deadline they were written under
// (tls.Conn.Close sets the write deadline to now after its close_notify).
func (c *Conn) SetDeadline(t time.Time) error {
	c.flushBeforeDeadline()
	return c.nc.SetDeadline(t)
}

// SetReadDeadline passes through to the wrapped conn.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// SetWriteDeadline passes through to the wrapped conn, after flushing
// coalesced writes (see SetDeadline).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.flushBeforeDeadline()
	return c.nc.SetWriteDeadline(t)
}

func (c *Conn) flushBeforeDeadline() {
	if c.co != nil {
		c.co.flushIfBuffered()
	}
}

// listener taps every accepted conn.
type listener struct {
	net.Listener
	r   *Recorder
	p   Protocol
	cfg *tls.Config // nil: plain
}

// Listener wraps l: every accepted conn is tapped at the ServerSide with
// write coalescing on.
func (r *Recorder) Listener(l net.Listener, p Protocol) net.Listener {
	return &listener{Listener: l, r: r, p: p}
}

// TLSListener wraps l for implicit TLS (POP3S 995, IMAPS 993, SMTPS 465):
// the raw conn is tapped (Layer Cipher records), a tls.Server runs over it,
// and the plaintext inside is tapped too (Layer Inner), same conn id.
// Coalescing is on the inner side. Accept returns the inner *Conn.
func (r *Recorder) TLSListener(l net.Listener, p Protocol, cfg *tls.Config) net.Listener {
	return &listener{Listener: l, r: r, p: p, cfg: cfg}
}

// Accept waits for a connection and returns it tapped.
func (l *listener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if l.cfg == nil {
		return l.r.Conn(nc, l.p, ServerSide), nil
	}
	s := l.r.newSession(nc, l.p, ServerSide, true)
	s.innerTap = true
	outer := newConn(nc, s, false, false)
	return newConn(tls.Server(outer, l.cfg), s, true, true), nil
}
