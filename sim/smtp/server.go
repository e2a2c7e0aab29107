package smtp

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// Role is the job a Server does at its provider.
type Role int

const (
	// Submission accepts mail from the provider's own users (ports 587 and
	// 465): AUTH is required before MAIL, and mail for other domains goes to
	// the MTA.
	Submission Role = iota
	// MX accepts mail from other servers for the provider's own domains
	// (port 25): no AUTH, and no relaying.
	MX
)

func (r Role) String() string {
	switch r {
	case Submission:
		return "submission"
	case MX:
		return "mx"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Defaults for the limits in Options.
const (
	DefaultMaxMessageBytes = 10 << 20
	DefaultMaxRecipients   = 100
	DefaultMaxLineLength   = 2000 // RFC 5321 4.5.3.1.6, doubled as go-smtp does
	DefaultTimeout         = 5 * time.Minute
	DefaultMaxConnsPerIP   = 20
)

// Options configure a Server. Zero values get the documented defaults; the
// limits are never unlimited.
type Options struct {
	Role Role
	// Domain is the provider's mail domain ("example.com"); LocalDomains
	// are extra domains delivered to the same Store. Required.
	Domain       string
	LocalDomains []string
	// Hostname is the name in the greeting and in Received headers; empty
	// means "smtp."+Domain for Submission and "mx."+Domain for MX.
	Hostname string
	// Store holds the local users: user "alice" is alice@Domain. Required.
	Store *mailstore.Store
	// TLSConfig enables STARTTLS (unless ImplicitTLS). Versions below TLS
	// 1.2 are refused whatever it says.
	TLSConfig *tls.Config
	// ImplicitTLS says the listener given to Serve already speaks TLS (the
	// 465 role; wrap it with tls.NewListener). STARTTLS is then not offered.
	ImplicitTLS bool
	// Plaintext says when AUTH may be offered and accepted; the zero value
	// allows it on loopback or inside TLS.
	Plaintext authpolicy.Plaintext
	// Throttle delays answers to failed logins; nil means a Throttle of
	// this server's own with the default delays. Share one per provider.
	Throttle *authpolicy.Throttle
	// MTA receives mail that authenticated users send to other domains;
	// nil means such recipients are refused.
	MTA *MTA

	MaxMessageBytes int64         // 0 means DefaultMaxMessageBytes
	MaxRecipients   int           // 0 means DefaultMaxRecipients
	MaxLineLength   int           // 0 means DefaultMaxLineLength
	ReadTimeout     time.Duration // 0 means DefaultTimeout
	WriteTimeout    time.Duration // 0 means DefaultTimeout
	MaxConnsPerIP   int           // 0 means DefaultMaxConnsPerIP

	// Clock dates Received, Date and the like; nil means time.Now.
	Clock func() time.Time
	// Logf receives the server's diagnostics, go-smtp's included; nil
	// discards them. Nothing is ever written to stderr.
	Logf func(format string, args ...any)
	// NewID names each accepted message (the Received "id" and the queue
	// ID); nil means random 12-character IDs. Lessons pass a seeded one.
	NewID func() string
	// OnAccept, if set, is called after each message is accepted, with what
	// the server did with it. It runs on the connection's goroutine.
	OnAccept func(Accepted)
}

// Accepted describes a message a Server took responsibility for.
type Accepted struct {
	ID       string
	From     string   // reverse path; "" for a bounce
	Local    []string // recipients delivered to the Store
	Queued   []string // recipients handed to the MTA
	Helo     string
	Remote   string // peer IP
	TLS      bool
	AuthUser string // "" when not authenticated
	// SenderMismatch is set when an authenticated user sent with a MAIL
	// FROM that is not their own address (allowed, but recorded).
	SenderMismatch bool
}

// Server is an SMTP server in one role. Create it with NewServer.
type Server struct {
	o        Options
	srv      *gosmtp.Server
	domains  map[string]bool
	throttle *authpolicy.Throttle
	done     chan struct{} // closed by Close and Shutdown

	mu       sync.Mutex
	conns    map[*trackedConn]struct{}
	perIP    map[string]int
	stopping bool
}

// NewServer returns a server configured by o. It panics if Domain or Store
// is missing, which is a programming error.
func NewServer(o Options) *Server {
	if o.Domain == "" || o.Store == nil {
		panic("smtp.NewServer: Options.Domain and Options.Store are required")
	}
	if o.Hostname == "" {
		if o.Role == MX {
			o.Hostname = "mx." + o.Domain
		} else {
			o.Hostname = "smtp." + o.Domain
		}
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = DefaultMaxRecipients
	}
	if o.MaxLineLength <= 0 {
		o.MaxLineLength = DefaultMaxLineLength
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultTimeout
	}
	if o.MaxConnsPerIP <= 0 {
		o.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.NewID == nil {
		o.NewID = RandomID
	}
	s := &Server{
		o:        o,
		domains:  map[string]bool{strings.ToLower(o.Domain): true},
		throttle: o.Throttle,
		done:     make(chan struct{}),
		conns:    map[*trackedConn]struct{}{},
		perIP:    map[string]int{},
	}
	for _, d := range o.LocalDomains {
		s.domains[strings.ToLower(d)] = true
	}
	if s.throttle == nil {
		s.throttle = &authpolicy.Throttle{}
	}

	srv := gosmtp.NewServer(gosmtp.BackendFunc(s.newSession))
	srv.Domain = o.Hostname
	srv.MaxMessageBytes = o.MaxMessageBytes
	srv.MaxRecipients = o.MaxRecipients
	srv.MaxLineLength = o.MaxLineLength
	srv.ReadTimeout = o.ReadTimeout
	srv.WriteTimeout = o.WriteTimeout
	srv.EnableSMTPUTF8 = true
	// go-smtp decides by conn.(*tls.Conn), which a tap defeats: let it
	// always offer AUTH and decide in the session (see session.authAllowed).
	srv.AllowInsecureAuth = true
	srv.ErrorLog = logger(o.Logf)
	if o.TLSConfig != nil && !o.ImplicitTLS {
		srv.TLSConfig = s.starttlsConfig(o.TLSConfig)
	}
	s.srv = srv
	return s
}

// starttlsConfig enforces TLS 1.2+ and notes, per connection, that a
// STARTTLS handshake has begun (so Shutdown does not write plain text into
// it).
func (s *Server) starttlsConfig(base *tls.Config) *tls.Config {
	c := base.Clone()
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	next := c.GetConfigForClient
	c.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		if tc, ok := hello.Conn.(*trackedConn); ok {
			tc.mu.Lock()
			tc.tlsStarted = true
			tc.mu.Unlock()
		}
		if next != nil {
			return next(hello)
		}
		return nil, nil
	}
	return c
}

// Hostname is the name the server greets with.
func (s *Server) Hostname() string { return s.o.Hostname }

// Serve accepts connections on l until Close or Shutdown. For the 465 role,
// l must already be a TLS listener (Options.ImplicitTLS).
func (s *Server) Serve(l net.Listener) error {
	select {
	case <-s.done:
		l.Close()
		return gosmtp.ErrServerClosed
	default:
	}
	return s.srv.Serve(&trackedListener{Listener: l, srv: s})
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.markStopping()
	err := s.srv.Close()
	if errors.Is(err, gosmtp.ErrServerClosed) {
		err = nil
	}
	s.closeConns(false)
	return err
}

// Shutdown stops accepting connections, tells each idle session "421 4.3.2"
// and closes it, and waits for sessions in the middle of a message to
// finish theirs (they are then told 421 too). When ctx ends first, the
// remaining sessions are told 421 and closed, and ctx's error is returned.
func (s *Server) Shutdown(ctx context.Context) error {
	s.markStopping()
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Shutdown(ctx) }()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeConns(true)
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				s.closeConns(false)
				return ctx.Err()
			}
			if errors.Is(err, gosmtp.ErrServerClosed) {
				err = nil
			}
			return err
		case <-ctx.Done():
			s.closeConns(false)
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *Server) markStopping() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopping {
		s.stopping = true
		close(s.done)
	}
}

// closeConns says 421 to the tracked connections and closes them: only the
// idle ones (waiting for a command) when idleOnly is set.
func (s *Server) closeConns(idleOnly bool) {
	s.mu.Lock()
	list := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		list = append(list, c)
	}
	s.mu.Unlock()
	for _, c := range list {
		c.shutdown(idleOnly)
	}
}

// RandomID returns a random 12-character queue ID in the style of Postfix
// (upper-case hexadecimal).
func RandomID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return strings.ToUpper(fmt.Sprintf("%x", b[:]))
}

// logger adapts Logf to go-smtp's Logger, so its ErrorLog never reaches
// stderr.
type logger func(format string, args ...any)

func (l logger) Printf(format string, v ...any) { l(format, v...) }
func (l logger) Println(v ...any)               { l("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n")) }

// isLocalDomain reports whether d is one of this provider's domains.
func (s *Server) isLocalDomain(d string) bool { return s.domains[strings.ToLower(d)] }
