package wire

import (
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
	s  *session

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
	c.s.noteErr(err)
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
