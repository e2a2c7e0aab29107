// Package classroom is the model behind `mailsim serve`: a trainer runs the
// simulated providers on fixed ports and students point real mail clients
// at them. It holds no user interface; the live view (and the headless
// log and recorder) are built on it.
//
//   - Registry is a wire.Sink for network.Options.ServerTap: it follows
//     every live connection (who, which server, session state, client
//     software guessed, bytes and lines) and keeps each one's last units,
//     redacted, in a bounded ring. Subscribe streams its changes.
//   - Classroom adds the trainer's actions: deliver to everyone, reset a
//     mailbox to its starter state, kick a connection, pause annotations.
//   - Accounts, students, the connection card and the sheet; Recorder
//     writes each session's redacted transcript to a file as it goes.
package classroom

import (
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"mailsim/internal/i18n"
	"mailsim/sim/network"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// Defaults of Options.
const (
	DefaultRingSize   = 5000
	DefaultKeepClosed = 200
	// MaxEntryText caps the text an Entry keeps of a block (a message
	// body, a literal); Entry.Len still counts every octet.
	MaxEntryText = 4096
)

// Options tune a Registry. The zero value is ready to use.
type Options struct {
	RingSize   int // units kept per connection; 0 = DefaultRingSize
	KeepClosed int // closed connections kept for the view; 0 = DefaultKeepClosed
	// ShowSecrets keeps passwords and SASL payloads in the entries. Off by
	// default: the view is projected in front of the class.
	ShowSecrets bool
}

// ConnState is what the registry knows about one connection: a copy, safe
// to keep.
type ConnState struct {
	ID       uint64
	Provider string     // "example.com"; "" until the server is known
	Role     roles.Role // "imaps"
	Protocol wire.Protocol
	Local    string // server address the client reached
	Remote   string // client address
	TLS      bool   // implicit TLS, or after a successful STLS/STARTTLS
	// User is the login name once authentication succeeded ("" before).
	User string
	// State is the protocol session state: POP3 AUTHORIZATION, TRANSACTION,
	// UPDATE; IMAP not authenticated, authenticated, selected INBOX, IDLE
	// INBOX, logout; SMTP connected, greeted, mail, rcpt, data, quit.
	State string
	// Client is the client software guessed ("Thunderbird", "curl"), ""
	// when unknown; ClientHint says what gave it away.
	Client     string
	ClientHint i18n.Text

	Opened, LastActive time.Time
	Open               bool
	Closed             time.Time // zero while open
	Err                string    // why it closed; "" for a clean close

	BytesIn, BytesOut int64 // octets on the wire (TLS records included)
	LinesIn, LinesOut int   // protocol lines (block lines included)
	Commands          int   // client commands
	Messages          int   // SMTP messages accepted
	Units             int   // units seen in total (the ring keeps the last RingSize)
}

// Entry is one unit of a connection's transcript, redacted.
type Entry struct {
	Seq   int
	Time  time.Time
	Dir   wire.Direction
	Layer wire.Layer
	Kind  wire.Kind
	// Text is the unit's text with secrets replaced by "•••"; a block's is
	// capped at MaxEntryText.
	Text    string
	Len     int // octets on the wire
	Lines   int
	Command string
	Tag     string
	Cut     bool
	// Redacted says what Text hides, e.g. "a password, 8 characters".
	Redacted i18n.Text
	// Note is what the registry learnt from this unit: "logged in as
	// alice", "TLS started", "client: curl (IMAP tag A001)".
	Note i18n.Text
}

// EventKind says what changed.
type EventKind int

// Event kinds.
const (
	ConnOpened         EventKind = iota // a client connected
	UnitAdded                           // a unit crossed; Entry holds it
	ConnChanged                         // user, state, TLS or client changed (after the UnitAdded that changed it)
	ConnClosed                          // the connection ended
	AnnotationsToggled                  // Paused holds the new setting
)

func (k EventKind) String() string {
	return [...]string{"opened", "unit", "changed", "closed", "annotations"}[k]
}

// Event is one change, with the connection as it is after it.
type Event struct {
	Kind   EventKind
	Conn   ConnState
	Entry  Entry // for UnitAdded
	Paused bool  // for AnnotationsToggled
}

// Registry follows the live connections of a network through its server
// taps. It implements wire.Sink; pass it as network.Options.ServerTap,
// then Attach the network. It is safe for concurrent use.
type Registry struct {
	o      Options
	paused atomic.Bool

	mu      sync.Mutex
	conns   map[uint64]*conn
	closed  []uint64 // closed ids, oldest first
	servers map[int]serverOf
	subs    map[int]func(Event)
	nextSub int
}

type serverOf struct {
	domain string
	role   roles.Role
}

// conn is the registry's record of a connection. Guarded by Registry.mu.
type conn struct {
	st    ConnState
	track tracker
	ring  []Entry
	head  int // index of the oldest entry when the ring is full
}

var _ wire.Sink = (*Registry)(nil)

// NewRegistry returns an empty registry.
func NewRegistry(o Options) *Registry {
	if o.RingSize <= 0 {
		o.RingSize = DefaultRingSize
	}
	if o.KeepClosed <= 0 {
		o.KeepClosed = DefaultKeepClosed
	}
	return &Registry{o: o, conns: map[uint64]*conn{}, servers: map[int]serverOf{}, subs: map[int]func(Event){}}
}

// Attach tells the registry which server listens on which port, so that
// connections are shown with their provider and role.
func (r *Registry) Attach(n *network.Network) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range n.Providers {
		for _, s := range p.Servers {
			r.servers[s.Port()] = serverOf{p.Domain, s.Role}
		}
	}
	for _, c := range r.conns {
		r.resolveLocked(c)
	}
}

func (r *Registry) resolveLocked(c *conn) {
	if c.st.Role != "" {
		return
	}
	_, port, _ := net.SplitHostPort(c.st.Local)
	p, _ := strconv.Atoi(port)
	if s, ok := r.servers[p]; ok {
		c.st.Provider, c.st.Role = s.domain, s.role
	}
}

// Subscribe calls fn for every change until cancel is called. fn runs on
// the connection's own goroutine, in order for each connection: it must be
// quick and must not block (a UI batches what it gets and redraws on its
// own schedule) and must not call back into the registry's Subscribe.
func (r *Registry) Subscribe(fn func(Event)) (cancel func()) {
	r.mu.Lock()
	id := r.nextSub
	r.nextSub++
	r.subs[id] = fn
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.subs, id)
		r.mu.Unlock()
	}
}

func (r *Registry) subscribersLocked() []func(Event) {
	if len(r.subs) == 0 {
		return nil
	}
	ids := make([]int, 0, len(r.subs))
	for id := range r.subs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([]func(Event), len(ids))
	for i, id := range ids {
		out[i] = r.subs[id]
	}
	return out
}

func publish(subs []func(Event), evs ...Event) {
	for _, fn := range subs {
		for _, ev := range evs {
			fn(ev)
		}
	}
}

// SetAnnotationsPaused sets the flag the live view reads to stop (or
// resume) explaining lines, so a trainer can talk over a quiet screen.
func (r *Registry) SetAnnotationsPaused(p bool) {
	if r.paused.Swap(p) == p {
		return
	}
	r.mu.Lock()
	subs := r.subscribersLocked()
	r.mu.Unlock()
	publish(subs, Event{Kind: AnnotationsToggled, Paused: p})
}

// AnnotationsPaused reports the flag.
func (r *Registry) AnnotationsPaused() bool { return r.paused.Load() }

// Open implements wire.Sink.
func (r *Registry) Open(ci wire.ConnInfo) {
	now := time.Now()
	c := &conn{st: ConnState{ID: ci.ID, Protocol: ci.Protocol, Local: ci.Local, Remote: ci.Remote,
		TLS: ci.ImplicitTLS, Opened: now, LastActive: now, Open: true}}
	c.track.init(ci.Protocol, &c.st, r.o.ShowSecrets)
	r.mu.Lock()
	r.resolveLocked(c)
	r.conns[ci.ID] = c
	ev := Event{Kind: ConnOpened, Conn: c.st}
	subs := r.subscribersLocked()
	r.mu.Unlock()
	publish(subs, ev)
}

// Unit implements wire.Sink.
func (r *Registry) Unit(u wire.Unit) {
	r.mu.Lock()
	c := r.conns[u.Conn]
	if c == nil {
		r.mu.Unlock()
		return
	}
	before := c.st
	c.st.Units++
	c.st.LastActive = u.Time
	if u.Layer != wire.Inner {
		if u.Dir == wire.ClientToServer {
			c.st.BytesIn += int64(u.Len)
		} else {
			c.st.BytesOut += int64(u.Len)
		}
	}
	e := Entry{Seq: u.Seq, Time: u.Time, Dir: u.Dir, Layer: u.Layer, Kind: u.Kind, Text: u.Text,
		Len: u.Len, Lines: u.Lines, Command: u.Command, Tag: u.Tag, Cut: u.Cut}
	if u.Layer != wire.Cipher {
		if u.Dir == wire.ClientToServer {
			c.st.LinesIn += u.Lines
		} else {
			c.st.LinesOut += u.Lines
		}
		c.track.unit(&e)
	} else if !c.st.TLS {
		c.st.TLS = true
		e.Note = i18n.Textf("TLS started: from here the wire carries only encrypted records")
	}
	if u.Kind == wire.Block && len(e.Text) > MaxEntryText {
		e.Text = e.Text[:MaxEntryText] + "\n… (" + strconv.Itoa(u.Len-MaxEntryText) + " more octets)"
	}
	c.push(e, r.o.RingSize)
	evs := []Event{{Kind: UnitAdded, Conn: c.st, Entry: e}}
	if changed(before, c.st) {
		evs = append(evs, Event{Kind: ConnChanged, Conn: c.st})
	}
	subs := r.subscribersLocked()
	r.mu.Unlock()
	publish(subs, evs...)
}

func changed(a, b ConnState) bool {
	return a.User != b.User || a.State != b.State || a.TLS != b.TLS || a.Client != b.Client
}

func (c *conn) push(e Entry, size int) {
	if len(c.ring) < size {
		c.ring = append(c.ring, e)
		return
	}
	c.ring[c.head] = e
	c.head = (c.head + 1) % size
}

// Close implements wire.Sink.
func (r *Registry) Close(id uint64, err error) {
	r.mu.Lock()
	c := r.conns[id]
	if c == nil || !c.st.Open {
		r.mu.Unlock()
		return
	}
	c.st.Open = false
	c.st.Closed = time.Now()
	if err != nil {
		c.st.Err = err.Error()
	}
	r.closed = append(r.closed, id)
	for len(r.closed) > r.o.KeepClosed {
		delete(r.conns, r.closed[0])
		r.closed = r.closed[1:]
	}
	ev := Event{Kind: ConnClosed, Conn: c.st}
	subs := r.subscribersLocked()
	r.mu.Unlock()
	publish(subs, ev)
}

// Conns returns every connection the registry holds (open ones and the
// last KeepClosed closed ones), by id.
func (r *Registry) Conns() []ConnState {
	r.mu.Lock()
	out := make([]ConnState, 0, len(r.conns))
	for _, c := range r.conns {
		out = append(out, c.st)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Conn returns one connection.
func (r *Registry) Conn(id uint64) (ConnState, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.conns[id]
	if !ok {
		return ConnState{}, false
	}
	return c.st, true
}

// Transcript returns the entries of connection id still in its ring with
// Seq >= since, oldest first. A view polls with since = last Seq + 1.
func (r *Registry) Transcript(id uint64, since int) []Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.conns[id]
	if !ok {
		return nil
	}
	n := len(c.ring)
	out := make([]Entry, 0, n)
	for i := 0; i < n; i++ {
		e := c.ring[(c.head+i)%n]
		if e.Seq >= since {
			out = append(out, e)
		}
	}
	return out
}
