package pop3

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// plaintextAllowed reports whether a password may cross this connection.
func (c *conn) plaintextAllowed() bool {
	return c.o.Plaintext.Allows(c.tls || authpolicy.IsTLS(c.nc), c.loopback)
}

// refusePlaintext replies -ERR [AUTH] and returns true when a password may
// not cross this connection.
func (c *conn) refusePlaintext(what string) bool {
	if c.plaintextAllowed() {
		return false
	}
	hint := "use APOP, or connect over TLS"
	if c.stlsAvailable() {
		hint = "send STLS first, or use APOP"
	}
	c.fail("[AUTH] %s refused: passwords may not cross this connection in clear text; %s", what, hint)
	return true
}

// userCmd answers USER. It accepts any name, so that a client cannot learn
// which users exist; PASS decides.
func (c *conn) userCmd(args string) {
	f := strings.Fields(args)
	if len(f) != 1 {
		c.fail("usage: USER name")
		return
	}
	if c.refusePlaintext("USER") {
		return
	}
	c.user = f[0]
	c.ok("send PASS")
}

// pass answers PASS. The whole rest of the line is the password, spaces
// included (RFC 1939 section 7).
func (c *conn) pass(args string) {
	if c.user == "" {
		c.fail("PASS needs USER first")
		return
	}
	name := c.user
	c.user = ""
	if c.refusePlaintext("PASS") {
		return
	}
	if args == "" {
		c.fail("usage: PASS password")
		return
	}
	if c.loginsPending(name) {
		return
	}
	canon, ok := c.o.Store.Authenticate(name, args)
	if !ok {
		c.loginFailed("USER/PASS", name)
		return
	}
	c.login(canon, "USER/PASS")
}

// apop answers APOP name digest: digest is the MD5 of the greeting's
// timestamp followed by the password, in hex.
func (c *conn) apop(args string) {
	f := strings.Fields(args)
	if len(f) != 2 {
		c.fail("usage: APOP name digest (digest = hex MD5 of the greeting's <timestamp> followed by the password)")
		return
	}
	name, digest := f[0], strings.ToLower(f[1])
	c.user = ""
	if c.loginsPending(name) {
		return
	}
	pw, known := c.o.Store.Password(name)
	sum := md5.Sum([]byte(c.timestamp + pw))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(digest), []byte(want)) != 1 || !known {
		c.loginFailed("APOP", name)
		return
	}
	canon, ok := c.o.Store.Authenticate(name, pw)
	if !ok { // the password changed in between
		c.loginFailed("APOP", name)
		return
	}
	c.login(canon, "APOP")
}

// mechanisms lists the SASL mechanisms usable on this connection.
func (c *conn) mechanisms() []string {
	if c.plaintextAllowed() {
		return []string{"PLAIN"}
	}
	return nil
}

// auth answers AUTH (RFC 5034). Without an argument it lists the
// mechanisms, as many clients expect.
func (c *conn) auth(args string) {
	f := strings.Fields(args)
	if len(f) == 0 {
		c.okLines("SASL mechanisms follow", c.mechanisms())
		return
	}
	if len(f) > 2 {
		c.fail("usage: AUTH mechanism [initial-response]")
		return
	}
	c.user = ""
	if mech := strings.ToUpper(f[0]); mech != "PLAIN" {
		c.fail("unsupported SASL mechanism %s; this server offers PLAIN", quote(f[0]))
		return
	}
	if c.refusePlaintext("AUTH PLAIN") {
		return
	}
	var resp string
	if len(f) == 2 {
		resp = f[1]
	} else {
		c.writeLine("+ ")
		c.flush()
		line, _, ok := c.next()
		if !ok {
			c.over = true
			return
		}
		resp = strings.TrimSpace(line)
	}
	switch resp {
	case "*":
		c.fail("AUTH cancelled by the client")
		return
	case "=": // an empty initial response (RFC 5034 section 4)
		resp = ""
	}
	raw, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		c.fail("AUTH PLAIN: the response is not valid base64")
		return
	}
	parts := bytes.Split(raw, []byte{0})
	if len(parts) != 3 {
		c.fail("[AUTH] AUTH PLAIN: the response must be authzid NUL user NUL password, base64-encoded")
		return
	}
	authz, name, pw := string(parts[0]), string(parts[1]), string(parts[2])
	if c.loginsPending(name) {
		return
	}
	canon, ok := c.o.Store.Authenticate(name, pw)
	if ok && authz != "" && !strings.EqualFold(authz, canon) {
		c.fail("[AUTH] AUTH PLAIN: %s may not act as %s; leave the authorization identity empty", canon, quote(authz))
		return
	}
	if !ok {
		c.loginFailed("AUTH PLAIN", name)
		return
	}
	c.login(canon, "AUTH PLAIN")
}

// loginsPending refuses a login without checking its password when failed
// logins from this address are waiting out their delays
// (authpolicy.Throttle.Busy).
func (c *conn) loginsPending(name string) bool {
	if !c.o.Throttle.Busy(c.remote, name) {
		return false
	}
	c.logf("login of %s refused unchecked: failed logins from this address are waiting", quote(name))
	c.fail("[SYS/TEMP] failed logins from your address are still waiting out their delay; try again in a few seconds")
	return true
}

// loginFailed waits as the throttle says (returning early if the server
// stops the session), then replies -ERR [AUTH].
func (c *conn) loginFailed(how, name string) {
	d := c.o.Throttle.Failed(c.remote, name)
	c.logf("%s login failed for %s; replying after %v", how, quote(name), d)
	c.o.Throttle.Sleep(c.remote, name, d, c.done)
	select {
	case <-c.done:
		return // next() sends the shutdown reply
	default:
	}
	c.fail("[AUTH] invalid user name or password")
}

// login takes the maildrop lock and the login-time view, and enters
// TRANSACTION.
func (c *conn) login(user, how string) {
	c.o.Throttle.Succeeded(c.remote, user)
	unlock, err := c.o.Store.LockMaildrop(user)
	if errors.Is(err, mailstore.ErrInUse) {
		c.logf("%s login of %s: maildrop in use", how, user)
		c.fail("[IN-USE] maildrop already locked: another POP3 session of %s is open", user)
		return
	}
	if err != nil {
		c.fail("[SYS/TEMP] cannot open the maildrop of %s: %v", user, err)
		return
	}
	msgs, info, err := c.o.Store.Messages(user, mailstore.Inbox)
	if err != nil {
		unlock()
		c.fail("[SYS/TEMP] cannot read the maildrop of %s: %v", user, err)
		return
	}
	c.unlock = unlock
	c.drop = newMaildrop(user, info.UIDValidity, msgs)
	c.origin = &Origin{User: user, Remote: c.remote.String()}
	c.state = transaction
	if c.o.Opened != nil && len(msgs) > 0 {
		c.o.Opened(user, msgs[len(msgs)-1].UID)
	}
	c.logf("%s logged in with %s; %d messages", user, how, len(msgs))
	c.ok("%s has %s (%d octets)", user, messages(c.drop.live), c.drop.octets)
}
