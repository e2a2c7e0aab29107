package loadgen

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"
)

// worker runs one connection's sessions, one after the other. It owns
// every counter it touches, so nothing in the hot path is shared.
type worker struct {
	cfg  *Config
	id   int
	user string
	rng  *rand.Rand

	ops   map[string]*opStat
	order int

	commands, in, out, messages int64
	sessOK, sessFailed          int64
	protoErrs, ioErrs           int64
	samples                     []string
	sessErr                     bool // the current session got a protocol error

	long    []byte // scratch for lines longer than the read buffer
	tag     int
	tagBuf  []byte
	lineBuf []byte
	cmd     []byte // scratch for building commands
}

type opStat struct {
	order         int
	count, errors int64
	hist          Histogram
}

func (w *worker) op(name string) *opStat {
	o, ok := w.ops[name]
	if !ok {
		o = &opStat{order: w.order}
		w.order++
		w.ops[name] = o
	}
	return o
}

// protoError is a reply the server gave that says no. It has been counted
// when it is returned.
type protoError struct{ op, reply string }

func (e *protoError) Error() string { return e.op + ": " + e.reply }

// refuse counts a protocol error for the command and returns it.
func (w *worker) refuse(name string, o *opStat, reply []byte) error {
	o.errors++
	w.protoErrs++
	w.sessErr = true
	e := &protoError{op: name, reply: trimCRLF(string(reply))}
	w.sample(fmt.Sprintf("conn %d (%s): %s", w.id+1, w.user, e))
	return e
}

func (w *worker) sample(s string) {
	if len(w.samples) < w.cfg.MaxErrorSamples {
		w.samples = append(w.samples, s)
	}
}

func trimCRLF(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

func (w *worker) run(ctx context.Context) {
	switch w.cfg.Protocol {
	case SMTP:
		w.finish(w.smtpConnection(ctx))
	default:
		session := w.imapSession
		if w.cfg.Protocol == POP3 {
			session = w.pop3Session
		}
		for s := 0; s < w.cfg.Sessions; s++ {
			if ctx.Err() != nil {
				return
			}
			w.finish(session(ctx))
		}
	}
}

// finish tallies a session's outcome.
func (w *worker) finish(err error) {
	var pe *protoError
	switch {
	case err == nil && !w.sessErr:
		w.sessOK++
	case err == nil || errors.As(err, &pe):
		w.sessFailed++
	default:
		w.sessFailed++
		w.ioErrs++
		w.sample(fmt.Sprintf("conn %d (%s): %v", w.id+1, w.user, err))
	}
	w.sessErr = false
}

// conn is one client connection.
type conn struct {
	w   *worker
	raw net.Conn // counts octets
	nc  net.Conn // raw, or TLS over raw
	r   *bufio.Reader
	bw  *bufio.Writer

	stop func() bool
}

// countingConn adds the octets it moves to its worker's counters.
type countingConn struct {
	net.Conn
	w *worker
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.w.in += int64(n)
	return n, err
}

func (c countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.w.out += int64(n)
	return n, err
}

// connect dials and reads the greeting with read, timing both as the
// "connect" operation; the protocol then judges the greeting.
func (w *worker) connect(ctx context.Context, read func(*conn) error) (*conn, *opStat, error) {
	o := w.op("connect")
	t0 := time.Now()
	c, err := w.dial(ctx)
	if err != nil {
		return nil, o, err
	}
	c.deadline()
	err = read(c)
	o.hist.Record(time.Since(t0))
	o.count++
	if err != nil {
		c.close()
		return nil, o, err
	}
	return c, o, nil
}

// dial opens a connection and its implicit TLS.
func (w *worker) dial(ctx context.Context) (*conn, error) {
	d := net.Dialer{Timeout: w.cfg.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", w.cfg.Addr)
	if err != nil {
		return nil, err
	}
	c := &conn{w: w, raw: countingConn{nc, w}}
	c.nc = c.raw
	c.stop = context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	if w.cfg.TLS == TLSImplicit {
		if err := c.handshake(); err != nil {
			c.close()
			return nil, err
		}
	}
	c.r = bufio.NewReaderSize(c.nc, 64<<10)
	c.bw = bufio.NewWriterSize(c.nc, 16<<10)
	return c, nil
}

func (c *conn) handshake() error {
	tc := tls.Client(c.raw, c.w.cfg.TLSConfig)
	c.raw.SetDeadline(time.Now().Add(c.w.cfg.Timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.nc = tc
	return nil
}

// startTLS switches the connection to TLS after a STARTTLS/STLS reply.
func (c *conn) startTLS() error {
	if c.r.Buffered() > 0 {
		return errors.New("server sent data after its STARTTLS reply (possible injection)")
	}
	if err := c.handshake(); err != nil {
		return err
	}
	c.r.Reset(c.nc)
	c.bw.Reset(c.nc)
	return nil
}

func (c *conn) close() {
	if c.stop != nil {
		c.stop()
	}
	c.nc.Close()
}

// deadline bounds the next command.
func (c *conn) deadline() {
	c.raw.SetDeadline(time.Now().Add(c.w.cfg.Timeout))
}

// send writes a command line (CRLF added) and flushes it.
func (c *conn) send(line []byte) error {
	c.deadline()
	c.bw.Write(line)
	c.bw.WriteString("\r\n")
	c.w.commands++
	return c.bw.Flush()
}

// readLine returns the next line, CRLF included. The slice is valid until
// the next read.
func (c *conn) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err == nil {
		return line, nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	c.w.long = append(c.w.long[:0], line...)
	for {
		line, err = c.r.ReadSlice('\n')
		c.w.long = append(c.w.long, line...)
		if err == nil {
			return c.w.long, nil
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		if len(c.w.long) > 16<<20 {
			return nil, errors.New("reply line longer than 16 MiB")
		}
	}
}

// malformed is an I/O-class error: the server said something the
// protocol does not allow there.
func malformed(op string, line []byte) error {
	return fmt.Errorf("%s: unexpected reply %q", op, trimCRLF(string(line)))
}
