package sim

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/authpolicy"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
)

// Options configure a lesson run.
type Options struct {
	// Emit receives every event, in order, on the goroutine that runs the
	// steps. It must not call back into the Runner.
	Emit func(events.Event)
	// Glossary annotates the lines a step does not annotate itself.
	Glossary *lessons.Glossary
	// Deterministic uses a fixed clock and fixed APOP timestamps, so that
	// the same lesson gives the same transcript.
	Deterministic bool
	// Files holds seed files named by the lesson (nil for lessons whose
	// seed is inline); Dir-relative for lessons loaded from disk.
	Files fs.FS
	// ReplyTimeout bounds how long a scripted client waits for a reply;
	// zero means 10 seconds.
	ReplyTimeout time.Duration
	// Roles limits the servers started; nil starts every role.
	Roles []roles.Role
}

// Runner plays one lesson. Steps run one at a time, on the caller's
// goroutine; the sandbox may send its own lines between steps.
type Runner struct {
	lesson *lessons.Lesson
	opts   Options
	net    *network.Network
	rec    *wire.Recorder
	clock  func() time.Time

	mu     sync.Mutex // guards what the tap sink touches
	actors map[string]*actor
	byConn map[uint64]*actor
	// relayConns are the MTAs' connections, which no lesson actor owns.
	relayConns map[uint64]bool
	// eavesdrop holds the connections shown as an eavesdropper sees them;
	// handshaking is the connection whose TLS handshake is running (0: none).
	eavesdrop   map[uint64]bool
	handshaking uint64
	// tlsKeys holds a connection's TLS secrets from its handshake until its
	// next wire event carries them (Event.TLSKeys).
	tlsKeys map[uint64][]string
	// glossed maps a glossary text already shown in this lesson to the
	// step that showed it: the same text again says "as above" instead.
	glossed map[string]int
	next    int // the next step to run
	cur     int // the step whose events are being emitted
	noteFor *pendingNote
	last    *events.State
	failed  int
	checks  [2]int // passed, failed
	lastAct string
	// lastTime is the time of the last event emitted.
	lastTime time.Time
	// traffic counts, per actor, what crossed its connections (stats
	// checks); guarded by mu.
	traffic map[string]*traffic
	// quiet, while a repeated send runs the exchanges between its first
	// and last (each.go), counts that connection's units instead of
	// emitting them; guarded by mu.
	quiet *folding
}

// pendingNote carries the step's annotations to the units they belong to:
// the note to the first line the actor sends, the reply note to the first
// line it gets back.
type pendingNote struct {
	conn        uint64
	note, reply i18n.Text
}

type actor struct {
	spec  lessons.Actor
	sess  *session
	local []events.LocalMessage
	imap  imapDevice // IMAP: what the cache needs across connections (devices_imap.go)
	// dev is the actor whose local mail this one fills: itself, or the
	// lesson's Actor.Device (devices_local.go).
	dev *actor
	raw map[events.LocalKey][]byte // the octets of local messages this device holds whole
	// sent numbers the sent copies the device keeps.
	sent uint32
}

// session is a scripted client's connection.
type session struct {
	role  roles.Role
	host  string // "pop.example.com:110"
	proto wire.Protocol
	tap   *wire.Conn
	conn  net.Conn // what to read and write: the tap, or TLS inside it
	r     *bufio.Reader

	// POP3 bookkeeping, to show the device's and the server's state.
	user     string
	loggedIn bool
	view     []uint32 // message number - 1 -> UID, fixed at login
	marked   map[uint32]bool
	tag      int

	imap imapConn // IMAP: the selected mailbox, as the device knows it (devices_imap.go)
}

// Start starts the providers, seeds them, and emits EventStart.
func Start(l *lessons.Lesson, o Options) (*Runner, error) {
	if o.Emit == nil {
		o.Emit = func(events.Event) {}
	}
	if o.ReplyTimeout == 0 {
		o.ReplyTimeout = 10 * time.Second
	}
	r := &Runner{lesson: l, opts: o, actors: map[string]*actor{}, byConn: map[uint64]*actor{}, relayConns: map[uint64]bool{},
		eavesdrop: map[uint64]bool{}, cur: -1, traffic: map[string]*traffic{}}
	no := network.Options{Roles: o.Roles, Plaintext: authpolicy.LoopbackOrTLS,
		Throttle: &authpolicy.Throttle{Base: 200 * time.Millisecond, Max: time.Second}}
	if len(l.Providers) > 0 {
		no.DomainRoles = map[string][]roles.Role{}
		for domain, ps := range l.Providers {
			list := []roles.Role{}
			for _, name := range ps.Roles {
				role, err := roles.Parse(name)
				if err != nil {
					return nil, fmt.Errorf("%s: providers: %s: %w", l.File, domain, err)
				}
				list = append(list, role)
			}
			no.DomainRoles[domain] = list
		}
	}
	r.clock = time.Now
	// The mail's clock (internal dates, Received: lines, DSNs) is the
	// lesson's in every run, live ones too, so the dates a message carries
	// agree with the lesson's Date: fields and repeat from run to run.
	no.StoreClock = fixedclock.New(time.Second).Now
	if o.Deterministic {
		r.clock = fixedclock.New(time.Millisecond).Now
		stamps := 0
		var smu sync.Mutex
		no.APOPTimestamp = func(host string) string {
			smu.Lock()
			defer smu.Unlock()
			stamps++
			return fmt.Sprintf("<%d.%d@%s>", 4100+stamps, fixedclock.Start.Unix(), host)
		}
	}
	no.Deterministic = o.Deterministic
	no.RelayDial = r.dialRelay
	n, err := network.Start(no)
	if err != nil {
		return nil, err
	}
	r.net = n
	if err := r.seed(); err != nil {
		n.Close()
		return nil, err
	}
	tapClock := r.clock
	if o.Deterministic {
		tapClock = func() time.Time { return fixedclock.Start }
	}
	r.rec = wire.NewRecorder(wire.SinkFuncs{OnUnit: r.onUnit, OnClose: r.onClose}, wire.Options{Clock: tapClock})
	for _, a := range l.Actors {
		r.actors[a.Name] = &actor{spec: a}
	}
	for _, a := range l.Actors {
		if d, ok := r.actors[a.Device]; ok && a.Device != "" {
			r.actors[a.Name].dev = d
		}
	}
	r.last = r.State()
	r.emit(events.Event{Kind: events.EventStart, State: r.last})
	return r, nil
}

func (r *Runner) seed() error {
	for _, su := range r.lesson.Seed.Users {
		p, ok := r.net.Provider(domainOr(su.Domain))
		if !ok {
			return fmt.Errorf("%s: seed user %s: no provider %q", r.lesson.File, su.Name, su.Domain)
		}
		if err := p.Store.Load(mailstore.Seed{Users: []mailstore.SeedUser{su.SeedUser}}, r.opts.Files); err != nil {
			return fmt.Errorf("%s: seed: %w", r.lesson.File, err)
		}
		// A seeded message with flags has been seen by some session
		// before the lesson: it is not \Recent (Maildir keeps such mail in
		// cur/, not new/), and neither is anything before it.
		boxes, _ := p.Store.Mailboxes(su.Name)
		for _, b := range boxes {
			msgs, _, _ := p.Store.Messages(su.Name, b.Name)
			for i := len(msgs) - 1; i >= 0; i-- {
				if len(msgs[i].Flags) > 0 {
					p.IMAPRecent.Claim(su.Name, b.Name, msgs[i].UID)
					break
				}
			}
		}
	}
	return nil
}

func domainOr(d string) string {
	if d == "" {
		return lessons.DefaultDomain
	}
	return d
}

// Lesson is the lesson being run.
func (r *Runner) Lesson() *lessons.Lesson { return r.lesson }

// Network is the running providers.
func (r *Runner) Network() *network.Network { return r.net }

// Next is the index of the next step to run; len(Steps) when done.
func (r *Runner) Next() int { return r.next }

// Done reports whether every step has run.
func (r *Runner) Done() bool { return r.next >= len(r.lesson.Steps) }

// Failures counts steps whose expectation failed, and failed checks.
func (r *Runner) Failures() int { return r.failed }

// Close ends every connection and stops the servers.
func (r *Runner) Close() error {
	for _, a := range r.actors {
		if a.sess != nil {
			a.sess.conn.Close()
		}
	}
	return r.net.Close()
}

func (r *Runner) emit(e events.Event) {
	switch {
	case r.opts.Deterministic && e.Kind == events.EventWire && e.Unit.Layer == wire.Cipher:
		// How TLS splits its records varies from run to run: they take
		// the time of the event before them and leave the clock alone.
		e.Time = r.lastTime
	case e.Time.IsZero() || r.opts.Deterministic:
		// Under a fixed clock, time is counted in events, not in reads:
		// how many reads a reply takes depends on the kernel.
		e.Time = r.clock()
	}
	r.lastTime = e.Time
	if e.Kind != events.EventStart {
		e.Step = r.cur
	} else {
		e.Step = -1
	}
	r.opts.Emit(e)
}

// onUnit turns a tapped unit into an annotated wire event.
func (r *Runner) onUnit(u wire.Unit) {
	r.mu.Lock()
	a := r.byConn[u.Conn]
	pn := r.noteFor
	var note i18n.Text
	if pn != nil && pn.conn == u.Conn && u.Layer != wire.Cipher {
		if u.Dir == wire.ClientToServer && pn.note != nil {
			note, pn.note = pn.note, nil
		} else if u.Dir == wire.ServerToClient && pn.reply != nil {
			note, pn.reply = pn.reply, nil
		}
	}
	eaves := r.eavesdrop[u.Conn]
	hs := u.Layer == wire.Cipher && r.handshaking == u.Conn
	var keys []string
	if !hs && r.tlsKeys[u.Conn] != nil {
		keys = r.tlsKeys[u.Conn]
		delete(r.tlsKeys, u.Conn)
	}
	if a != nil && u.Layer != wire.Cipher {
		r.count(a.spec.Name, u)
	}
	if f := r.quiet; f != nil && f.conn == u.Conn {
		if u.Layer != wire.Cipher {
			f.add(u)
		}
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	e := events.Event{Kind: events.EventWire, Conn: u.Conn, Protocol: protocolOf(a), Unit: &u, Note: note, Time: u.Time,
		Eavesdrop: eaves, Handshake: hs, TLSKeys: keys}
	if a != nil {
		e.Actor = a.spec.Name
		if a.sess != nil {
			e.Role, e.Host = a.sess.role, a.sess.host
		}
	}
	if r.opts.Glossary != nil && u.Kind == wire.Line && u.Layer != wire.Cipher {
		if g, ok := r.opts.Glossary.Explain(string(e.Protocol), u.Dir == wire.ClientToServer, u.Command, u.Text); ok {
			if note != nil {
				e.Gloss = &g // the lesson's note is shown instead
			} else {
				e.Gloss = r.glossOnce(g)
			}
		}
	}
	if u.Kind == wire.Line && u.Dir == wire.ClientToServer && u.Layer != wire.Cipher {
		if g, ok := saslPlainGloss(u); ok {
			e.Gloss = g
			if e.Note != nil {
				// The lesson's own note hides the glossary: the decoding
				// is what the line shows, so it goes under the note too.
				n := i18n.Text{}
				for lang, t := range e.Note {
					n[lang] = strings.TrimRight(t, "\n") + "\n" + g.Text.In(lang)
				}
				e.Note = n
			}
		}
	}
	r.emit(e)
}

// saslPlainGloss explains a client line that carries an AUTH PLAIN
// payload (SMTP and POP3 "AUTH PLAIN <b64>", IMAP "AUTHENTICATE PLAIN
// <b64>", or the payload alone on the line after "+ "): it decodes it, and
// says who could read it, by whether the line crossed inside TLS.
func saslPlainGloss(u wire.Unit) (*lessons.Entry, bool) {
	_, plain, ok := protoline.PlainPayload(u.Text, u.Command)
	if !ok {
		return nil, false
	}
	// The English starts as lessons.DescribeSASLPlain(b64) does.
	decoded := `"` + plain.Escaped() + `"`
	text := i18n.Textf("base64 of %s: an encoding, not encryption. This line crossed the network in plain text: anyone on the path can decode the password.", decoded)
	if u.Layer == wire.Inner {
		text = i18n.Textf("base64 of %s: an encoding, not encryption. This line crossed the network inside TLS: an eavesdropper saw only an encrypted record of its size.", decoded)
	}
	return &lessons.Entry{Key: "AUTH PLAIN payload", RFC: "RFC 4616 §2, RFC 4954 §4", Text: text}, true
}

func protocolOf(a *actor) wire.Protocol {
	if a == nil || a.sess == nil {
		return ""
	}
	return a.sess.proto
}

// RunAll runs the remaining steps. It stops at the first step whose
// expectation fails and returns that failure.
func (r *Runner) RunAll(ctx context.Context) error {
	for !r.Done() {
		if err := r.Step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// StepError is a step that did not go as the lesson expected.
// Its cause (a timeout, a refused connection, a wrong reply) stays
// reachable through errors.Is and errors.As.
type StepError struct {
	File string
	Line int
	Err  error // what went wrong
}

func (e *StepError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Err) }

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }

// Step runs the next step and emits its events, ending with EventState.
func (r *Runner) Step(ctx context.Context) error {
	if r.Done() {
		return nil
	}
	st := &r.lesson.Steps[r.next]
	r.cur = r.next
	r.next++
	r.emit(events.Event{Kind: events.EventStep, Title: st.Title, Say: st.Say, Actor: st.Actor})
	err := r.do(ctx, st)
	if err != nil {
		r.failed++
		r.emit(events.Event{Kind: events.EventFail, Actor: st.Actor, Text: textOf(err)})
		err = &StepError{File: r.lesson.File, Line: st.Line, Err: err}
	}
	r.endStep()
	if r.Done() {
		r.emit(events.Event{Kind: events.EventEnd, OK: r.failed == 0,
			Text: i18n.Textf("%s, %s, %d failed", countf(len(r.lesson.Steps), "%d step", "%d steps"),
				countf(r.checks[0], "%d check passed", "%d checks passed"), r.checks[1])})
	}
	return err
}

func (r *Runner) endStep() {
	// Mail accepted for another provider is relayed now, inside the step
	// that sent it, so the hop shows up where the learner expects it.
	r.net.FlushRelays(context.Background())
	s := r.State()
	r.emit(events.Event{Kind: events.EventState, State: s, Delta: events.Diff(r.last, s)})
	r.last = s
}

func (r *Runner) actorFor(st *lessons.Step) (*actor, error) {
	name := st.Actor
	if name == "" {
		name = r.lastAct
	}
	a, ok := r.actors[name]
	if !ok {
		return nil, errorf("no actor %q", name)
	}
	r.lastAct = name
	return a, nil
}

func (r *Runner) do(ctx context.Context, st *lessons.Step) error {
	switch st.Kind {
	case lessons.Say, lessons.Pause:
		return nil
	case lessons.Quiz:
		r.emit(events.Event{Kind: events.EventQuiz, Quiz: st.Quiz})
		return nil
	case lessons.Check:
		return r.check(st.Check)
	case lessons.Deliver:
		return r.deliver(st.Deliver)
	case lessons.Server:
		return r.serverStep(st.Server)
	case lessons.Device:
		return r.deviceStep(st)
	}
	a, err := r.actorFor(st)
	if err != nil {
		return err
	}
	switch st.Kind {
	case lessons.Connect:
		return r.connect(ctx, a, st)
	case lessons.Send:
		if st.Each != "" {
			return r.sendEach(a, st)
		}
		return r.send(a, st)
	case lessons.Data:
		return r.data(a, st)
	case lessons.Disconnect:
		return r.disconnect(a, st)
	case lessons.Drop:
		return r.drop(a)
	case lessons.Wait:
		return r.wait(a, st)
	}
	return fmt.Errorf("step kind %q is not supported by this runner", st.Kind)
}

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

func (k *keyLines) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if l != "" {
			k.lines = append(k.lines, l)
		}
	}
	return len(p), nil
}

func (k *keyLines) take() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.lines
	k.lines = nil
	return l
}

func (r *Runner) noteOn(s *session, st *lessons.Step) {
	r.mu.Lock()
	r.noteFor = &pendingNote{conn: s.tap.ID(), note: st.Note, reply: st.Reply}
	r.mu.Unlock()
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

// SendLine sends a line on an actor's connection and reads the reply, as
// the sandbox does; events are emitted as for a lesson step.
func (r *Runner) SendLine(actorName, line string) error {
	a, ok := r.actors[actorName]
	if !ok {
		return fmt.Errorf("no actor %q", actorName)
	}
	st := &lessons.Step{Kind: lessons.Send, Actor: actorName, Command: line}
	err := r.send(a, st)
	r.endStep()
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

// Connect opens a connection for an actor outside the script, as the
// sandbox does; role "" means the actor's default role.
func (r *Runner) Connect(ctx context.Context, actorName, role string) error {
	a, ok := r.actors[actorName]
	if !ok {
		return fmt.Errorf("no actor %q", actorName)
	}
	err := r.connect(ctx, a, &lessons.Step{Kind: lessons.Connect, Actor: actorName, To: role})
	r.endStep()
	return err
}

// Connected reports whether an actor has an open connection, and to what.
func (r *Runner) Connected(actorName string) (host string, addr string, ok bool) {
	a, found := r.actors[actorName]
	if !found || a.sess == nil {
		return "", "", false
	}
	return a.sess.host, a.sess.tap.RemoteAddr().String(), true
}

// dialRelay opens an MTA's connection to another provider's MX through a
// client-side tap, so the relay hop is a connection of its own in the
// transcript, with the MTA as its actor.
func (r *Runner) dialRelay(ctx context.Context, who, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tap := r.rec.Conn(raw, wire.SMTP, wire.ClientSide)
	host := addr
	for _, nv := range r.net.Names() {
		if nv[1] == addr {
			host = nv[0]
		}
	}
	a := &actor{spec: lessons.Actor{Name: who, Protocol: "smtp"}}
	a.sess = &session{role: roles.MX, host: host, proto: wire.SMTP, tap: tap, conn: tap}
	r.mu.Lock()
	r.byConn[tap.ID()] = a
	r.relayConns[tap.ID()] = true
	r.mu.Unlock()
	r.emit(events.Event{Kind: events.EventConnect, Actor: who, Conn: tap.ID(), Protocol: wire.SMTP, Role: roles.MX, Host: host})
	return tap, nil
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

// countf is Textf with the format for one (n == 1) or for many.
func countf(n int, one, many string) i18n.Text {
	if n == 1 {
		return i18n.Textf(one, n)
	}
	return i18n.Textf(many, n)
}

// glossOnce returns g the first time the lesson meets its text, and after
// that a pointer back to it: the same explanation is not printed twice
// (the EHLO list before and after STARTTLS, PIPELINING on every relay).
// A gloss whose text differs (other numbers, other names) is given again.
func (r *Runner) glossOnce(g lessons.Entry) *lessons.Entry {
	id := g.Text[i18n.Fallback]
	r.mu.Lock()
	if r.glossed == nil {
		r.glossed = map[string]int{}
	}
	step, seen := r.glossed[id]
	if !seen {
		r.glossed[id] = r.cur
	}
	r.mu.Unlock()
	if !seen {
		return &g
	}
	short := make(i18n.Text, len(g.Text))
	for lang, text := range g.Text {
		// Name it as its text does ("Tagged OK", "\"* 1 EXPUNGE\""), in
		// the reader's language; the key when the text has no such head.
		head, _, ok := strings.Cut(text, ": ")
		if !ok || len([]rune(head)) > 48 {
			head = g.Key
		}
		short[lang] = i18n.Wordf(lang, "%s: as above (step %d).", head, step+1)
	}
	g.Text = short
	return &g
}
