package pop3

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"mailsim/sim/authpolicy"
)

// Line limits.
const (
	// maxCommandLine is RFC 2449's limit on a command line, CRLF included.
	maxCommandLine = 255
	// maxLine bounds any line the server buffers (a SASL response may be
	// longer than a command). A longer line closes the connection, so a
	// client streaming octets without a line end cannot grow memory.
	maxLine = 4096
	// lingerTime and lingerBytes bound the draining of a client's input
	// after the server hangs up on it, so that the last -ERR is not lost to
	// a TCP reset.
	lingerTime  = time.Second
	lingerBytes = 1 << 20
)

type state int

const (
	authorization state = iota
	transaction
)

func (st state) String() string {
	if st == transaction {
		return "TRANSACTION"
	}
	return "AUTHORIZATION"
}

// conn is one POP3 session.
type conn struct {
	srv    *Server
	o      *Options
	raw    net.Conn // as accepted
	remote net.Addr
	r      *bufio.Reader
	w      *bufio.Writer

	loopback  bool
	tls       bool   // inside TLS: ImplicitTLS, or after STLS
	timestamp string // APOP timestamp from the greeting

	state  state
	user   string    // name given by USER, waiting for PASS
	drop   *maildrop // TRANSACTION: the login-time view
	origin *Origin
	unlock func() // releases the maildrop lock; nil when not held

	lastOK bool  // the last reply was +OK
	bad    int   // -ERR replies in a row
	werr   error // first write error; the session ends
	over   bool  // end the session after this command
	linger bool  // the server hangs up: drain the client's input first

	mu       sync.Mutex // guards nc and stopping against Server.Shutdown/Close
	nc       net.Conn   // current conn: raw, or the TLS conn after STLS
	stopping bool
	killed   bool
	done     chan struct{} // closed when the server stops this session
	doneOnce sync.Once
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{
		srv:      s,
		o:        &s.o,
		raw:      nc,
		nc:       nc,
		remote:   nc.RemoteAddr(),
		r:        bufio.NewReaderSize(nc, maxLine),
		w:        bufio.NewWriterSize(nc, 16<<10),
		loopback: authpolicy.IsLoopback(nc),
		tls:      s.o.ImplicitTLS,
		done:     make(chan struct{}),
	}
	return c
}

func (c *conn) logf(format string, args ...any) {
	c.o.Logf("pop3 %v: "+format, append([]any{c.remote}, args...)...)
}

// stop asks the session to end after its current command, with the
// shutdown reply. It unblocks a pending read.
func (c *conn) stop() {
	c.mu.Lock()
	c.stopping = true
	c.nc.SetReadDeadline(time.Unix(1, 0))
	c.mu.Unlock()
	c.doneOnce.Do(func() { close(c.done) })
}

// kill closes the connection at once.
func (c *conn) kill() {
	c.mu.Lock()
	c.stopping, c.killed = true, true
	c.nc.Close()
	if c.raw != c.nc {
		c.raw.Close()
	}
	c.mu.Unlock()
	c.doneOnce.Do(func() { close(c.done) })
}

func (c *conn) isStopping() (stopping, killed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping, c.killed
}

func (c *conn) serve() {
	defer c.srv.forget(c)
	defer c.hangUp()
	defer func() { // before hangUp: a client that sees the close finds the maildrop free
		if c.unlock != nil {
			c.unlock()
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			c.logf("panic in %s state, closing: %v\n%s", c.state, r, debug.Stack())
			c.linger = false
		}
	}()

	c.logf("connected")
	c.timestamp = c.o.Timestamp()
	c.nc.SetWriteDeadline(time.Now().Add(c.o.IdleTimeout))
	c.ok("%s POP3 server ready %s", c.o.Hostname, c.timestamp)
	for c.werr == nil && !c.over {
		line, n, ok := c.next()
		if !ok {
			return
		}
		c.nc.SetWriteDeadline(time.Now().Add(c.o.IdleTimeout))
		c.lastOK = false
		c.dispatch(line, n)
		if c.over || c.werr != nil {
			break
		}
		if c.lastOK {
			c.bad = 0
			continue
		}
		c.bad++
		if c.bad >= c.o.MaxBadCommands {
			c.fail("too many bad commands (%d in a row); closing the connection, nothing deleted", c.bad)
			c.logf("too many bad commands; closing")
			c.linger = true
			return
		}
	}
	if c.werr != nil {
		c.logf("write failed: %v", c.werr)
	}
}

// next reads the next line: a command, or a SASL response. When the
// session must end instead (the client left, it went idle, it sent a
// runaway line, the server is shutting down) next does what that needs and
// returns ok=false.
func (c *conn) next() (line string, n int, ok bool) {
	c.mu.Lock()
	stopping := c.stopping
	if !stopping {
		c.nc.SetReadDeadline(time.Now().Add(c.o.IdleTimeout))
	}
	c.mu.Unlock()
	if stopping {
		c.sayShutdown()
		return "", 0, false
	}
	b, err := c.r.ReadSlice('\n')
	switch {
	case err == nil:
	case errors.Is(err, bufio.ErrBufferFull):
		c.fail("line too long: over %d octets without a line end; closing the connection", maxLine)
		c.logf("runaway line over %d octets; closing", maxLine)
		c.linger = true
		return "", 0, false
	default:
		if stop, _ := c.isStopping(); stop {
			c.sayShutdown()
			return "", 0, false
		}
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout():
			// RFC 1939 section 3: close without entering UPDATE. Like
			// Dovecot, say why first, so the client knows it timed out.
			c.logf("idle for %v in %s state; closing, nothing deleted", c.o.IdleTimeout, c.state)
			c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			c.fail("disconnected for inactivity; nothing deleted")
		case errors.Is(err, io.EOF):
			c.logf("client closed the connection in %s state%s", c.state, c.nothingDeleted())
		default:
			c.logf("read failed in %s state: %v%s", c.state, err, c.nothingDeleted())
		}
		return "", 0, false
	}
	n = len(b)
	b = b[:n-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return string(b), n, true
}

func (c *conn) nothingDeleted() string {
	if c.drop != nil && c.drop.marked() > 0 {
		return fmt.Sprintf("; %d DELE marks dropped, nothing deleted", c.drop.marked())
	}
	return ""
}

func (c *conn) sayShutdown() {
	if _, killed := c.isStopping(); killed {
		return
	}
	c.nc.SetWriteDeadline(time.Now().Add(time.Second))
	c.fail("[SYS/TEMP] server shutting down; nothing deleted, try again later")
	c.logf("server shutting down; closing in %s state%s", c.state, c.nothingDeleted())
}

// hangUp closes the connection. When the server ends the session on an
// error it first half-closes and drains the client's input for a moment,
// so the client reads the final -ERR instead of a reset.
func (c *conn) hangUp() {
	c.mu.Lock()
	nc, killed := c.nc, c.killed
	c.mu.Unlock()
	if c.linger && !killed {
		if cw, ok := nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			nc.SetReadDeadline(time.Now().Add(lingerTime))
			io.Copy(io.Discard, io.LimitReader(nc, lingerBytes))
		}
	}
	nc.Close()
	if c.raw != nc {
		c.raw.Close()
	}
	c.logf("closed")
}

// Replies. Each complete reply is flushed, so it leaves in one Write.

func (c *conn) writeLine(s string) {
	if c.werr != nil {
		return
	}
	c.w.WriteString(s)
	_, c.werr = c.w.WriteString("\r\n")
}

func (c *conn) flush() {
	if c.werr == nil {
		c.werr = c.w.Flush()
	}
}

// ok sends a one-line +OK reply.
func (c *conn) ok(format string, args ...any) {
	c.lastOK = true
	c.writeLine("+OK " + fmt.Sprintf(format, args...))
	c.flush()
}

// fail sends a one-line -ERR reply.
func (c *conn) fail(format string, args ...any) {
	c.lastOK = false
	c.writeLine("-ERR " + fmt.Sprintf(format, args...))
	c.flush()
}

// okLines sends a multi-line +OK reply: the first line, the lines (with a
// leading "." doubled) and the terminating ".".
func (c *conn) okLines(first string, lines []string) {
	c.lastOK = true
	c.writeLine("+OK " + first)
	for _, l := range lines {
		if strings.HasPrefix(l, ".") {
			l = "." + l
		}
		c.writeLine(l)
	}
	c.writeLine(".")
	c.flush()
}

// Dispatch.

// command is one POP3 command: the states it is valid in and its handler,
// which gets the text after the command name and its space.
type command struct {
	inAuth, inTrans bool
	run             func(c *conn, args string)
}

var commands = map[string]command{
	"CAPA": {true, true, (*conn).capa},
	"QUIT": {true, true, (*conn).quit},
	"USER": {true, false, (*conn).userCmd},
	"PASS": {true, false, (*conn).pass},
	"APOP": {true, false, (*conn).apop},
	"AUTH": {true, false, (*conn).auth},
	"STLS": {true, false, (*conn).stls},
	"STAT": {false, true, (*conn).stat},
	"LIST": {false, true, (*conn).list},
	"UIDL": {false, true, (*conn).uidl},
	"RETR": {false, true, (*conn).retr},
	"TOP":  {false, true, (*conn).top},
	"DELE": {false, true, (*conn).dele},
	"RSET": {false, true, (*conn).rset},
	"NOOP": {false, true, (*conn).noop},
}

func (c *conn) dispatch(line string, n int) {
	if n > maxCommandLine {
		c.fail("line too long: %d octets; a POP3 command line holds at most %d octets including CRLF (RFC 2449)", n, maxCommandLine)
		return
	}
	if strings.IndexByte(line, 0) >= 0 {
		c.fail("NUL octets are not allowed in a command line")
		return
	}
	name, args, _ := strings.Cut(line, " ")
	verb := strings.ToUpper(name)
	cmd, ok := commands[verb]
	switch {
	case verb == "":
		c.fail("empty command in %s state; CAPA lists the commands this server knows", c.state)
	case !ok:
		c.fail("unknown command %s in %s state; CAPA lists the commands this server knows", quote(name), c.state)
	case c.state == authorization && !cmd.inAuth:
		c.fail("%s is only valid after login (TRANSACTION state); log in first with USER and PASS, APOP or AUTH", verb)
	case c.state == transaction && !cmd.inTrans:
		c.fail("%s is only valid before login (AUTHORIZATION state); already logged in as %s", verb, c.drop.user)
	default:
		cmd.run(c, args)
	}
}

// quote shows client text in a reply: quoted, escaped, at most 40 octets.
func quote(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q...", s[:40])
	}
	return fmt.Sprintf("%q", s)
}

// noArgs replies -ERR and returns false when a command that takes no
// arguments got some.
func (c *conn) noArgs(verb, args string) bool {
	if strings.TrimSpace(args) != "" {
		c.fail("%s takes no arguments, got %s", verb, quote(args))
		return false
	}
	return true
}
