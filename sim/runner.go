package sim

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"net"
	"strings"
	"sync"
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
	// lesson's Actor.Device (localcopy.go).
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

// countf is Textf with the format for one (n == 1) or for many.
func countf(n int, one, many string) i18n.Text {
	if n == 1 {
		return i18n.Textf(one, n)
	}
	return i18n.Textf(many, n)
}
