package network

import (
	"crypto/tls"
	"fmt"
	"io"
	"mailsim/sim/roles"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Limits are the network-wide safety limits of a classroom server (mailsim
// serve): how many connections it keeps open, in total and per client IP,
// and how long it waits for clients. Zero fields get the defaults below;
// a negative count means no limit.
type Limits struct {
	MaxConns      int // open connections across every server; 0 = DefaultMaxConns
	MaxConnsPerIP int // open connections from one IP; 0 = DefaultMaxConnsPerIP
	// IdleTimeout is the longest wait for a client's next command (an IMAP
	// IDLE included); 0 = DefaultIdleTimeout.
	IdleTimeout time.Duration
	// CommandTimeout is the longest a client may take, from the first byte
	// of a command, to send all the server needs before it answers (the
	// command line, an SMTP DATA body, an IMAP literal). It drops
	// slowloris clients that trickle bytes. 0 = DefaultCommandTimeout.
	CommandTimeout time.Duration
	// Refused, when set, is told about every refused connection.
	Refused func(role roles.Role, remote, reason string)
}

// Defaults of Limits.
const (
	DefaultMaxConns       = 200
	DefaultMaxConnsPerIP  = 20
	DefaultIdleTimeout    = 30 * time.Minute // RFC 9051 5.4: at least 30 minutes
	DefaultCommandTimeout = 2 * time.Minute
)

func (l Limits) withDefaults() Limits {
	if l.MaxConns == 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.MaxConnsPerIP == 0 {
		l.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.CommandTimeout <= 0 {
		l.CommandTimeout = DefaultCommandTimeout
	}
	return l
}

// maxRefusing bounds the goroutines that write polite refusals, so that a
// flood of connections cannot make the limiter itself grow: beyond it a
// refused connection is closed without a word.
const maxRefusing = 32

// ConnLimiter enforces Limits over the listeners it wraps: it counts open
// connections, refuses the ones over a limit in the protocol's own words,
// applies the timeouts, and can close a connection on demand (a trainer's
// "kick").
type ConnLimiter struct {
	lim      Limits
	refusing chan struct{}
	refused  atomic.Int64

	mu    sync.Mutex
	total int
	perIP map[string]int
	conns map[string]*limitedConn // by local+" "+remote
}

// NewConnLimiter returns a limiter for l (zero fields get the defaults).
func NewConnLimiter(l Limits) *ConnLimiter {
	return &ConnLimiter{lim: l.withDefaults(), refusing: make(chan struct{}, maxRefusing),
		perIP: map[string]int{}, conns: map[string]*limitedConn{}}
}

// Limits returns the limits in force, defaults filled in.
func (cl *ConnLimiter) Limits() Limits { return cl.lim }

// Open returns the number of open connections.
func (cl *ConnLimiter) Open() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.total
}

// Refused returns how many connections were refused so far.
func (cl *ConnLimiter) Refused() int64 { return cl.refused.Load() }

// CloseConn closes the open connection with the given local and remote
// addresses (as wire.ConnInfo reports them). It reports whether it found one.
func (cl *ConnLimiter) CloseConn(local, remote string) bool {
	cl.mu.Lock()
	c := cl.conns[local+" "+remote]
	cl.mu.Unlock()
	if c == nil {
		return false
	}
	c.Close()
	return true
}

// Listener wraps ln, the raw TCP listener of a server with the given role.
// tlsCfg is the server's TLS configuration: on an implicit-TLS port the
// refusal is said inside TLS, so the client can read it.
func (cl *ConnLimiter) Listener(ln net.Listener, role roles.Role, host string, tlsCfg *tls.Config) net.Listener {
	return &limitListener{Listener: ln, cl: cl, role: role, host: host, tlsCfg: tlsCfg}
}

type limitListener struct {
	net.Listener
	cl     *ConnLimiter
	role   roles.Role
	host   string
	tlsCfg *tls.Config
}

// Accept returns the next connection within the limits; it refuses the
// others on its own and keeps waiting.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc, reason := l.cl.admit(c)
		if lc != nil {
			return lc, nil
		}
		l.cl.refused.Add(1)
		if l.cl.lim.Refused != nil {
			l.cl.lim.Refused(l.role, c.RemoteAddr().String(), reason)
		}
		select {
		case l.cl.refusing <- struct{}{}:
			go func() {
				defer func() { <-l.cl.refusing }()
				refuse(c, l.role, l.host, l.tlsCfg, reason)
			}()
		default:
			c.Close()
		}
	}
}

// admit counts c in, or says why it is over a limit.
func (cl *ConnLimiter) admit(c net.Conn) (*limitedConn, string) {
	ip := hostOfAddr(c.RemoteAddr())
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.lim.MaxConns > 0 && cl.total >= cl.lim.MaxConns {
		return nil, fmt.Sprintf("at most %d at once", cl.lim.MaxConns)
	}
	if cl.lim.MaxConnsPerIP > 0 && cl.perIP[ip] >= cl.lim.MaxConnsPerIP {
		return nil, fmt.Sprintf("at most %d at once from %s", cl.lim.MaxConnsPerIP, ip)
	}
	cl.total++
	cl.perIP[ip]++
	lc := &limitedConn{Conn: c, cl: cl, ip: ip, key: c.LocalAddr().String() + " " + c.RemoteAddr().String()}
	cl.conns[lc.key] = lc
	return lc, ""
}

func (cl *ConnLimiter) release(lc *limitedConn) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.total--
	if cl.perIP[lc.ip]--; cl.perIP[lc.ip] <= 0 {
		delete(cl.perIP, lc.ip)
	}
	if cl.conns[lc.key] == lc {
		delete(cl.conns, lc.key)
	}
}

// RefusalText is what a refused client reads, in its protocol's words.
func RefusalText(role roles.Role, host, reason string) string {
	switch role.Protocol() {
	case "pop3":
		return fmt.Sprintf("-ERR [SYS/TEMP] too many connections (%s); try again later\r\n", reason)
	case "imap":
		return fmt.Sprintf("* BYE too many connections (%s); try again later\r\n", reason)
	}
	return fmt.Sprintf("421 4.7.0 %s too many connections (%s); try again later\r\n", host, reason)
}

// refuse tells c why it is refused and closes it. It half-closes and
// drains the client's first bytes for a moment, so the client reads the
// reply rather than a reset.
func refuse(c net.Conn, role roles.Role, host string, tlsCfg *tls.Config, reason string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var w net.Conn = c
	if role.ImplicitTLS() && tlsCfg != nil {
		tc := tls.Server(c, tlsCfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		w = tc
	}
	if _, err := io.WriteString(w, RefusalText(role, host, reason)); err != nil {
		return
	}
	if tc, ok := w.(*tls.Conn); ok {
		tc.CloseWrite()
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(c, 4096))
}

func hostOfAddr(a net.Addr) string {
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// limitedConn is an admitted connection. It applies the timeouts on top of
// the deadlines the server sets (the earlier one wins) and gives its place
// back when closed.
//
// The command timeout needs no protocol knowledge: every protocol here is
// request-response, so the client's command starts with the first byte it
// sends after the server last wrote, and must be complete before the
// server answers. Bytes and TLS records alike work this way.
type limitedConn struct {
	net.Conn
	cl      *ConnLimiter
	ip, key string
	once    sync.Once

	mu       sync.Mutex
	userRead time.Time // read deadline the server set
	ourRead  time.Time // idle or command deadline of the read in progress
	userW    time.Time
	cmdStart time.Time // first byte since the server last wrote
}

func earliest(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero() || a.Before(b):
		return a
	}
	return b
}

func (c *limitedConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.cmdStart.IsZero() {
		c.ourRead = time.Now().Add(c.cl.lim.IdleTimeout)
	} else {
		c.ourRead = c.cmdStart.Add(c.cl.lim.CommandTimeout)
	}
	c.Conn.SetReadDeadline(earliest(c.userRead, c.ourRead))
	c.mu.Unlock()
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.cmdStart.IsZero() {
			c.cmdStart = time.Now()
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *limitedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.cmdStart = time.Time{}
	if c.userW.IsZero() {
		// A client that never reads must not hold a writer forever.
		c.Conn.SetWriteDeadline(time.Now().Add(c.cl.lim.IdleTimeout))
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *limitedConn) SetDeadline(t time.Time) error {
	c.SetWriteDeadline(t)
	return c.SetReadDeadline(t)
}

func (c *limitedConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userRead = t
	return c.Conn.SetReadDeadline(earliest(t, c.ourRead))
}

func (c *limitedConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userW = t
	return c.Conn.SetWriteDeadline(t)
}

// CloseWrite half-closes the TCP connection, as servers do before they
// drain a client they are hanging up on.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.cl.release(c) })
	return err
}

// Limiter returns the network's connection limiter, nil unless
// Options.Limits was set.
func (n *Network) Limiter() *ConnLimiter { return n.limiter }

// CloseConn closes the server-side connection with the given local and
// remote addresses (wire.ConnInfo's), as a trainer's "kick" does. It needs
// Options.Limits; it reports whether it found the connection.
func (n *Network) CloseConn(local, remote string) bool {
	if n.limiter == nil {
		return false
	}
	return n.limiter.CloseConn(local, remote)
}

// certNames lists the extras the server certificates cover: CertNames,
// and the Listen address when it is not loopback (every address of the
// machine for an unspecified one such as 0.0.0.0).
func certNames(o Options) []string {
	out := append([]string(nil), o.CertNames...)
	ip := net.ParseIP(o.Listen)
	switch {
	case ip == nil || ip.IsLoopback():
	case ip.IsUnspecified():
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
				out = append(out, ipn.IP.String())
			}
		}
	default:
		out = append(out, ip.String())
	}
	return out
}
