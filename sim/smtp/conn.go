package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"mailsim/sim/authpolicy"
)

// trackedListener wraps the listener given to Serve so that the server
// knows every connection: to limit connections per IP, and to say 421 to
// each one on Shutdown (go-smtp only tracks them privately).
type trackedListener struct {
	net.Listener
	srv *Server
}

func (l *trackedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, srv: l.srv, ip: authpolicy.HostOf(c.RemoteAddr())}
		if why := l.srv.track(tc); why != "" {
			go refuse(c, why)
			continue
		}
		// Bounds an implicit-TLS handshake too, which go-smtp only bounds
		// when it sees a *tls.Conn; each command read resets the deadline.
		c.SetReadDeadline(time.Now().Add(l.srv.o.ReadTimeout))
		return tc, nil
	}
}

func refuse(c net.Conn, why string) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "%s\r\n", why)
	c.Close()
}

func (s *Server) track(c *trackedConn) (refusal string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return fmt.Sprintf("421 4.3.2 %s shutting down", s.o.Hostname)
	}
	if s.perIP[c.ip] >= s.o.MaxConnsPerIP {
		return fmt.Sprintf("421 4.7.0 %s too many connections from %s (at most %d)", s.o.Hostname, c.ip, s.o.MaxConnsPerIP)
	}
	s.perIP[c.ip]++
	s.conns[c] = struct{}{}
	return ""
}

func (s *Server) untrack(c *trackedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.perIP[c.ip]--; s.perIP[c.ip] <= 0 {
		delete(s.perIP, c.ip)
	}
}

// trackedConn is one accepted connection. It knows whether go-smtp is
// blocked reading from it (waiting for a command, unless a message is being
// received), which is when Shutdown may safely write 421 into it.
type trackedConn struct {
	net.Conn
	srv *Server
	ip  string

	mu         sync.Mutex
	reading    bool
	inData     bool     // the session is receiving a message
	tlsStarted bool     // a STARTTLS handshake has begun on this conn
	secure     net.Conn // the *tls.Conn go-smtp made after STARTTLS, once known
	closed     bool
}

func (c *trackedConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return 0, net.ErrClosed
	}
	c.reading = true
	c.mu.Unlock()
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.reading = false
	c.mu.Unlock()
	if err != nil && isTimeout(err) {
		// RFC 5321 4.5.3.2: a server that times out closes the session with
		// 421. Closing here, below go-smtp, is what keeps the rest of a
		// stalled DATA body or a partial command line from ever being read
		// as commands: go-smtp would otherwise answer 554 (or take the
		// partial line as a command) and read on.
		c.goodbye(fmt.Sprintf("421 4.4.2 %s Error: timeout exceeded, closing connection", c.srv.o.Hostname))
		return n, err
	}
	return n, err
}

// Write refuses once the connection was closed, so that go-smtp's answer
// to a partial line cut by a timeout reaches neither the client nor a tap.
func (c *trackedConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return 0, net.ErrClosed
	}
	return c.Conn.Write(b)
}

// isClosed reports whether the connection was closed, by a timeout or
// otherwise: session callbacks then do nothing (go-smtp may still hand them
// the partial line a timeout cut).
func (c *trackedConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TLS reports whether the connection under the wrapper is TLS (the 465
// role), for authpolicy.IsTLS.
func (c *trackedConn) TLS() bool { return authpolicy.IsTLS(c.Conn) }

func (c *trackedConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.srv.untrack(c)
	return c.Conn.Close()
}

func (c *trackedConn) setInData(on bool) {
	c.mu.Lock()
	c.inData = on
	c.mu.Unlock()
}

// sawTLS records the *tls.Conn go-smtp put on top of c after STARTTLS.
func (c *trackedConn) sawTLS(t *tls.Conn) {
	c.mu.Lock()
	c.secure = t
	c.mu.Unlock()
}

// shutdown says 421 and closes the connection; with idleOnly, only if it is
// waiting for a command.
func (c *trackedConn) shutdown(idleOnly bool) {
	c.mu.Lock()
	skip := c.closed || idleOnly && (!c.reading || c.inData)
	c.mu.Unlock()
	if !skip {
		c.goodbye(fmt.Sprintf("421 4.3.2 %s shutting down", c.srv.o.Hostname))
	}
}

// goodbye writes the reply line (inside TLS once STARTTLS has begun) and
// closes the connection.
func (c *trackedConn) goodbye(reply string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	w := c.Conn
	if c.tlsStarted {
		// Plain text would corrupt the TLS stream; nil (handshake under
		// way, no session yet) means close without a word.
		w = c.secure
	}
	c.mu.Unlock()
	if w != nil {
		w.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprintf(w, "%s\r\n", reply)
	}
	c.Close()
}

// trackedOf finds our wrapper under the net.Conn go-smtp hands a session.
func trackedOf(c net.Conn) *trackedConn {
	if t, ok := c.(*tls.Conn); ok {
		tc, _ := t.NetConn().(*trackedConn)
		if tc != nil {
			tc.sawTLS(t)
		}
		return tc
	}
	tc, _ := c.(*trackedConn)
	return tc
}
