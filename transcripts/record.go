package transcripts

import (
	"net"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
)

// Meta describes a session about to be recorded.
type Meta struct {
	Lesson        *lessons.Lesson // nil for a live session without a lesson
	Language      string          // the language it is shown in; "" = en
	Live          bool            // a real user takes part: Save redacts secrets
	Deterministic bool            // the simulator runs on its fixed clock
	ID            string          // "" = a new random UUID
	Created       time.Time       // zero = now
}

// Recorder turns the simulator's event stream into a Transcript. Its
// Event method is an Options.Emit; it is safe for concurrent use, so a
// screen may take the Transcript while the session goes on.
type Recorder struct {
	mu      sync.Mutex
	t       Transcript
	started bool
	msgs    map[*mailstore.Message]int
	byKey   map[string]int
	actors  map[string]bool
	servers map[string]bool
	quizzes map[int]*lessons.QuizSpec // step -> its quiz

	// The last list written for each mailbox ("domain\x00user\x00name")
	// and each device's local copy, with the snapshot that holds it: a
	// long list a step leaves as it was is shared, not written again.
	boxes     map[string]heldList[MessageRef]
	locals    map[string]heldList[events.LocalMessage]
	shareFrom int // the shortest list shared; 0 = shareMin
}

// shareMin is the shortest list of messages a snapshot shares with an
// earlier one rather than writing it again: a mailbox of 10,000 messages
// that six steps leave as they were is written once, while the small
// mailboxes of most lessons are written out, as version 1 files have them.
const shareMin = 100

// heldList is a list as written, and the snapshot (from 1) that holds it.
type heldList[T any] struct {
	snap int
	list []T
}

// NewRecorder starts a transcript.
func NewRecorder(m Meta) *Recorder {
	r := &Recorder{msgs: map[*mailstore.Message]int{}, byKey: map[string]int{}, actors: map[string]bool{},
		servers: map[string]bool{}, quizzes: map[int]*lessons.QuizSpec{},
		boxes: map[string]heldList[MessageRef]{}, locals: map[string]heldList[events.LocalMessage]{}}
	t := &r.t
	t.Version, t.ID, t.Created = Version, m.ID, m.Created
	if t.ID == "" {
		t.ID = uuid.NewString()
	}
	if t.Created.IsZero() {
		t.Created = time.Now()
	}
	t.Created = normTime(t.Created.Truncate(time.Millisecond))
	t.Live, t.Deterministic = m.Live, m.Deterministic
	if m.Language != i18n.Fallback {
		t.Language = m.Language
	}
	if l := m.Lesson; l != nil {
		t.Lesson = &LessonInfo{ID: l.ID, Group: l.Group, Title: cleanText(l.Title), Summary: cleanText(l.Summary),
			Languages: l.Languages(), Steps: len(l.Steps), Covers: cleanList(l.Covers)}
		for _, a := range l.Actors {
			user := ""
			if a.User != "" {
				d := a.Domain
				if d == "" {
					d = lessons.DefaultDomain
				}
				user = a.User + "@" + d
			}
			r.addActor(Actor{Name: a.Name, Protocol: a.Protocol, Client: cleanText(a.Client), User: user})
		}
	}
	return r
}

func (r *Recorder) addActor(a Actor) {
	if a.Name == "" || r.actors[a.Name] {
		return
	}
	r.actors[a.Name] = true
	r.t.Actors = append(r.t.Actors, a)
}

// Event records one event, marked ByStudent if it is.
func (r *Recorder) Event(e events.Event) { r.record(e, e.ByStudent) }

// StudentEvent records an event the learner caused (a sandbox line, its
// reply, the state after it): it is marked ByStudent, and when a
// transcript has such events, redaction applies to those only.
func (r *Recorder) StudentEvent(e events.Event) { r.record(e, true) }

// record keeps e as a saved file gives it back: texts cleaned, time to
// the millisecond, its state one of the transcript's snapshots.
func (r *Recorder) record(e events.Event, byStudent bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := &r.t
	at := e.Time.Truncate(time.Millisecond)
	if !r.started {
		r.started = true
		t.Start = normTime(at)
	}
	ms := at.Sub(t.Start).Milliseconds()
	if e.Time.IsZero() {
		ms = 0
	}
	if e.Actor != "" {
		r.addActor(Actor{Name: e.Actor, Protocol: string(e.Protocol)})
	}
	if e.Kind == events.EventConnect {
		r.addServer(e.Role, e.Host)
	}
	e.ByStudent = byStudent
	e.Title, e.Say, e.Note, e.Text, e.TLSKeys = cleanText(e.Title), cleanText(e.Say), cleanText(e.Note), cleanText(e.Text), cleanList(e.TLSKeys)
	if g := e.Gloss; g != nil {
		e.Gloss = &lessons.Entry{Key: clean(g.Key), RFC: clean(g.RFC), Text: cleanText(g.Text)}
	}
	if q := e.Quiz; q != nil {
		e.Quiz = &lessons.QuizSpec{Question: cleanText(q.Question), Explain: cleanText(q.Explain)}
		for _, c := range q.Choices {
			e.Quiz.Choices = append(e.Quiz.Choices, lessons.QuizChoice{Text: cleanText(c.Text), Correct: c.Correct})
		}
		r.quizzes[e.Step] = e.Quiz
	}
	snap := 0
	if e.State != nil {
		t.Snapshots = append(t.Snapshots, r.snapshot(e.Step, e.State))
		snap = len(t.Snapshots)
		t.State(snap)
	}
	delta := e.Delta
	e.Delta = nil
	for _, c := range delta {
		e.Delta = append(e.Delta, events.Change{Kind: c.Kind, Where: clean(c.Where), UID: c.UID,
			Subject: clean(c.Subject), Flags: cleanList(c.Flags), Detail: clean(c.Detail)})
	}
	fe := encodeEvent(&e, ms, snap)
	t.Events = append(t.Events, t.decodeEvent(&fe))
}

// Answer records a learner's answer to the quiz of a step.
func (r *Recorder) Answer(step, choice int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := Answer{Step: step, Choice: choice}
	if q := r.quizzes[step]; q != nil && choice >= 0 && choice < len(q.Choices) {
		a.Correct = q.Choices[choice].Correct
	}
	if n := len(r.t.Events); n > 0 {
		a.At = r.t.Events[n-1].Time.Sub(r.t.Start).Milliseconds()
	}
	if r.started && !r.t.Deterministic {
		a.At = time.Since(r.t.Start).Milliseconds()
	}
	r.t.Answers = append(r.t.Answers, a)
}

// Transcript returns what has been recorded so far. The recording may go
// on; the returned Transcript does not change.
func (r *Recorder) Transcript() *Transcript {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.t
	t.Servers = clip(t.Servers)
	t.Actors = clip(t.Actors)
	t.Answers = clip(t.Answers)
	t.Version = t.fileVersion()
	t.Messages = clip(t.Messages)
	t.Snapshots = clip(t.Snapshots)
	t.states = clip(t.states)
	t.Events = clip(t.Events)
	if t.Lesson != nil {
		l := *t.Lesson
		t.Lesson = &l
	}
	return &t
}

func clip[S ~[]E, E any](s S) S { return s[:len(s):len(s)] }

func (r *Recorder) addServer(role roles.Role, hostport string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	p, _ := strconv.Atoi(port)
	if p == 0 {
		p = role.StandardPort()
	}
	key := string(role) + " " + host + ":" + strconv.Itoa(p)
	if r.servers[key] {
		return
	}
	r.servers[key] = true
	r.t.Servers = append(r.t.Servers, Server{Role: string(role), Protocol: string(role.Protocol()), Host: host, Port: p, TLS: role.ImplicitTLS()})
}

func (r *Recorder) snapshot(step int, s *events.State) Snapshot {
	snap := Snapshot{Step: step}
	n := len(r.t.Snapshots) + 1 // the number this snapshot will have
	minLen := r.shareFrom
	if minLen == 0 {
		minLen = shareMin
	}
	for _, ps := range s.Providers {
		p := ProviderSnap{Domain: ps.Domain}
		if ss := ps.Snapshot; ss != nil {
			p.Taken = normTime(ss.Taken)
			for _, u := range ss.Users {
				us := UserSnap{Name: u.Name, Quota: u.Quota}
				for _, mb := range u.Mailboxes {
					ms := MailboxSnap{Name: mb.Name, SpecialUse: mb.SpecialUse, UIDValidity: mb.UIDValidity, UIDNext: mb.UIDNext}
					for _, m := range mb.Messages {
						ms.Messages = append(ms.Messages, MessageRef{UID: m.UID, Msg: r.message(m), Flags: cleanList(m.Flags)})
					}
					key := ps.Domain + "\x00" + u.Name + "\x00" + mb.Name
					if held, ok := r.boxes[key]; ok && len(ms.Messages) >= minLen && slices.EqualFunc(held.list, ms.Messages, sameRef) {
						ms.Same, ms.Messages = held.snap, nil
					} else {
						r.boxes[key] = heldList[MessageRef]{n, ms.Messages}
					}
					us.Mailboxes = append(us.Mailboxes, ms)
				}
				p.Users = append(p.Users, us)
			}
		}
		for k, on := range ps.Marked {
			if on {
				p.Marked = append(p.Marked, k)
			}
		}
		sort.Strings(p.Marked)
		snap.Providers = append(snap.Providers, p)
	}
	for _, d := range s.Devices {
		ds := d
		ds.Client, ds.Local = cleanText(d.Client), nil
		for _, m := range d.Local {
			m.Flags = cleanList(m.Flags)
			ds.Local = append(ds.Local, m)
		}
		if held, ok := r.locals[d.Name]; ok && len(ds.Local) >= minLen && slices.EqualFunc(held.list, ds.Local, sameLocal) {
			snap.SameLocal = append(snap.SameLocal, LocalRef{Device: d.Name, Snapshot: held.snap})
			ds.Local = nil
		} else {
			r.locals[d.Name] = heldList[events.LocalMessage]{n, ds.Local}
		}
		snap.Devices = append(snap.Devices, ds)
	}
	return snap
}

func sameRef(a, b MessageRef) bool {
	return a.UID == b.UID && a.Msg == b.Msg && slices.Equal(a.Flags, b.Flags)
}

func sameLocal(a, b events.LocalMessage) bool { return reflect.DeepEqual(a, b) }

// message returns the number of m's content in Messages, adding it the
// first time it is seen.
func (r *Recorder) message(m *mailstore.Message) int {
	if n, ok := r.msgs[m]; ok {
		return n
	}
	msg := Message{Date: normTime(m.InternalDate), From: m.From, To: m.To, Subject: m.Subject, MessageID: m.MessageID}
	if len(m.Raw) > 0 {
		msg.Raw = Bytes(m.Raw)
	}
	key := strings.Join([]string{msg.Date.Format(timeLayout), msg.From, msg.To, msg.Subject, msg.MessageID, string(msg.Raw)}, "\x00")
	n, ok := r.byKey[key]
	if !ok {
		r.t.Messages = append(r.t.Messages, msg)
		n = len(r.t.Messages)
		r.byKey[key] = n
	}
	r.msgs[m] = n
	return n
}

// cleanText makes a text safe to save: no invalid UTF-8, nil when empty.
func cleanText(t i18n.Text) i18n.Text {
	if t.IsZero() {
		return nil
	}
	for k, v := range t {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			c := i18n.Text{}
			for k, v := range t {
				c[clean(k)] = clean(v)
			}
			return c
		}
	}
	return t
}

func clean(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func cleanList(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Equal reports whether two transcripts are the same, field by field.
func Equal(a, b *Transcript) bool { return reflect.DeepEqual(a, b) }
