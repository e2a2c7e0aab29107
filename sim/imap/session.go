package imap

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// session is one IMAP connection. The library calls its methods from the
// connection's goroutine, one command at a time (Idle runs in a second
// goroutine while the first waits for DONE).
type session struct {
	srv    *Server
	conn   *imapserver.Conn
	remote net.Addr
	user   string     // canonical name; "" until logged in
	sel    *selection // nil unless a mailbox is selected

	flagBuf []imap.Flag // FETCH's flags of one message, reused for the next
	encBuf  []byte      // FETCH's kept items of one message, expanded; reused

	// selMu orders the writes of sel with the IDLE goroutine's read of it:
	// when the connection drops during IDLE, the library returns without
	// waiting for Idle, and Close runs while Idle may still be starting.
	selMu sync.Mutex
}

var (
	_ imapserver.SessionIMAP4rev2      = (*session)(nil)
	_ imapserver.SessionSASL           = (*session)(nil)
	_ imapserver.SessionUnauthenticate = (*session)(nil)
	_ imapserver.SessionAppendLimit    = (*session)(nil)
	_ imapserver.SessionNamespace      = (*session)(nil)
	_ imapserver.SessionMove           = (*session)(nil)
	_ imapserver.SessionAuthPolicy     = (*session)(nil)
)

func (s *Server) newSession(conn *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	sess := &session{srv: s, conn: conn, remote: conn.NetConn().RemoteAddr()}
	if !s.addSession(sess) {
		return nil, nil, &imap.Error{Type: imap.StatusResponseTypeBye, Text: s.opts.Hostname + " is shutting down"}
	}
	return sess, nil, nil
}

// bye tells the client the server is going away and closes the connection.
func (sess *session) bye(text string) {
	// NetConn takes the connection's lock, which orders this goroutine
	// after a STARTTLS that replaced the connection.
	sess.conn.NetConn()
	if err := sess.conn.Bye(sess.srv.opts.Hostname + " " + text); err != nil && !errors.Is(err, net.ErrClosed) {
		sess.srv.opts.Logf("imap: BYE to %v: %v", sess.remote, err)
	}
}

func (sess *session) Close() error {
	sess.unselect()
	sess.srv.removeSession(sess)
	return nil
}

// errLoginsPending refuses a login without checking its password (see
// authpolicy.Throttle.Busy).
var errLoginsPending = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable,
	Text: "Failed logins from your address are still waiting out their delay; try again in a few seconds"}

var errPrivacyRequired = &imap.Error{
	Type: imap.StatusResponseTypeNo,
	Code: imap.ResponseCodePrivacyRequired,
	Text: "Passwords are accepted only inside TLS here: use STARTTLS or the implicit-TLS port",
}

// AuthAllowed tells the library when to advertise LOGINDISABLED.
func (sess *session) AuthAllowed() bool { return sess.plaintextAllowed() }

// plaintextAllowed applies the auth policy to this connection now (after
// STARTTLS, NetConn is the *tls.Conn).
func (sess *session) plaintextAllowed() bool {
	nc := sess.conn.NetConn()
	tlsActive := sess.srv.opts.ImplicitTLS || authpolicy.IsTLS(nc)
	return sess.srv.opts.Plaintext.AllowsConn(nc, tlsActive)
}

func (sess *session) Login(username, password string) error {
	if !sess.plaintextAllowed() {
		return errPrivacyRequired
	}
	if sess.srv.throttle.Busy(sess.remote, username) {
		return errLoginsPending
	}
	name, ok := sess.srv.store.Authenticate(username, password)
	if !ok {
		wait := sess.srv.throttle.Failed(sess.remote, username)
		sess.srv.throttle.Sleep(sess.remote, username, wait, sess.srv.done)
		return imapserver.ErrAuthFailed
	}
	sess.srv.throttle.Succeeded(sess.remote, username)
	sess.user = name
	return nil
}

// AuthenticateMechanisms lists PLAIN only where the policy allows a
// password on this connection, so CAPABILITY shows AUTH=PLAIN only then.
func (sess *session) AuthenticateMechanisms() []string {
	if sess.plaintextAllowed() {
		return []string{sasl.Plain}
	}
	return nil
}

func (sess *session) Authenticate(mech string) (sasl.Server, error) {
	if !strings.EqualFold(mech, sasl.Plain) {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot,
			Text: fmt.Sprintf("SASL mechanism %q is not supported; this server offers PLAIN", mech)}
	}
	if !sess.plaintextAllowed() {
		return nil, errPrivacyRequired
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthorizationFailed,
				Text: "Logging in as another user (SASL authorization identity) is not supported"}
		}
		return sess.Login(username, password)
	}), nil
}

func (sess *session) Unauthenticate() error {
	sess.unselect()
	sess.user = ""
	return nil
}

func (sess *session) AppendLimit() uint32 { return sess.srv.opts.AppendLimit }

func (sess *session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{
		Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: mailstore.Delimiter}},
	}, nil
}

// rev2 reports whether the client has ENABLEd IMAP4rev2 (no \Recent then).
func (sess *session) rev2() bool {
	return sess.conn.EnabledCaps().Has(imap.CapIMAP4rev2)
}

// storeError turns a mailstore error into the IMAP answer a client can act
// on. tryCreate marks a missing destination of APPEND, COPY or MOVE.
func storeError(err error, mailbox string, tryCreate bool) error {
	no := func(code imap.ResponseCode, text string) error {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: code, Text: text}
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, mailstore.ErrNoMailbox):
		if tryCreate {
			return no(imap.ResponseCodeTryCreate, fmt.Sprintf("Mailbox %q does not exist; CREATE it first", mailbox))
		}
		return no(imap.ResponseCodeNonExistent, fmt.Sprintf("Mailbox %q does not exist", mailbox))
	case errors.Is(err, mailstore.ErrMailboxExists):
		return no(imap.ResponseCodeAlreadyExists, fmt.Sprintf("Mailbox %q already exists", mailbox))
	case errors.Is(err, mailstore.ErrBadName):
		return no(imap.ResponseCodeCannot, fmt.Sprintf("Invalid mailbox name: %v (at most %d octets, no empty, \".\" or \"..\" levels, no control or wildcard characters)",
			strings.TrimPrefix(err.Error(), "mailstore: "), mailstore.MaxMailboxName))
	case errors.Is(err, mailstore.ErrInboxDelete):
		return no(imap.ResponseCodeCannot, "INBOX cannot be deleted")
	case errors.Is(err, mailstore.ErrOverQuota):
		return no(imap.ResponseCodeOverQuota, "Over quota: delete or expunge messages first")
	case errors.Is(err, mailstore.ErrTooBig):
		return no(imap.ResponseCodeTooBig, "The message is larger than this server accepts")
	case errors.Is(err, mailstore.ErrTooManyKeywords):
		return no(imap.ResponseCodeLimit, fmt.Sprintf("At most %d keywords may be defined in a mailbox", mailstore.MaxKeywords))
	case errors.Is(err, mailstore.ErrNoUser):
		return no(imap.ResponseCodeUnavailable, "The account no longer exists")
	}
	return err
}

// checkName refuses a mailbox name the store would never hold, before any
// lookup: "../x", "/etc", 5,000 octets.
func checkName(name string) error {
	if canonicalMailbox(name) == mailstore.Inbox {
		return nil
	}
	if err := mailstore.ValidMailboxName(name); err != nil {
		return storeError(err, name, false)
	}
	return nil
}
