package sim

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The step verbs a scripted device performs over a connection: connect,
// STARTTLS, send and read, DATA, disconnect or drop, wait, and the
// server side's delivery; and what ends a connection.

func (r *Runner) connect(ctx context.Context, a *actor, st *lessons.Step) error {
	if a.sess != nil {
		return errorf("%s is already connected to %s", a.spec.Name, a.sess.host)
	}
	role := roles.Default(wire.Protocol(a.spec.Protocol))
	if st.To != "" {
		var err error
		if role, err = roles.Parse(st.To); err != nil {
			return err
		}
	}
	p, ok := r.net.Provider(domainOr(a.spec.Domain))
	if !ok {
		return fmt.Errorf("no provider %q", a.spec.Domain)
	}
	host, addr := role.Host(p.Domain), ""
	if srv, ok := p.Server(role); ok {
		addr = srv.Addr
	} else if closed, ok := p.Closed[role]; ok {
		addr = closed // the name exists; nothing listens behind it
	} else {
		return fmt.Errorf("%s runs no %s server", p.Domain, role)
	}
	serverName := host
	if st.Host != "" {
		host = st.Host
	}
	hostport := net.JoinHostPort(host, strconv.Itoa(role.StandardPort()))
	d := net.Dialer{Timeout: 5 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	refusedWanted := strings.EqualFold(st.Expect, lessons.ExpectRefused)
	switch {
	case err != nil && refusedWanted && errors.Is(err, syscall.ECONNREFUSED):
		r.emit(events.Event{Kind: events.EventClose, Actor: a.spec.Name, Protocol: role.Protocol(), Role: role, Host: hostport,
			Text: i18n.Textf("connection refused: nothing listens on %s", hostport)})
		return nil
	case err != nil:
		return errorf("connecting to %s: %s", hostport, err)
	case refusedWanted:
		raw.Close()
		return errorf("expected %s to refuse the connection, but a server answered", hostport)
	}
	tap := r.rec.Conn(raw, role.Protocol(), wire.ClientSide)
	s := &session{role: role, host: hostport, proto: role.Protocol(),
		tap: tap, conn: tap, marked: map[uint32]bool{}}
	r.mu.Lock()
	r.byConn[tap.ID()] = a
	if st.Eavesdrop {
		r.eavesdrop[tap.ID()] = true
	}
	r.mu.Unlock()
	a.sess = s
	r.emit(events.Event{Kind: events.EventConnect, Actor: a.spec.Name, Conn: tap.ID(), Protocol: s.proto, Role: role, Host: s.host,
		Eavesdrop: st.Eavesdrop})
	if role.ImplicitTLS() {
		if err := r.startTLS(s, serverName); err != nil {
			return err
		}
	}
	s.r = bufio.NewReader(s.conn)
	r.noteOn(s, st)
	rep, err := r.read(s, "")
	if err != nil {
		return err
	}
	return expect(st, rep)
}

func (r *Runner) startTLS(s *session, serverName string) error {
	cfg := r.net.CA.ClientConfig(serverName)
	keys := &keyLines{}
	cfg.KeyLogWriter = keys // for a capture export Wireshark can decrypt
	c := tls.Client(s.tap, cfg)
	// Tell the tap first: from the ClientHello on, the wire carries TLS
	// records, and the plaintext is recorded inside.
	s.conn = s.tap.StartTLS(c)
	s.r = bufio.NewReader(s.conn)
	c.SetDeadline(time.Now().Add(r.opts.ReplyTimeout))
	r.mu.Lock()
	r.handshaking = s.tap.ID()
	r.mu.Unlock()
	err := c.Handshake()
	r.mu.Lock()
	r.handshaking = 0
	if r.tlsKeys == nil {
		r.tlsKeys = map[uint64][]string{}
	}
	r.tlsKeys[s.tap.ID()] = keys.take()
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", serverName, err)
	}
	c.SetDeadline(time.Time{})
	return nil
}

// keyLines collects one handshake's key log lines (NSS format).
type keyLines struct {
	mu    sync.Mutex
	lines []string
}

func (r *Runner) read(s *session, cmd string) (reply, error) {
	s.conn.SetReadDeadline(time.Now().Add(r.opts.ReplyTimeout))
	defer s.conn.SetReadDeadline(time.Time{})
	var rep reply
	var err error
	if s.proto == wire.IMAP {
		rep, err = s.imap.readReply(s.r, cmd)
	} else {
		rep, err = readReply(s.proto, s.r, cmd)
	}
	if err != nil {
		return rep, errorf("reading the reply to %q: %s", firstWord(cmd), err)
	}
	return rep, nil
}

func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	if w == "" {
		return "the greeting"
	}
	return w
}

func (r *Runner) writeLine(s *session, line string) error {
	s.conn.SetWriteDeadline(time.Now().Add(r.opts.ReplyTimeout))
	_, err := s.conn.Write([]byte(line + "\r\n"))
	return err
}

func (r *Runner) send(a *actor, st *lessons.Step) error {
	s := a.sess
	if s == nil {
		return errorf("%s is not connected", a.spec.Name)
	}
	cmd := st.Command
	if st.Literal != "" {
		lit := strings.ReplaceAll(strings.ReplaceAll(st.Literal, "\r\n", "\n"), "\n", "\r\n")
		cmd = fmt.Sprintf("%s {%d}", cmd, len(lit))
		r.noteOn(s, st)
		if err := r.writeLine(s, cmd); err != nil {
			return err
		}
		tag, _, _ := strings.Cut(cmd, " ")
		cont, err := readIMAPReply(s.r, tag, true)
		if err != nil {
			return err
		}
		if cont.Status != "+" {
			return expect(st, cont)
		}
		if _, err := s.conn.Write([]byte(lit + "\r\n")); err != nil {
			return err
		}
		rep, err := r.read(s, cmd)
		if err != nil {
			return err
		}
		r.track(a, cmd, rep)
		return expect(st, rep)
	}
	r.noteOn(s, st)
	if err := r.writeLine(s, cmd); err != nil {
		return fmt.Errorf("sending %q: %w", firstWord(cmd), err)
	}
	rep, err := r.read(s, cmd)
	if err != nil {
		return err
	}
	r.track(a, cmd, rep)
	if isStartTLS(s.proto, cmd, rep) {
		if err := r.startTLS(s, strings.Split(s.host, ":")[0]); err != nil {
			return err
		}
	}
	if isGoodbye(s.proto, cmd, rep) {
		r.closeSession(a, i18n.Textf("closed after %s", firstWordOfCommand(s.proto, cmd)))
	}
	return expect(st, rep)
}

func firstWordOfCommand(p wire.Protocol, cmd string) string {
	f := strings.Fields(cmd)
	if p == wire.IMAP && len(f) > 1 {
		return strings.ToUpper(f[1])
	}
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(f[0])
}

func isStartTLS(p wire.Protocol, cmd string, rep reply) bool {
	v := firstWordOfCommand(p, cmd)
	switch p {
	case wire.POP3:
		return v == "STLS" && rep.Status == "+OK"
	case wire.IMAP:
		return v == "STARTTLS" && rep.Status == "OK"
	}
	return v == "STARTTLS" && rep.Status == "220"
}

func isGoodbye(p wire.Protocol, cmd string, rep reply) bool {
	v := firstWordOfCommand(p, cmd)
	switch p {
	case wire.POP3:
		return v == "QUIT"
	case wire.IMAP:
		return v == "LOGOUT"
	}
	return v == "QUIT"
}

// expect compares a reply with the step's expectation.
func expect(st *lessons.Step, rep reply) error {
	if st.Expect != "" && !strings.HasPrefix(strings.ToUpper(rep.Status), strings.ToUpper(st.Expect)) {
		return errorf("expected a reply starting with %q, got %q", st.Expect, firstLine(rep))
	}
	if st.Contains != "" && !strings.Contains(rep.text(), st.Contains) {
		return errorf("expected the reply to contain %q, got %q", st.Contains, firstLine(rep))
	}
	return nil
}

func firstLine(rep reply) string {
	if len(rep.Lines) == 0 {
		return ""
	}
	return rep.Lines[len(rep.Lines)-1]
}

func (r *Runner) data(a *actor, st *lessons.Step) error {
	s := a.sess
	if s == nil {
		return errorf("%s is not connected", a.spec.Name)
	}
	r.noteOn(s, st)
	s.conn.SetWriteDeadline(time.Now().Add(r.opts.ReplyTimeout))
	if _, err := s.conn.Write(dotStuff(st.Body)); err != nil {
		return err
	}
	rep, err := r.read(s, "DATA")
	if err != nil {
		return err
	}
	if rep.Status == "250" {
		a.keepSent(st.Body)
	}
	return expect(st, rep)
}

func (r *Runner) disconnect(a *actor, st *lessons.Step) error {
	s := a.sess
	if s == nil {
		return errorf("%s is not connected", a.spec.Name)
	}
	cmd := "QUIT"
	if s.proto == wire.IMAP {
		s.tag++
		cmd = fmt.Sprintf("Z%d LOGOUT", s.tag)
	}
	st2 := *st
	st2.Command = cmd
	return r.send(a, &st2)
}

func (r *Runner) drop(a *actor) error {
	s := a.sess
	if s == nil {
		return errorf("%s is not connected", a.spec.Name)
	}
	r.closeSession(a, i18n.Textf("connection lost: no QUIT was sent"))
	// Wait for the server to notice, so the next step sees what a real
	// client reconnecting a moment later would see.
	if s.proto == wire.POP3 && s.loggedIn {
		if p, ok := r.net.Provider(domainOr(a.spec.Domain)); ok {
			deadline := time.Now().Add(r.opts.ReplyTimeout)
			for time.Now().Before(deadline) {
				if unlock, err := p.Store.LockMaildrop(s.user); err == nil {
					unlock()
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
	}
	return nil
}

func (r *Runner) wait(a *actor, st *lessons.Step) error {
	s := a.sess
	if s == nil {
		return errorf("%s is not connected", a.spec.Name)
	}
	timeout := time.Duration(st.Timeout) * time.Millisecond
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	r.noteOn(s, &lessons.Step{Reply: st.Reply})
	s.conn.SetReadDeadline(time.Now().Add(timeout))
	defer s.conn.SetReadDeadline(time.Time{})
	for {
		var line string
		var err error
		if s.proto == wire.IMAP {
			line, err = r.readUpdate(a)
		} else {
			line, err = readLine(s.r)
		}
		if err != nil {
			return errorf("waiting for %q: %s", st.Contains, err)
		}
		if st.Contains == "" || strings.Contains(line, st.Contains) {
			if s.proto == wire.IMAP {
				r.drainUpdates(a) // the rest of the burst belongs to this step
			}
			return nil
		}
	}
}

func (r *Runner) deliver(d *lessons.DeliverSpec) error {
	user, domain, _ := strings.Cut(d.To, "@")
	p, ok := r.net.Provider(domainOr(domain))
	if !ok {
		return fmt.Errorf("no provider %q", domain)
	}
	raw, date, err := d.Message.Build(r.opts.Files, p.Store.Now)
	if err != nil {
		return err
	}
	mbox := d.Mailbox
	if mbox == "" {
		mbox = mailstore.Inbox
	}
	_, err = p.Store.Append(user, mbox, raw, d.Message.Flags, date, nil)
	return err
}

// onClose reports the end of a relay connection; actors' own connections
// are reported when the runner closes them.
func (r *Runner) onClose(id uint64, err error) {
	r.mu.Lock()
	relay := r.relayConns[id]
	a := r.byConn[id]
	delete(r.relayConns, id)
	r.mu.Unlock()
	if !relay || a == nil {
		return
	}
	r.emit(events.Event{Kind: events.EventClose, Actor: a.spec.Name, Conn: id, Protocol: wire.SMTP, Role: roles.MX, Host: a.sess.host,
		Text: i18n.Textf("relay connection closed")})
}
