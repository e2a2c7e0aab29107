// Package authpolicy decides when a server may accept a password, and how
// long it makes a client wait after a failed login. POP3, IMAP and SMTP all
// use it, so the three servers follow one policy.
//
// The libraries we build on test conn.(*tls.Conn) to decide whether a
// connection is secure; a tap around the connection defeats that test, so
// our sessions ask this package instead.
package authpolicy

import (
	"crypto/tls"
	"net"
	"sync"
	"time"
)

// Plaintext says when a password may cross a connection that is not inside
// TLS.
type Plaintext int

const (
	// LoopbackOrTLS allows passwords in clear text on loopback only: the
	// default, since lessons run on 127.0.0.1 and show the password.
	LoopbackOrTLS Plaintext = iota
	// TLSOnly allows passwords only inside TLS, even on loopback.
	TLSOnly
	// Always allows passwords in clear text anywhere (a lesson about
	// eavesdropping on a simulated network, never a real one).
	Always
)

// Securer is implemented by connection wrappers (the wire tap) that know
// whether TLS is running on them.
type Securer interface{ TLS() bool }

// IsTLS reports whether c is a TLS connection or a wrapper that says so.
func IsTLS(c net.Conn) bool {
	switch v := c.(type) {
	case *tls.Conn:
		return true
	case Securer:
		return v.TLS()
	}
	return false
}

// IsLoopback reports whether the peer of c is on this machine.
func IsLoopback(c net.Conn) bool {
	if c == nil {
		return false
	}
	return isLoopbackAddr(c.RemoteAddr())
}

func isLoopbackAddr(a net.Addr) bool {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.IP.IsLoopback()
	case nil:
		return false
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Allows reports whether a password may be accepted on a connection with
// the given TLS state and loopback-ness.
func (p Plaintext) Allows(tlsActive, loopback bool) bool {
	switch p {
	case Always:
		return true
	case TLSOnly:
		return tlsActive
	default:
		return tlsActive || loopback
	}
}

// AllowsConn is Allows for a connection. tlsActive overrides what the
// connection says, for servers that track STARTTLS themselves.
func (p Plaintext) AllowsConn(c net.Conn, tlsActive bool) bool {
	return p.Allows(tlsActive || IsTLS(c), IsLoopback(c))
}

// Throttle slows down password guessing: each failed login from an IP
// doubles that IP's delay, from Base up to Max; a success resets it. Other
// IPs are not affected. The zero value uses the defaults.
type Throttle struct {
	Base time.Duration // first delay; 0 means 1s
	Max  time.Duration // ceiling; 0 means 30s

	mu       sync.Mutex
	failures map[string]int
}

// Failed records a failed login from remote and returns how long to wait
// before answering.
func (t *Throttle) Failed(remote net.Addr) time.Duration {
	base, max := t.Base, t.Max
	if base == 0 {
		base = time.Second
	}
	if max == 0 {
		max = 30 * time.Second
	}
	ip := HostOf(remote)
	t.mu.Lock()
	if t.failures == nil {
		t.failures = map[string]int{}
	}
	n := t.failures[ip]
	t.failures[ip] = n + 1
	t.mu.Unlock()
	d := base
	for i := 0; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// Succeeded forgets remote's failures.
func (t *Throttle) Succeeded(remote net.Addr) {
	t.mu.Lock()
	delete(t.failures, HostOf(remote))
	t.mu.Unlock()
}

// HostOf is the IP (or host) part of an address, "" for nil: the key the
// throttle counts failures by.
func HostOf(a net.Addr) string {
	if a == nil {
		return ""
	}
	if tcp, ok := a.(*net.TCPAddr); ok {
		return tcp.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
