package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// MTAOptions configure an MTA.
type MTAOptions struct {
	// Hostname is the name the MTA gives in EHLO and in the Received
	// headers it adds ("smtp.example.com"); empty means "localhost".
	Hostname string
	// Resolve finds the MX address ("127.0.0.1:40125") for a domain; an
	// error means the domain does not exist, a permanent failure.
	// Required.
	Resolve func(domain string) (string, error)
	// Dial opens the connection to an MX; nil means a net.Dialer. The
	// simulator passes one that taps the connection.
	Dial func(ctx context.Context, addr string) (net.Conn, error)
	// TLS, if set, is used for STARTTLS when the MX offers it
	// (opportunistic TLS). An empty ServerName means the host of the MX
	// address. A failed handshake is a temporary failure, not a fallback
	// to plain text.
	TLS *tls.Config
	// RetryDelays are the waits after each temporary failure; when they
	// are used up, the message bounces. Nil means 1m, 5m, 30m.
	RetryDelays []time.Duration
	// Bounce receives a delivery status notification for the sender
	// (an address, "alice@example.com"). The provider puts it in the
	// sender's INBOX. Nil means bounces are only logged.
	Bounce func(sender string, dsn []byte)
	// Timeout bounds each SMTP command to the MX; 0 means one minute.
	Timeout time.Duration
	// Clock, NewID and Logf are as in Options.
	Clock func() time.Time
	NewID func() string
	Logf  func(format string, args ...any)
}

// QueuedMessage describes a message waiting in the MTA's queue.
type QueuedMessage struct {
	ID        string
	From      string
	Rcpts     []string // recipients not yet delivered
	Size      int
	Arrived   time.Time // by the MTA's Clock
	Attempts  int
	NextTry   time.Time // by the MTA's Clock; zero before the first attempt
	LastError string
}

// MTA is a provider's mail transfer agent: an in-memory queue and a relay
// worker that delivers to other domains' MX servers. Start the worker with
// Run; lessons call Flush to make delivery happen at a known moment.
type MTA struct {
	o      MTAOptions
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wake   chan struct{}
	round  sync.Mutex // one delivery round at a time, so no message is sent twice at once

	mu     sync.Mutex
	queue  []*entry
	closed bool
}

type entry struct {
	id, from string
	rcpts    []string
	data     []byte
	arrived  time.Time
	attempts int
	nextTry  time.Time // by Clock, for display
	due      time.Time // by the real clock, for scheduling
	lastErr  string
}

// failure is the fate of one recipient that will not be delivered.
type failure struct {
	rcpt   string
	status string // enhanced status code, "5.1.1"
	diag   string // Diagnostic-Code value, "smtp; 550 5.1.1 ..."
	remote string // the MX address, "" if none was reached
	at     time.Time
}

// NewMTA returns an MTA; it delivers nothing until Run or Flush.
func NewMTA(o MTAOptions) *MTA {
	if o.Hostname == "" {
		o.Hostname = "localhost"
	}
	if o.Dial == nil {
		d := &net.Dialer{Timeout: 30 * time.Second}
		o.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	if o.RetryDelays == nil {
		o.RetryDelays = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute}
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Minute
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.NewID == nil {
		o.NewID = RandomID
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &MTA{o: o, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1)}
}

// Enqueue queues a message for the recipients (addresses at other
// domains) and returns its queue ID. The MTA adds a Received header naming
// itself; the submission server uses its own path, having added one.
func (m *MTA) Enqueue(from string, rcpts []string, data []byte) (id string, err error) {
	id = m.o.NewID()
	now := m.o.Clock()
	t := trace{by: m.o.Hostname, proto: "local", id: id, at: now}
	if len(rcpts) == 1 {
		t.rcpt = rcpts[0]
	}
	return id, m.enqueue(id, from, rcpts, withPrefix(data, t.header()), now)
}

func (m *MTA) enqueue(id, from string, rcpts []string, data []byte, now time.Time) error {
	if len(rcpts) == 0 {
		return errors.New("no recipients")
	}
	for _, r := range rcpts {
		if _, _, ok := splitAddress(r); !ok {
			return fmt.Errorf("bad recipient address %q: want user@domain", r)
		}
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return errors.New("the mail transfer agent is stopped")
	}
	m.queue = append(m.queue, &entry{id: id, from: from, rcpts: append([]string(nil), rcpts...), data: data, arrived: now})
	m.mu.Unlock()
	m.o.Logf("mta %s: queued %s from <%s> to %s", m.o.Hostname, id, from, strings.Join(rcpts, ", "))
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return nil
}

// Queue lists the messages waiting, oldest first.
func (m *MTA) Queue() []QueuedMessage {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]QueuedMessage, 0, len(m.queue))
	for _, e := range m.queue {
		out = append(out, QueuedMessage{ID: e.id, From: e.from, Rcpts: append([]string(nil), e.rcpts...),
			Size: len(e.data), Arrived: e.arrived, Attempts: e.attempts, NextTry: e.nextTry, LastError: e.lastErr})
	}
	return out
}

// Run is the relay worker: it delivers each message when it is due, until
// ctx ends (returning its error) or Close (returning nil).
func (m *MTA) Run(ctx context.Context) error {
	for {
		m.deliver(ctx, false)
		var timer *time.Timer
		var fire <-chan time.Time
		if d, ok := m.nextDue(); ok {
			timer = time.NewTimer(d)
			fire = timer.C
		}
		select {
		case <-ctx.Done():
			stopTimer(timer)
			return ctx.Err()
		case <-m.ctx.Done():
			stopTimer(timer)
			return nil
		case <-m.wake:
		case <-fire:
		}
		stopTimer(timer)
	}
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// Flush attempts every queued message now, whatever its retry time, and
// returns when the attempts are done (or ctx ends).
func (m *MTA) Flush(ctx context.Context) error {
	m.deliver(ctx, true)
	return ctx.Err()
}

// Close stops the worker, abandons attempts in progress (they count as
// temporary failures) and refuses new messages. The queue is kept for
// Queue.
func (m *MTA) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.round.Lock() // wait for a round in progress
	m.round.Unlock()
}

func (m *MTA) nextDue() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 {
		return 0, false
	}
	first := m.queue[0].due
	for _, e := range m.queue[1:] {
		if e.due.Before(first) {
			first = e.due
		}
	}
	return max(time.Until(first), 0), true
}

// deliver runs one round: each due message (every message if force) gets
// one attempt.
func (m *MTA) deliver(ctx context.Context, force bool) {
	m.round.Lock()
	defer m.round.Unlock()
	if m.ctx.Err() != nil {
		return // closed
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(m.ctx, cancel)()

	now := time.Now()
	m.mu.Lock()
	var due []*entry
	for _, e := range m.queue {
		if force || !e.due.After(now) {
			due = append(due, e)
		}
	}
	m.mu.Unlock()
	for _, e := range due {
		if ctx.Err() != nil {
			return
		}
		m.attempt(ctx, e)
	}
}

// attempt tries each recipient domain of e once, then reschedules, bounces
// or forgets e.
func (m *MTA) attempt(ctx context.Context, e *entry) {
	m.mu.Lock()
	e.attempts++
	rcpts := append([]string(nil), e.rcpts...)
	m.mu.Unlock()

	byDomain := map[string][]string{}
	for _, r := range rcpts {
		_, d, _ := splitAddress(r)
		d = strings.ToLower(d)
		byDomain[d] = append(byDomain[d], r)
	}
	domains := make([]string, 0, len(byDomain))
	for d := range byDomain {
		domains = append(domains, d)
	}
	sort.Strings(domains)

	var pending []string
	var failed, temp []failure
	for _, d := range domains {
		for _, r := range m.relay(ctx, d, e, byDomain[d]) {
			switch {
			case r.status == "":
				m.o.Logf("mta %s: %s delivered to <%s> via %s", m.o.Hostname, e.id, r.rcpt, r.remote)
			case r.status[0] == '4':
				pending = append(pending, r.rcpt)
				temp = append(temp, r)
			default:
				failed = append(failed, r)
			}
		}
	}

	m.mu.Lock()
	e.rcpts = pending
	if len(temp) > 0 {
		e.lastErr = temp[len(temp)-1].diag
		if e.attempts > len(m.o.RetryDelays) {
			failed = append(failed, temp...) // given up: bounce with the last temporary reason
			e.rcpts = nil
		} else {
			d := m.o.RetryDelays[e.attempts-1]
			e.due = time.Now().Add(d)
			e.nextTry = m.o.Clock().Add(d)
			m.o.Logf("mta %s: %s deferred (%s); attempt %d in %v", m.o.Hostname, e.id, e.lastErr, e.attempts+1, d)
		}
	}
	if len(e.rcpts) == 0 {
		m.removeLocked(e)
	}
	m.mu.Unlock()

	if len(failed) > 0 {
		m.bounce(e, failed)
	}
}

func (m *MTA) removeLocked(e *entry) {
	for i, x := range m.queue {
		if x == e {
			m.queue = append(m.queue[:i], m.queue[i+1:]...)
			return
		}
	}
}

// relay delivers e to the recipients of one domain over one SMTP
// connection and says what became of each (status "" = delivered).
func (m *MTA) relay(ctx context.Context, domain string, e *entry, rcpts []string) []failure {
	all := func(f failure) []failure {
		out := make([]failure, len(rcpts))
		for i, r := range rcpts {
			out[i] = f
			out[i].rcpt = r
		}
		return out
	}
	if m.o.Resolve == nil {
		return all(failure{status: "5.3.5", diag: "X-Mailsim; no MX lookup configured", at: m.o.Clock()})
	}
	addr, err := m.o.Resolve(domain)
	if err != nil {
		return all(failure{status: "5.1.2", diag: fmt.Sprintf("X-Mailsim; Host or domain name not found: %s: %v", domain, err), at: m.o.Clock()})
	}
	fail := func(err error) []failure {
		f := classify(err)
		f.remote, f.at = addr, m.o.Clock()
		return all(f)
	}
	conn, err := m.o.Dial(ctx, addr)
	if err != nil {
		return all(failure{status: "4.4.1", diag: fmt.Sprintf("X-Mailsim; connect to %s: %v", addr, err), remote: addr, at: m.o.Clock()})
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := m.open(ctx, conn, addr)
	if err != nil {
		conn.Close()
		return fail(err)
	}
	defer c.Close()

	opts := &gosmtp.MailOptions{Size: int64(len(e.data))}
	if !isASCII(e.from) || !allASCII(rcpts) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return all(failure{status: "5.6.7", diag: "X-Mailsim; the MX does not support SMTPUTF8, needed for a non-ASCII address", remote: addr, at: m.o.Clock()})
		}
		opts.UTF8 = true
	}
	if err := c.Mail(e.from, opts); err != nil {
		return fail(err)
	}
	var out []failure
	var accepted []string
	for _, r := range rcpts {
		if err := c.Rcpt(r, nil); err != nil {
			f := classify(err)
			f.rcpt, f.remote, f.at = r, addr, m.o.Clock()
			out = append(out, f)
			continue
		}
		accepted = append(accepted, r)
	}
	if len(accepted) == 0 {
		c.Quit()
		return out
	}
	rest := func(err error) []failure {
		f := classify(err)
		for _, r := range accepted {
			g := f
			g.rcpt, g.remote, g.at = r, addr, m.o.Clock()
			out = append(out, g)
		}
		return out
	}
	w, err := c.Data()
	if err != nil {
		return rest(err)
	}
	if _, err := w.Write(e.data); err != nil {
		return rest(err)
	}
	if err := w.Close(); err != nil {
		return rest(err)
	}
	c.Quit()
	for _, r := range accepted {
		out = append(out, failure{rcpt: r, remote: addr})
	}
	return out
}

// open reads the MX's greeting, says EHLO, and starts TLS when the MX
// offers it and the MTA has a TLS configuration.
//
// go-smtp's client can only start TLS after an EHLO it sends as
// "localhost", so the plain-text opening is spoken here with net/textproto
// and the client takes over after it, fed a stand-in greeting that never
// crosses the wire.
func (m *MTA) open(ctx context.Context, conn net.Conn, addr string) (*gosmtp.Client, error) {
	newClient := func(c net.Conn) (*gosmtp.Client, error) {
		cl := gosmtp.NewClient(c)
		cl.CommandTimeout, cl.SubmissionTimeout = m.o.Timeout, 2*m.o.Timeout
		return cl, cl.Hello(m.o.Hostname)
	}
	if m.o.TLS == nil {
		return newClient(conn)
	}
	conn.SetDeadline(time.Now().Add(m.o.Timeout))
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, protoErr(err)
	}
	if err := tp.PrintfLine("EHLO %s", m.o.Hostname); err != nil {
		return nil, err
	}
	_, msg, err := tp.ReadResponse(250)
	if err != nil {
		return nil, protoErr(err)
	}
	starttls := false
	for _, line := range strings.Split(msg, "\n")[1:] {
		if strings.EqualFold(strings.TrimSpace(line), "STARTTLS") {
			starttls = true
		}
	}
	conn.SetDeadline(time.Time{})
	if !starttls {
		// Plain text it is; the client says EHLO again, harmlessly.
		m.o.Logf("mta %s: %s does not offer STARTTLS; relaying in plain text", m.o.Hostname, addr)
		return newClient(&greetedConn{Conn: conn, r: io.MultiReader(strings.NewReader(resumed), conn)})
	}
	conn.SetDeadline(time.Now().Add(m.o.Timeout))
	if err := tp.PrintfLine("STARTTLS"); err != nil {
		return nil, err
	}
	if _, _, err := tp.ReadResponse(220); err != nil {
		return nil, protoErr(err)
	}
	cfg := m.o.TLS.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName, _, _ = net.SplitHostPort(addr)
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	tc := tls.Client(conn, cfg)
	var inner net.Conn = tc
	if ts, ok := conn.(tlsStarter); ok {
		inner = ts.StartTLS(tc)
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	conn.SetDeadline(time.Time{})
	return newClient(&greetedConn{Conn: inner, r: io.MultiReader(strings.NewReader(resumed), inner)})
}

// tlsStarter is implemented by a connection tap (sim/wire's Conn, which
// this package must not import) that records the plain text inside TLS
// once told that TLS runs on top of it.
type tlsStarter interface {
	StartTLS(tlsConn net.Conn) net.Conn
}

// resumed is the stand-in greeting given to go-smtp's client when it takes
// over a connection whose real greeting was already read.
const resumed = "220 resumed\r\n"

type greetedConn struct {
	net.Conn
	r io.Reader
}

func (g *greetedConn) Read(b []byte) (int, error) { return g.r.Read(b) }

// protoErr turns a net/textproto reply error into go-smtp's SMTPError.
func protoErr(err error) error {
	var te *textproto.Error
	if !errors.As(err, &te) {
		return err
	}
	e := &gosmtp.SMTPError{Code: te.Code, Message: te.Msg}
	if code, rest, ok := strings.Cut(te.Msg, " "); ok {
		var ec gosmtp.EnhancedCode
		parts := strings.Split(code, ".")
		good := len(parts) == 3
		for i := 0; good && i < 3; i++ {
			n, err := strconv.Atoi(parts[i])
			ec[i], good = n, err == nil
		}
		if good {
			e.EnhancedCode, e.Message = ec, rest
		}
	}
	return e
}

// classify maps an error from a delivery attempt to a status: SMTP replies
// keep their codes; anything else (network, TLS) is temporary.
func classify(err error) failure {
	var se *gosmtp.SMTPError
	if errors.As(err, &se) {
		class := se.Code / 100
		if class != 4 && class != 5 {
			class = 4
		}
		status := fmt.Sprintf("%d.0.0", class)
		ec := se.EnhancedCode
		if ec != gosmtp.EnhancedCodeNotSet && ec != gosmtp.NoEnhancedCode && ec[0] == class {
			status = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		msg := strings.ReplaceAll(se.Message, "\n", " ")
		return failure{status: status, diag: fmt.Sprintf("smtp; %d %s %s", se.Code, status, msg)}
	}
	return failure{status: "4.4.2", diag: "X-Mailsim; " + strings.ReplaceAll(err.Error(), "\n", " ")}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allASCII(list []string) bool {
	for _, s := range list {
		if !isASCII(s) {
			return false
		}
	}
	return true
}
