package smtp

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// session is one SMTP session: go-smtp makes a new one at EHLO, and again
// after STARTTLS.
type session struct {
	srv      *Server
	conn     *gosmtp.Conn
	tc       *trackedConn // nil if go-smtp's conn is not ours (never, in practice)
	remote   net.Addr
	remoteIP string
	tls      bool
	loopback bool

	// mu guards the rest: with BDAT, go-smtp calls Data on its own
	// goroutine while the connection's goroutine may call Reset or Logout.
	mu       sync.Mutex
	user     string // authenticated user, canonical store name
	helo     string
	from     string
	size     int64 // SIZE= declared in MAIL, 0 if none
	mismatch bool
	local    []localRcpt
	foreign  []string
}

type localRcpt struct{ addr, user string }

var (
	_ gosmtp.Session     = (*session)(nil)
	_ gosmtp.AuthSession = (*session)(nil)
)

func (s *Server) newSession(c *gosmtp.Conn) (gosmtp.Session, error) {
	select {
	case <-s.done:
		return nil, errShuttingDown
	default:
	}
	nc := c.Conn()
	return &session{
		srv:      s,
		conn:     c,
		tc:       trackedOf(nc),
		remote:   nc.RemoteAddr(),
		remoteIP: authpolicy.HostOf(nc.RemoteAddr()),
		tls:      s.o.ImplicitTLS || authpolicy.IsTLS(nc),
		loopback: authpolicy.IsLoopback(nc),
		helo:     c.Hostname(),
	}, nil
}

// gone reports that the connection was closed under go-smtp (a timeout):
// what go-smtp still hands the session, such as a partial command line the
// timeout cut, must have no effect.
func (s *session) gone() bool { return s.tc != nil && s.tc.isClosed() }

// authAllowed applies the plaintext policy ourselves: go-smtp's test
// (conn.(*tls.Conn)) fails on a tapped connection.
func (s *session) authAllowed() bool {
	return s.srv.o.Role == Submission && s.srv.o.Plaintext.Allows(s.tls, s.loopback)
}

// AuthMechanisms is what EHLO advertises: nothing on MX, nothing where a
// password may not cross.
func (s *session) AuthMechanisms() []string {
	if !s.authAllowed() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if s.gone() {
		return nil, errGone
	}
	if s.srv.o.Role != Submission {
		return nil, gosmtp.ErrAuthUnsupported
	}
	if !s.authAllowed() {
		return nil, errEncryptionRequired
	}
	switch strings.ToUpper(mech) {
	case sasl.Plain:
		return sasl.NewPlainServer(s.login), nil
	case sasl.Login:
		return &loginServer{check: func(user, pass string) error { return s.login("", user, pass) }}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

// login checks a password. A failure waits the Throttle's delay and
// returns smtp.ErrAuthFailed (535 5.7.8).
func (s *session) login(identity, username, password string) error {
	var name string
	ok := false
	account := s.srv.localUser(username)
	if account == "" {
		account = username
	}
	if s.srv.throttle.Busy(s.remote, account) {
		s.srv.o.Logf("smtp %s: login for %q from %s refused unchecked: failed logins from there are waiting", s.srv.o.Hostname, username, s.remoteIP)
		return errLoginsPending
	}
	if u := s.srv.localUser(username); u != "" {
		name, ok = s.srv.o.Store.Authenticate(u, password)
	}
	if !ok {
		d := s.srv.throttle.Failed(s.remote, account)
		s.srv.o.Logf("smtp %s: failed login for %q from %s; answering in %v", s.srv.o.Hostname, username, s.remoteIP, d)
		s.srv.throttle.Sleep(s.remote, account, d, s.srv.done)
		return gosmtp.ErrAuthFailed
	}
	if identity != "" && !strings.EqualFold(s.srv.localUser(identity), name) {
		return errAuthIdentity
	}
	s.srv.throttle.Succeeded(s.remote, account)
	s.mu.Lock()
	s.user = name
	s.mu.Unlock()
	return nil
}

// localUser maps "alice" or "alice@<local domain>" to the store user name
// "alice"; other domains give "".
func (s *Server) localUser(addr string) string {
	local, domain, ok := splitAddress(addr)
	if !ok {
		if addr != "" && !strings.Contains(addr, "@") {
			return addr
		}
		return ""
	}
	if !s.isLocalDomain(domain) {
		return ""
	}
	return local
}

// printableAddress reports whether an address is valid UTF-8 without
// control characters (RFC 5321 4.1.2, RFC 6531): NUL and the like never
// belong in a mailbox, and would reach logs and transcripts.
func printableAddress(addr string) bool {
	if !utf8.ValidString(addr) {
		return false
	}
	for _, r := range addr {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}

func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}

func (s *session) Mail(from string, opts *gosmtp.MailOptions) error {
	if s.gone() {
		return errGone
	}
	if !printableAddress(from) {
		return errBadSender
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv.o.Role == Submission && s.user == "" {
		return errAuthRequired
	}
	s.resetLocked()
	s.helo = s.conn.Hostname()
	s.from = from
	if opts != nil {
		s.size = opts.Size
	}
	if s.user != "" && !strings.EqualFold(s.srv.localUser(from), s.user) {
		// Lenient, as many providers are not: allowed, but recorded.
		s.mismatch = true
		s.srv.o.Logf("smtp %s: user %s sends as <%s>", s.srv.o.Hostname, s.user, from)
	}
	return nil
}

func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if s.gone() {
		return errGone
	}
	if !printableAddress(to) {
		return errBadAddress(to)
	}
	local, domain, ok := splitAddress(to)
	if !ok {
		return errBadAddress(to)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv.isLocalDomain(domain) {
		st := s.srv.o.Store
		if !st.HasUser(local) {
			return errNoSuchUser(to)
		}
		if s.size > 0 {
			if used, limit, err := st.Quota(local); err == nil && limit > 0 && used+s.size > limit {
				return errMailboxFullTemp(to)
			}
		}
		s.local = append(s.local, localRcpt{addr: to, user: local})
		return nil
	}
	if s.user == "" {
		return errRelayDenied(to)
	}
	if s.srv.o.MTA == nil {
		return errNoMTA(to)
	}
	s.foreign = append(s.foreign, to)
	return nil
}

// Data receives the whole message before delivering any of it, so a
// connection lost in DATA delivers nothing.
func (s *session) Data(r io.Reader) error {
	if s.tc != nil {
		s.tc.setInData(true)
		defer s.tc.setInData(false)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return s.readError(err)
	}
	if s.gone() {
		return errGone
	}
	if hasBareLineEnding(raw) {
		return errBareLF
	}

	s.mu.Lock()
	acc := Accepted{From: s.from, Helo: s.helo, Remote: s.remoteIP, TLS: s.tls, AuthUser: s.user, SenderMismatch: s.mismatch}
	local := dedupeLocal(s.local)
	foreign := dedupe(s.foreign)
	s.mu.Unlock()

	o := &s.srv.o
	acc.ID = o.NewID()
	now := o.Clock()
	st := trace{helo: acc.Helo, ip: acc.Remote, by: o.Hostname, proto: protocol(acc.TLS, acc.AuthUser != ""), id: acc.ID, at: now}
	fill := missingHeaders(raw, acc.ID, o.Hostname, now)

	copies := make([][]byte, len(local))
	for i, rc := range local {
		st.rcpt = rc.addr
		copies[i] = withPrefix(raw, "Return-Path: <"+acc.From+">\r\n", st.header(), fill)
		// With one recipient Deliver's own check is exact (and cheaper:
		// Quota sums the mailbox); with more, check all before delivering
		// any, so that a full mailbox refuses the message for everyone.
		if len(local) > 1 {
			if used, limit, err := o.Store.Quota(rc.user); err == nil && limit > 0 && used+int64(len(copies[i])) > limit {
				return errMailboxFull(rc.addr)
			}
		}
		if len(copies[i]) > o.Store.MaxMessageBytes() {
			return gosmtp.ErrDataTooLarge
		}
	}
	if len(foreign) > 0 {
		st.rcpt = ""
		if len(foreign) == 1 {
			st.rcpt = foreign[0]
		}
		msg := withPrefix(raw, st.header(), fill)
		if err := o.MTA.enqueue(acc.ID, acc.From, foreign, msg, now); err != nil {
			return errQueue(err)
		}
		acc.Queued = foreign
	}
	for i, rc := range local {
		if _, err := o.Store.Deliver(rc.user, copies[i]); err != nil {
			if len(acc.Local) > 0 || len(acc.Queued) > 0 {
				// Only a concurrent delivery can get here (quota was checked
				// above); the others have their copy, so do not fail them.
				o.Logf("smtp %s: message %s: delivery to <%s> failed after the others succeeded: %v", o.Hostname, acc.ID, rc.addr, err)
				continue
			}
			switch {
			case errors.Is(err, mailstore.ErrOverQuota):
				return errMailboxFull(rc.addr)
			case errors.Is(err, mailstore.ErrTooBig):
				return gosmtp.ErrDataTooLarge
			}
			return errLocal(err)
		}
		acc.Local = append(acc.Local, rc.addr)
	}
	if o.OnAccept != nil {
		o.OnAccept(acc)
	}
	return &gosmtp.SMTPError{Code: 250, EnhancedCode: gosmtp.EnhancedCode{2, 0, 0}, Message: "Ok: queued as " + acc.ID}
}

// readError turns a failure while reading DATA into the reply.
func (s *session) readError(err error) error {
	switch {
	case errors.Is(err, gosmtp.ErrDataTooLarge):
		return gosmtp.ErrDataTooLarge // 552 5.3.4, as go-smtp writes it
	case errors.Is(err, gosmtp.ErrTooLongLine):
		return errLineTooLong(s.srv.o.MaxLineLength)
	}
	s.srv.o.Logf("smtp %s: message from %s not received (%v); nothing delivered", s.srv.o.Hostname, s.remoteIP, err)
	return err
}

func (s *session) Reset() {
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
}

func (s *session) resetLocked() {
	s.from, s.size, s.mismatch = "", 0, false
	s.local, s.foreign = nil, nil
}

func (s *session) Logout() error { return nil }

// hasBareLineEnding reports a CR not followed by LF, or an LF not preceded
// by CR.
func hasBareLineEnding(b []byte) bool {
	for i, c := range b {
		switch c {
		case '\n':
			if i == 0 || b[i-1] != '\r' {
				return true
			}
		case '\r':
			if i+1 == len(b) || b[i+1] != '\n' {
				return true
			}
		}
	}
	return false
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range list {
		k := strings.ToLower(a)
		if !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out
}

func dedupeLocal(list []localRcpt) []localRcpt {
	seen := map[string]bool{}
	var out []localRcpt
	for _, r := range list {
		k := strings.ToLower(r.user)
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login), which go-sasl only has as a client. An
// initial response is taken as the user name.
type loginServer struct {
	state int
	user  string
	check func(user, pass string) error
}

func (l *loginServer) Next(resp []byte) (challenge []byte, done bool, err error) {
	switch l.state {
	case 0:
		if resp == nil {
			l.state = 1
			return []byte("Username:"), false, nil
		}
		l.user, l.state = string(resp), 2
		return []byte("Password:"), false, nil
	case 1:
		l.user, l.state = string(resp), 2
		return []byte("Password:"), false, nil
	case 2:
		l.state = 3
		return nil, true, l.check(l.user, string(resp))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}
