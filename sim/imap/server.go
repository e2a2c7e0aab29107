package imap

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// Options configure a Server. Only Store is required; every other zero
// value is documented.
type Options struct {
	// Store is the mail store the server serves.
	Store *mailstore.Store
	// Hostname names the server in its BYE texts; empty means
	// "imap.example.com".
	Hostname string
	// TLSConfig enables STARTTLS (unless ImplicitTLS is set). The caller
	// uses the same config for an implicit-TLS (993) listener.
	TLSConfig *tls.Config
	// ImplicitTLS says the listeners given to Serve are already TLS: no
	// STARTTLS is offered, and every connection counts as secure.
	ImplicitTLS bool
	// Plaintext says when LOGIN and AUTHENTICATE PLAIN are accepted; the
	// zero value allows them on loopback or inside TLS.
	Plaintext authpolicy.Plaintext
	// Throttle delays the answer to a failed login; nil means a Throttle
	// with its defaults (1 s doubling up to 30 s per IP).
	Throttle *authpolicy.Throttle
	// Logf receives the library's and the server's log lines; nil discards
	// them. Nothing is ever written to stderr.
	Logf func(format string, args ...any)
	// AppendLimit is the largest APPEND accepted, in octets; zero means the
	// store's MaxMessageBytes.
	AppendLimit uint32
	// Recent holds which messages have been \Recent to a session; nil
	// means a table of the Server's own, lost when it stops. Give every
	// Server of one store the same table, and keep it across restarts, to
	// behave like a server that keeps \Recent on disk (Dovecot).
	Recent *RecentTable
}

// Capabilities lists what the server advertises besides what go-imap adds
// on its own (SASL-IR, LITERAL-, UNSELECT, ENABLE, UTF8=ACCEPT, STARTTLS,
// AUTH=, APPENDLIMIT=). IMAP4rev2 implies the ones from ESEARCH on, so
// go-imap advertises them anyway; they are listed to say so. Every
// advertised capability is exercised by the tests.
var Capabilities = []imap.Cap{
	imap.CapIMAP4rev1, imap.CapIMAP4rev2, imap.CapIdle, imap.CapUIDPlus,
	imap.CapMove, imap.CapNamespace, imap.CapLiteralPlus, imap.CapSpecialUse,
	imap.CapUnauthenticate,
	imap.CapESearch, imap.CapStatusSize, imap.CapSearchRes, imap.CapListExtended,
	imap.CapListStatus, imap.CapChildren,
}

// Server is an IMAP server over a mail store. Create it with NewServer.
type Server struct {
	opts     Options
	store    *mailstore.Store
	lib      *imapserver.Server
	reg      *registry
	throttle *authpolicy.Throttle
	cancel   func()
	done     chan struct{} // closed by Close and Shutdown

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	closed    bool
}

// NewServer returns a server for o.Store. It subscribes to the store's
// change feed at once; call Close or Shutdown to stop.
func NewServer(o Options) *Server {
	if o.Store == nil {
		panic("imap: Options.Store is required")
	}
	if o.Hostname == "" {
		o.Hostname = "imap.example.com"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.AppendLimit == 0 {
		o.AppendLimit = uint32(min(int64(o.Store.MaxMessageBytes()), 1<<32-1))
	}
	s := &Server{
		opts:      o,
		store:     o.Store,
		reg:       newRegistry(o.Logf, o.Recent),
		throttle:  o.Throttle,
		done:      make(chan struct{}),
		listeners: map[net.Listener]struct{}{},
		sessions:  map[*session]struct{}{},
	}
	if s.throttle == nil {
		s.throttle = &authpolicy.Throttle{}
	}
	caps := imap.CapSet{}
	for _, c := range Capabilities {
		caps[c] = struct{}{}
	}
	libOpts := &imapserver.Options{
		NewSession: s.newSession,
		Caps:       caps,
		Logger:     logger(o.Logf),
		// The library trusts only *tls.Conn; our sessions apply
		// authpolicy themselves, which also works through a tap.
		InsecureAuth: true,
	}
	if !o.ImplicitTLS {
		libOpts.TLSConfig = o.TLSConfig
	}
	s.lib = imapserver.New(libOpts)
	s.cancel = o.Store.Subscribe(s.reg.onChange)
	return s
}

// logger adapts Options.Logf to imapserver.Logger.
type logger func(format string, args ...any)

func (l logger) Printf(format string, args ...any) { l(format, args...) }

// Serve accepts connections on l until the server is closed. It returns
// nil after Close or Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errors.New("imap: server closed")
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	err := s.lib.Serve(l)
	s.mu.Lock()
	delete(s.listeners, l)
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return nil
	}
	return err
}

// Close closes the listeners and every connection at once, without BYE.
func (s *Server) Close() error {
	if !s.markClosed() {
		return nil
	}
	return s.finish()
}

// Shutdown stops accepting connections, sends BYE to every open session
// and closes the connections. If ctx ends first, the remaining connections
// are closed at once and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.markClosed() {
		return nil
	}
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	sessions := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	s.mu.Unlock()

	var wg sync.WaitGroup
	for _, sess := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess.bye("server shutting down")
		}()
	}
	byes := make(chan struct{})
	go func() { wg.Wait(); close(byes) }()
	var err error
	select {
	case <-byes:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if ferr := s.finish(); err == nil {
		err = ferr
	}
	return err
}

func (s *Server) markClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	close(s.done)
	return true
}

func (s *Server) finish() error {
	s.mu.Lock()
	for l := range s.listeners {
		l.Close()
	}
	s.mu.Unlock()
	s.cancel()
	err := s.lib.Close()
	if err != nil && err.Error() == "imapserver: server closed" {
		err = nil
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) addSession(sess *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.sessions[sess] = struct{}{}
	return true
}

func (s *Server) removeSession(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess)
	s.mu.Unlock()
}
