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
	"strings"
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

// Throttle slows down password guessing. The policy (README.md, "Classroom
// mode"):
//
//   - Each failed login for an account doubles the delay before the next
//     failure for that account is answered, from Base up to Max. Failures
//     count per (client IP, account) and per account from anywhere; the
//     larger count sets the delay. A success for an account forgets that
//     account's failures only: a valid login for carol does not reset the
//     count of guesses at bob's password.
//   - A classroom is one NAT, so one IP is many people. While a failure
//     waits out its delay it holds a connection slot; to keep one client
//     from filling its address's slots (and locking the room out), a login
//     is refused at once, without its password being checked, while
//     MaxPending failures from its IP are waiting (Busy says so). Below
//     that, every login is checked: a right password is never delayed,
//     even for an account someone is guessing at (the shared class
//     mailbox, whose password every student has).
//   - Failures are forgotten after Forget without one (15 minutes).
//
// The zero value uses the defaults.
type Throttle struct {
	Base time.Duration // first delay; 0 means 1s
	Max  time.Duration // ceiling; 0 means 30s
	// MaxPending is how many failed logins from one IP may wait out their
	// delays at once; 0 means DefaultMaxPending.
	MaxPending int

	mu      sync.Mutex
	counts  map[string]*failures // by account, and by IP + "\x00" + account
	pending map[string]int       // failures waiting out their delay, by IP
}

// Defaults of Throttle.
const (
	DefaultMaxPending = 8 // under half of the default 20 connections per IP
	Forget            = 15 * time.Minute
	maxThrottleKeys   = 100_000 // bounds the memory a flood of user names takes
)

type failures struct {
	n    int
	last time.Time
}

func accountKey(user string) string { return strings.ToLower(user) }

func pairKey(remote net.Addr, user string) string {
	return HostOf(remote) + "\x00" + accountKey(user)
}

// Failed records a failed login for user from remote and returns how long
// to wait before answering (see Sleep).
func (t *Throttle) Failed(remote net.Addr, user string) time.Duration {
	base, ceiling := t.Base, t.Max
	if base == 0 {
		base = time.Second
	}
	if ceiling == 0 {
		ceiling = 30 * time.Second
	}
	now := time.Now()
	t.mu.Lock()
	if t.counts == nil || len(t.counts) > maxThrottleKeys {
		t.forgetLocked(now)
	}
	n := 0
	for _, k := range []string{accountKey(user), pairKey(remote, user)} {
		f := t.counts[k]
		if f == nil || now.Sub(f.last) > Forget {
			f = &failures{}
			t.counts[k] = f
		}
		n = max(n, f.n)
		f.n++
		f.last = now
	}
	t.mu.Unlock()
	d := base
	for i := 0; i < n && d < ceiling; i++ {
		d *= 2
	}
	return min(d, ceiling)
}

// forgetLocked drops old failures; a table still too large (a flood of
// made-up user names) is emptied.
func (t *Throttle) forgetLocked(now time.Time) {
	if t.counts == nil {
		t.counts = map[string]*failures{}
		return
	}
	for k, f := range t.counts {
		if now.Sub(f.last) > Forget {
			delete(t.counts, k)
		}
	}
	if len(t.counts) > maxThrottleKeys {
		t.counts = map[string]*failures{}
	}
}

// Succeeded forgets user's failures: from remote, and from anywhere.
// Other accounts' failures are kept.
func (t *Throttle) Succeeded(remote net.Addr, user string) {
	t.mu.Lock()
	delete(t.counts, accountKey(user))
	delete(t.counts, pairKey(remote, user))
	t.mu.Unlock()
}

// Busy reports whether a login from remote must be refused without
// checking its password: MaxPending failures from that IP are waiting out
// their delays. (user is kept for the log lines of the callers.)
func (t *Throttle) Busy(remote net.Addr, user string) bool {
	limit := t.MaxPending
	if limit <= 0 {
		limit = DefaultMaxPending
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pending[HostOf(remote)] >= limit
}

// Sleep waits d, the delay Failed returned, or until stop is closed. While
// it waits, the failure counts as pending for Busy.
func (t *Throttle) Sleep(remote net.Addr, user string, d time.Duration, stop <-chan struct{}) {
	keys := []string{HostOf(remote)}
	t.mu.Lock()
	if t.pending == nil {
		t.pending = map[string]int{}
	}
	for _, k := range keys {
		t.pending[k]++
	}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		for _, k := range keys {
			if t.pending[k]--; t.pending[k] <= 0 {
				delete(t.pending, k)
			}
		}
		t.mu.Unlock()
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-stop:
	}
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
