package pop3

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// Options configure a Server. Zero values mean the documented defaults;
// only Store is required.
type Options struct {
	// Store holds the users and their maildrops (their INBOX).
	Store *mailstore.Store
	// Hostname names the server in the greeting, in replies and in the
	// IMPLEMENTATION capability. Default "pop.example.com".
	Hostname string
	// TLSConfig, when non-nil, enables STLS and CAPA lists it.
	TLSConfig *tls.Config
	// ImplicitTLS says the listener is already TLS (the port 995 role):
	// every connection counts as secure and STLS is not offered.
	ImplicitTLS bool
	// Plaintext says when USER/PASS and AUTH PLAIN are allowed outside
	// TLS. The zero value is authpolicy.LoopbackOrTLS. APOP is always
	// allowed: its password never crosses the wire.
	Plaintext authpolicy.Plaintext
	// Throttle delays the reply to a failed login. Nil means a default
	// Throttle (1s, doubling, at most 30s), shared by the server's sessions.
	Throttle *authpolicy.Throttle
	// IdleTimeout closes a session that sends nothing for this long,
	// without entering UPDATE. Default 10 minutes (RFC 1939's minimum).
	IdleTimeout time.Duration
	// MaxBadCommands closes a session after this many commands in a row
	// were answered -ERR (unknown, wrong state, bad arguments, failed
	// logins). Default 20.
	MaxBadCommands int
	// Timestamp returns the APOP timestamp the greeting carries, in the
	// form "<...@host>". Default: process id, a counter and the clock.
	// Lessons pass a deterministic one.
	Timestamp func() string
	// Logf receives the server's log lines. Nil discards them; the server
	// never writes to stderr itself.
	Logf func(format string, args ...any)
	// Opened, when set, is told that a session has opened user's maildrop
	// holding messages up to UID last (an IMAP server that keeps \Recent
	// counts the POP3 session as the first to see them, as Dovecot does).
	Opened func(user string, last uint32)
}

func (o *Options) setDefaults() {
	if o.Hostname == "" {
		o.Hostname = "pop.example.com"
	}
	if o.Throttle == nil {
		o.Throttle = &authpolicy.Throttle{}
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 10 * time.Minute
	}
	if o.MaxBadCommands <= 0 {
		o.MaxBadCommands = 20
	}
	if o.Timestamp == nil {
		host := o.Hostname
		var n atomic.Uint64
		o.Timestamp = func() string {
			return fmt.Sprintf("<%d.%d.%d@%s>", os.Getpid(), n.Add(1), time.Now().UnixNano(), host)
		}
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

// Origin identifies a POP3 session in the store's change feed: it is the
// mailstore.Change.Origin of the \Seen flags RETR sets and of the removals
// QUIT makes. Each session has its own *Origin.
type Origin struct {
	User   string // the user logged in, as the store spells the name
	Remote string // the client's address
}

// Server is a POP3 server. Create it with NewServer; it is safe for
// concurrent use.
type Server struct {
	o Options

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	closing   bool
	wg        sync.WaitGroup
}

// NewServer returns a server for o. It panics if o.Store is nil, which is a
// programming error.
func NewServer(o Options) *Server {
	if o.Store == nil {
		panic("pop3: NewServer needs Options.Store")
	}
	o.setDefaults()
	return &Server{o: o, listeners: map[net.Listener]struct{}{}, conns: map[*conn]struct{}{}}
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns nil after Close or Shutdown, or the listener's error otherwise.
// Serve may be called for several listeners.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
	}()

	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosing() {
				return nil
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.o.Logf("pop3: accept: %v; retrying in %v", err, delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := newConn(s, nc)
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			nc.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// closeListenersLocked stops accepting; s.mu must be held.
func (s *Server) closeListenersLocked() error {
	s.closing = true
	var first error
	for l := range s.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) && first == nil {
			first = err
		}
	}
	return first
}

// Close stops accepting and closes every connection at once, without a
// reply. Nothing is deleted: no session enters UPDATE. It waits for the
// sessions to end, which releases their maildrop locks.
func (s *Server) Close() error {
	s.mu.Lock()
	err := s.closeListenersLocked()
	for c := range s.conns {
		c.kill()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// Shutdown stops accepting, tells every open session
// "-ERR [SYS/TEMP] server shutting down" (after the command it is running,
// if any) and closes it; nothing is deleted. It waits for the sessions to
// end, or until ctx is done, in which case it closes what is left as Close
// does and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	err := s.closeListenersLocked()
	for c := range s.conns {
		c.stop()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}
