package wire

import (
	"crypto/tls"
	"net"
	"sync"
	"time"
)

const (
	// coalesceLimit is the buffer size at which a Write flushes at once.
	coalesceLimit = 32 << 10
	// coalesceDelay is how long a buffered byte waits at most for company.
	coalesceDelay = time.Millisecond
)

// coalescer buffers writes to a conn and flushes them when the buffer
// fills, coalesceDelay after the first unflushed byte, before a read and on
// close. Lock order: flushMu before mu.
type coalescer struct {
	nc net.Conn
	s  *session // nil: no tap to report errors to

	flushMu sync.Mutex // serialises writes to nc

	mu     sync.Mutex
	buf    []byte
	spare  []byte
	armed  bool
	timer  *time.Timer
	err    error
	closed bool
}

func newCoalescer(nc net.Conn, s *session) *coalescer {
	c := &coalescer{nc: nc, s: s}
	c.timer = time.AfterFunc(time.Hour, func() { _ = c.flush() })
	c.timer.Stop()
	return c
}

// failed returns the error of an earlier flush, or net.ErrClosed after close.
func (c *coalescer) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	return c.err
}

// write buffers p, or writes it in the caller when the buffer would fill.
func (c *coalescer) write(p []byte) (int, error) {
	c.mu.Lock()
	if c.err != nil || c.closed {
		err := c.err
		if err == nil {
			err = net.ErrClosed
		}
		c.mu.Unlock()
		return 0, err
	}
	if len(c.buf)+len(p) < coalesceLimit {
		c.buf = append(c.buf, p...)
		if !c.armed {
			c.armed = true
			c.timer.Reset(coalesceDelay)
		}
		c.mu.Unlock()
		return len(p), nil
	}
	c.mu.Unlock()

	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	if err := c.flushLocked(); err != nil {
		return 0, err
	}
	if _, err := c.nc.Write(p); err != nil {
		c.fail(err)
		return 0, err
	}
	return len(p), nil
}

func (c *coalescer) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
	if c.s != nil {
		c.s.noteErr(err)
	}
}

// flushIfBuffered flushes before a read; it is cheap when nothing waits.
func (c *coalescer) flushIfBuffered() {
	c.mu.Lock()
	n := len(c.buf)
	c.mu.Unlock()
	if n > 0 {
		_ = c.flush()
	}
}

func (c *coalescer) flush() error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	return c.flushLocked()
}

// flushLocked writes out the buffer. The caller holds flushMu.
func (c *coalescer) flushLocked() error {
	c.mu.Lock()
	b := c.buf
	c.buf = c.spare[:0]
	c.spare = nil
	c.armed = false
	err := c.err
	c.mu.Unlock()
	if err == nil && len(b) > 0 {
		if _, err = c.nc.Write(b); err != nil {
			c.fail(err)
		}
	}
	c.mu.Lock()
	if cap(b) <= 2*coalesceLimit {
		c.spare = b[:0]
	}
	c.mu.Unlock()
	return err
}

// close flushes what is left and stops the timer; later writes fail.
func (c *coalescer) close() error {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	err := c.flushLocked()
	c.mu.Lock()
	c.closed = true
	c.timer.Stop()
	c.mu.Unlock()
	return err
}

// Coalesce wraps l so that every accepted conn coalesces its writes as a
// server-side tap does (flushed when 32 KiB wait, a millisecond after the
// first unflushed byte, before a read, before a deadline is set and on
// close), without recording anything: a server that flushes its own
// buffer after every response (go-imap's FETCH writes one response per
// message) then makes one write(2) per batch, not per response. Write
// returns at once; a failed flush is reported by the next call.
//
// The conns keep what the servers ask of them: RemoteAddr (loopback
// checks), TLS() for a *tls.Conn under the wrapper (implicit TLS:
// Coalesce(tls.NewListener(...)), so TLS records carry whole batches),
// and NetConn, so AsConn still finds a tap beneath. STARTTLS over a
// coalesced plain conn coalesces the TLS records.
func Coalesce(l net.Listener) net.Listener { return coalesceListener{l} }

type coalesceListener struct{ net.Listener }

// Accept waits for a connection and returns it with coalesced writes.
func (l coalesceListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &coalescedConn{Conn: nc, co: newCoalescer(nc, nil)}, nil
}

// coalescedConn is a net.Conn whose writes go through a coalescer.
type coalescedConn struct {
	net.Conn
	co *coalescer
}

func (c *coalescedConn) Read(p []byte) (int, error) {
	c.co.flushIfBuffered()
	return c.Conn.Read(p)
}

func (c *coalescedConn) Write(p []byte) (int, error) {
	if err := c.co.failed(); err != nil {
		return 0, err
	}
	return c.co.write(p)
}

func (c *coalescedConn) Close() error {
	ferr := c.co.close()
	if err := c.Conn.Close(); err != nil {
		return err
	}
	return ferr
}

func (c *coalescedConn) SetDeadline(t time.Time) error {
	c.co.flushIfBuffered()
	return c.Conn.SetDeadline(t)
}

func (c *coalescedConn) SetWriteDeadline(t time.Time) error {
	c.co.flushIfBuffered()
	return c.Conn.SetWriteDeadline(t)
}

// NetConn returns the wrapped conn (for AsConn and the like).
func (c *coalescedConn) NetConn() net.Conn { return c.Conn }

// TLS reports whether the wrapped conn is TLS, for authpolicy.IsTLS.
func (c *coalescedConn) TLS() bool {
	switch v := c.Conn.(type) {
	case *tls.Conn:
		return true
	case interface{ TLS() bool }:
		return v.TLS()
	}
	return false
}
