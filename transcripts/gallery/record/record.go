// Package record runs the real clients of the gallery of real clients
// (package gallery) against a fresh pair of simulated providers and makes
// each sample's transcript again: `mailsim gallery record [NAME]`.
//
// recipes.go says what each sample's client is asked to do, one function
// per step of the sample's catalog entry; tmux.go drives the full-screen
// client (neomutt). It imports the servers (sim/network), which package
// gallery, read by the app and the replay, must not.
package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"mailsim/internal/fixedclock"
	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/lessons"
	"mailsim/sim/classroom"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"mailsim/transcripts"
	"mailsim/transcripts/gallery"
)

// Accounts of every recording: alice at example.com (three messages in
// her INBOX), bob at example.org. The passwords never reach a shipped
// file: the registry redacts them.
const (
	alicePass = "wonderland"
	bobPass   = "builder"
)

// RecordOptions configure Record.
type RecordOptions struct {
	// Log gets the clients' own output (stdout and stderr), for whoever
	// runs the recording; nil = discarded.
	Log io.Writer
	// Timeout bounds each client run; 0 = 60 s.
	Timeout time.Duration
}

// ErrNoClient is returned (wrapped) by Record when a program the sample
// needs is not installed.
var ErrNoClient = errors.New("client not installed")

// Programs lists the programs sample name runs, to check they are
// installed before recording.
func Programs(name string) []string {
	if r, ok := recipes[name]; ok {
		return r.programs
	}
	return nil
}

// Record runs sample name's real client(s) against a fresh pair of
// simulated providers and returns the session as a transcript: redacted,
// on a fixed clock (the events are a few milliseconds apart, in the order
// they crossed), annotated by the glossary, with the sample's intro and
// step titles from the catalog.
func Record(ctx context.Context, name string, o RecordOptions) (*transcripts.Transcript, error) {
	s, ok := gallery.Find(name)
	if !ok {
		return nil, fmt.Errorf("no gallery sample %q (see mailsim gallery)", name)
	}
	rc, ok := recipes[name]
	if !ok {
		return nil, fmt.Errorf("gallery sample %q has no recipe", name)
	}
	if len(rc.phases) != len(s.Steps) {
		return nil, fmt.Errorf("gallery sample %q: the catalog has %d steps, the recipe %d", name, len(s.Steps), len(rc.phases))
	}
	for _, p := range rc.programs {
		if _, err := exec.LookPath(p); err != nil {
			return nil, fmt.Errorf("gallery sample %q needs %s: %w", name, p, ErrNoClient)
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Timeout == 0 {
		o.Timeout = 60 * time.Second
	}
	e, err := newEnv(ctx, o)
	if err != nil {
		return nil, err
	}
	defer e.close()
	for i, phase := range rc.phases {
		e.beginStep(i)
		if err := phase(e); err != nil {
			return nil, fmt.Errorf("gallery sample %s, step %d: %w\nthe servers saw last:\n%s", name, i+1, err, e.lastLines(12))
		}
		if err := e.settle(); err != nil {
			return nil, fmt.Errorf("gallery sample %s, step %d: %w", name, i+1, err)
		}
		e.endStep(i)
	}
	return e.transcript(s, rc)
}

// env is one recording: the providers, the registry that taps their
// servers, a home folder for the clients, and the events gathered so far.
type env struct {
	ctx  context.Context
	o    RecordOptions
	net  *network.Network
	reg  *classroom.Registry
	home string // the clients' HOME and working folder
	ca   string // the CA certificate file the clients trust

	mu     sync.Mutex
	step   int
	events []events.Event
	open   map[uint64]bool // connections opened and not closed yet
	last   *events.State
	unsub  func()
	tmux   string // the tmux session of a client left running between steps; "" = none
}

func newEnv(ctx context.Context, o RecordOptions) (*env, error) {
	reg := classroom.NewRegistry(classroom.Options{})
	stamps := 0
	var smu sync.Mutex
	n, err := network.Start(network.Options{
		// No relay worker: a recipe relays with e.relay, after the client
		// has finished, so the relay hop is a step of its own.
		StoreClock: fixedclock.New(time.Second).Now, ServerTap: reg, Deterministic: true,
		RetryDelays: []time.Duration{200 * time.Millisecond},
		APOPTimestamp: func(host string) string {
			smu.Lock()
			defer smu.Unlock()
			stamps++
			return fmt.Sprintf("<%d.%d@%s>", 4100+stamps, fixedclock.Start.Unix(), host)
		},
	})
	if err != nil {
		return nil, err
	}
	accts := []classroom.Account{
		{Domain: network.DomainCom, Password: alicePass, Starter: mailstore.SeedUser{Name: "alice", Password: alicePass,
			Mailboxes: map[string][]mailstore.SeedMessage{mailstore.Inbox: starter()}}},
		{Domain: network.DomainOrg, Password: bobPass, Starter: mailstore.SeedUser{Name: "bob", Password: bobPass}},
	}
	if _, err := classroom.New(n, reg, accts, nil, 0); err != nil {
		n.Close()
		return nil, err
	}
	home, err := os.MkdirTemp("", "mailsim-gallery-")
	if err != nil {
		n.Close()
		return nil, err
	}
	e := &env{ctx: ctx, o: o, net: n, reg: reg, home: home, ca: filepath.Join(home, "ca.pem"), open: map[uint64]bool{}}
	if err := n.CA.SaveCA(e.ca); err != nil {
		e.close()
		return nil, err
	}
	e.unsub = reg.Subscribe(e.event)
	e.last = e.state()
	e.mu.Lock()
	e.events = append(e.events, events.Event{Kind: events.EventStart, Step: -1, State: e.last})
	e.mu.Unlock()
	return e, nil
}

// starter is alice's INBOX: three messages with fixed dates and ids.
func starter() []mailstore.SeedMessage {
	msg := func(from, subject, date, id, body string) mailstore.SeedMessage {
		return mailstore.SeedMessage{From: from, To: "Alice <alice@example.com>", Subject: subject, Date: date, MessageID: id, Body: body}
	}
	return []mailstore.SeedMessage{
		msg("Bob <bob@example.org>", "Lunch on Friday?", "2026-11-24T12:05:00+07:00", "<lunch.1@example.org>",
			"Hi Alice,\n\nnoodles at the usual place on Friday, at noon?\n\nBob\n"),
		msg("Lan <lan@example.org>", "Photos from Da Lat", "2026-11-24T18:30:00+07:00", "<dalat.2@example.org>",
			"Alice,\n\nthe photos from our trip are in the shared folder.\n\nLan\n"),
		msg("Mail class <trainer@example.com>", "POP or IMAP?", "2026-11-25T08:00:00+07:00", "<class.3@example.com>",
			"Read this message with POP3 and then with IMAP:\nwith POP3 your program downloads it (and may delete it);\nwith IMAP it stays on the server.\n"),
	}
}

func (e *env) close() {
	e.stopTmux()
	if e.unsub != nil {
		e.unsub()
	}
	e.net.Close()
	os.RemoveAll(e.home)
}

// event is the registry's subscriber: it keeps each change as a simulator
// event, in the order the changes happened, tagged with the current step.
func (e *env) event(ev classroom.Event) {
	var out []events.Event
	switch ev.Kind {
	case classroom.ConnOpened:
		cs := ev.Conn
		cs.Open = true
		out = classroom.ConnEvents(cs, nil)
	case classroom.UnitAdded:
		if ev.Entry.Layer == wire.Cipher {
			// The TLS records themselves: their number and sizes change from
			// run to run (signatures, tickets); the lines inside them, which
			// the server decrypts, are kept, marked as inside TLS.
			return
		}
		cs := ev.Conn
		cs.Open = true
		out = classroom.ConnEvents(cs, []classroom.Entry{ev.Entry})[1:]
	case classroom.ConnClosed:
		evs := classroom.ConnEvents(ev.Conn, nil)
		out = evs[len(evs)-1:]
	default:
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev.Kind {
	case classroom.ConnOpened:
		e.open[ev.Conn.ID] = true
	case classroom.ConnClosed:
		delete(e.open, ev.Conn.ID)
	}
	for _, x := range out {
		x.Step = e.step
		x.Note = nil // the registry's own notes ("logged in as alice"): the glossary explains the lines
		if x.Unit != nil {
			x.Unit.Raw = nil // the registry keeps text only
		}
		e.events = append(e.events, x)
	}
}

// lastLines are the last n units the servers saw, one line each, for an
// error message.
func (e *env) lastLines(n int) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		switch {
		case ev.Unit != nil:
			out = append(out, fmt.Sprintf("  conn %d %s: %s", ev.Conn, ev.Unit.Dir, textsafe.Visible(ev.Unit.Text)))
		case ev.Kind == events.EventClose:
			out = append(out, fmt.Sprintf("  conn %d closed: %s", ev.Conn, textsafe.Visible(ev.Text.In(i18n.Fallback))))
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, "\n")
}

func (e *env) beginStep(i int) {
	e.mu.Lock()
	e.step = i
	e.events = append(e.events, events.Event{Kind: events.EventStep, Step: i})
	e.mu.Unlock()
}

// settle waits until every connection of the step has closed, or 5 s; a
// client left running on purpose (neomutt) keeps its connection, and
// settle only waits for the lines to stop.
func (e *env) settle() error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.mu.Lock()
		n, open := len(e.events), len(e.open)
		e.mu.Unlock()
		time.Sleep(150 * time.Millisecond)
		e.mu.Lock()
		quiet := len(e.events) == n
		e.mu.Unlock()
		if (open == 0 || e.keepOpen()) && quiet {
			return nil
		}
		if time.Now().After(deadline) {
			if quiet {
				return nil
			}
			return errors.New("the session did not settle within 5 s")
		}
		if err := e.ctx.Err(); err != nil {
			return err
		}
	}
}

// keepOpen reports whether a client was left running between steps.
func (e *env) keepOpen() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.tmux != ""
}

func (e *env) endStep(i int) {
	st := e.state()
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, events.Event{Kind: events.EventState, Step: i, State: st, Delta: events.Diff(e.last, st)})
	e.last = st
}

func (e *env) state() *events.State {
	s := &events.State{}
	for _, p := range e.net.Providers {
		s.Providers = append(s.Providers, events.ProviderState{Domain: p.Domain, Snapshot: p.Store.Snapshot()})
	}
	return s
}

// transcript turns the gathered events into the sample's transcript.
func (e *env) transcript(s gallery.Sample, rc recipe) (*transcripts.Transcript, error) {
	e.mu.Lock()
	evs := append([]events.Event(nil), e.events...)
	e.mu.Unlock()
	g, err := lessons.LoadGlossary()
	if err != nil {
		return nil, err
	}
	l := s.Lesson()
	// The actor is the client, with the version that was recorded.
	l.Actors = []lessons.Actor{{Name: rc.client, Protocol: s.Protocol, Client: i18n.Text{i18n.Fallback: e.version(rc.version)}}}
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: l, Live: true, Deterministic: true,
		ID: uuid.NewSHA1(galleryNS, []byte(s.Name)).String(), Created: fixedclock.Start})
	at := fixedclock.Start
	seq := map[uint64]int{} // the units kept, numbered again per connection: the TLS records left out had numbers too
	for _, ev := range evs {
		ev.Time = at
		at = at.Add(5 * time.Millisecond)
		switch ev.Kind {
		case events.EventStep:
			st := l.Steps[ev.Step]
			ev.Title, ev.Say = st.Title, st.Say
		case events.EventConnect, events.EventWire, events.EventClose:
			ev.Actor = rc.actor(ev.Role)
			if ev.Kind == events.EventClose {
				ev.Text = closeReason(ev.Text.In(i18n.Fallback))
			}
			if u := ev.Unit; u != nil {
				u.Time = ev.Time
				seq[ev.Conn]++
				u.Seq = seq[ev.Conn]
				if u.Kind == wire.Line && u.Layer != wire.Cipher {
					if ge, ok := g.Explain(string(ev.Protocol), u.Dir == wire.ClientToServer, u.Command, u.Text); ok {
						ev.Gloss = &ge
					}
				}
			}
		}
		rec.Event(ev)
	}
	last := len(l.Steps) - 1
	rec.Event(events.Event{Kind: events.EventEnd, Step: last, OK: true, Time: at,
		Text: i18n.Textf("The recording ends here.")})
	return rec.Transcript(), nil
}

// closeReason is why a connection closed, as the transcript says it. A
// client that hangs up right after its last command races the server's
// TLS goodbye: whether the server then sees "broken pipe" or a clean close
// changes from run to run, so both are "connection closed". Other errors keep their
// words, without the addresses ("tcp 127.0.0.1:1143->127.0.0.1:51098: "),
// whose ports change.
func closeReason(s string) i18n.Text {
	if s == "closed" || strings.Contains(s, "broken pipe") || strings.Contains(s, "connection reset by peer") {
		return i18n.Textf("connection closed")
	}
	return i18n.Text{i18n.Fallback: addrs.ReplaceAllString(s, "")}
}

// addrs are the addresses in a connection error: "write tcp A->B: ".
var addrs = regexp.MustCompile(`(\w+ )?(tcp )?\[?[0-9a-f.:]+\]?:\d+->\[?[0-9a-f.:]+\]?:\d+: `)

// version is the first line a client's version command prints ("" when
// it prints nothing in 5 s), e.g. "isync 1.4.4".
func (e *env) version(cmdline []string) string {
	if len(cmdline) == 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, cmdline[0], cmdline[1:]...)
	cmd.Env = e.environ()
	out, _ := cmd.CombinedOutput() // fetchmail --version exits 1 without a server
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.Contains(line, "WARNING") {
			continue
		}
		if line[0] >= '0' && line[0] <= '9' { // "8.0.0": offlineimap's
			line = filepath.Base(cmdline[0]) + " " + line
		}
		if len(line) > 72 {
			line = line[:72]
		}
		return textsafe.Visible(line)
	}
	return ""
}

// galleryNS makes the samples' transcript ids: the same name, the same id.
var galleryNS = uuid.MustParse("6f1d2b9e-3c4a-4f57-9a0e-8d2f6c1b7e45")

// port is the real port of a provider's server.
func (e *env) port(domain string, role roles.Role) int {
	p, ok := e.net.Provider(domain)
	if !ok {
		return 0
	}
	s, ok := p.Server(role)
	if !ok {
		return 0
	}
	return s.Port()
}

// com is example.com's port for role, as a string.
func (e *env) com(role roles.Role) string { return strconv.Itoa(e.port(network.DomainCom, role)) }

// file writes a file into the home folder and returns its path.
func (e *env) file(name, text string) (string, error) {
	p := filepath.Join(e.home, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, []byte(text), 0o600)
}

// run runs a client in the home folder and waits for it; okCodes are the
// exit codes besides 0 that mean it did its job (fetchmail's 1: "no mail").
func (e *env) run(stdin string, okCodes []int, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(e.ctx, e.o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = e.home
	cmd.Env = e.environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	fmt.Fprintf(e.o.Log, "$ %s %s\n%s", name, strings.Join(args, " "), out.String())
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		for _, c := range okCodes {
			if ee.ExitCode() == c {
				return nil
			}
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, lastLines(out.String(), 12))
	}
	return nil
}

// environ is the clients' environment: a home of their own, no proxy, a
// fixed locale and time zone.
func (e *env) environ() []string {
	env := []string{"HOME=" + e.home, "TZ=Asia/Ho_Chi_Minh", "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=xterm-256color",
		"FETCHMAILHOME=" + e.home, "PATH=" + os.Getenv("PATH"),
		"PYTHONHASHSEED=0", // python clients iterate sets (offlineimap's flags) in a fixed order
		"SOURCE_DATE_EPOCH=" + strconv.FormatInt(fixedclock.Start.Unix(), 10)} // s-nail dates its messages by it
	return env
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// deliver puts a new message into a user's INBOX, as if it had just
// arrived from outside.
func (e *env) deliver(domain, user, from, subject, id, body string) error {
	p, ok := e.net.Provider(domain)
	if !ok {
		return fmt.Errorf("no provider %s", domain)
	}
	raw := fmt.Sprintf("From: %s\r\nTo: <%s@%s>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n\r\n%s",
		from, user, domain, subject, p.Store.Now().Format(time.RFC1123Z), id, strings.ReplaceAll(body, "\n", "\r\n"))
	_, err := p.Store.Deliver(user, []byte(raw))
	return err
}

// relay has the MTAs hand on the mail queued for other providers.
func (e *env) relay() error {
	e.net.FlushRelays(e.ctx)
	return nil
}

// flag adds a flag to a message of alice's INBOX on the server, as
// another of her devices would.
func (e *env) flag(uid uint32, flag string) error {
	p, _ := e.net.Provider(network.DomainCom)
	_, err := p.Store.SetFlags("alice", mailstore.Inbox, []uint32{uid}, mailstore.FlagsAdd, []string{flag}, nil)
	return err
}
