package exercises

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"mailsim/internal/textsafe"
	"mailsim/sim/classroom"
	"mailsim/sim/network"
	"mailsim/sim/wire"
)

// Status is where a student stands on an exercise.
type Status int

// Statuses, in the order a student moves through them.
const (
	NotYet Status = iota
	Tried
	Done
)

// String returns "not yet", "tried" or "done".
func (s Status) String() string {
	return [...]string{"not yet", "tried", "done"}[s]
}

// Student is one row of the scoreboard.
type Student struct {
	Name string // the login name ("student01")
	Home string // the student's own provider ("example.com")
	// Addresses are the student's addresses at every provider where the
	// name has an account, lower-cased.
	Addresses []string
}

// StudentsOf makes the scoreboard's rows from the classroom's accounts:
// every account but the shared class mailbox, one row per login name (an
// account at the other provider with the same name is the same student).
func StudentsOf(accts []classroom.Account) []Student {
	var out []Student
	index := map[string]int{}
	for _, a := range accts {
		if a.Shared {
			continue
		}
		key := strings.ToLower(a.Name())
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Student{Name: a.Name(), Home: a.Domain})
		}
		out[i].Addresses = append(out[i].Addresses, strings.ToLower(a.Address()))
	}
	return out
}

// Cell is one student's standing on one exercise.
type Cell struct {
	Status Status
	At     time.Time // when it became done (or was first tried)
	// Evidence is what satisfied the checks: the session lines (redacted
	// as the registry keeps them) and mailbox counts.
	Evidence []string
}

// MailboxCounter counts the messages of a user's mailbox at a provider
// (only those with flag, when flag is not ""). A mailbox that does not
// exist counts 0.
type MailboxCounter func(domain, user, mailbox, flag string) int

// NetworkCounter counts from the network's stores.
func NetworkCounter(n *network.Network) MailboxCounter {
	return func(domain, user, mailbox, flag string) int {
		p, ok := n.Provider(domain)
		if !ok {
			return 0
		}
		msgs, _, err := p.Store.Messages(user, mailbox)
		if err != nil {
			return 0
		}
		if flag == "" {
			return len(msgs)
		}
		c := 0
		for _, m := range msgs {
			for _, f := range m.Flags {
				if strings.EqualFold(f, flag) {
					c++
					break
				}
			}
		}
		return c
	}
}

// Limits of what the tracker keeps per session.
const (
	maxSessionLines = 2000
	maxEvidence     = 40
)

// Tracker follows a classroom's sessions and keeps each student's standing
// on each exercise. Feed it the registry's events (Event, via
// Registry.Subscribe) and call Update, or Run, to check the students whose
// sessions changed. Done is for good: a completion is recorded once, with
// its time. It is safe for concurrent use.
type Tracker struct {
	exs      []*Exercise
	students []Student
	count    MailboxCounter
	clock    func() time.Time
	domains  []string

	mu          sync.Mutex
	byName      map[string]int
	byAddr      map[string]int
	sessions    map[uint64]*session
	perStudent  [][]*session
	dirty       map[int]bool
	cells       [][]Cell
	completions int
	version     uint64
	listeners   []func()
}

// session is what the tracker keeps of one connection.
type session struct {
	st       classroom.ConnState
	implicit bool // TLS from the start
	lines    []line
	mailFrom string
	student  int // -1 until known
}

type line struct {
	dir       wire.Direction
	command   string
	tag, text string
	at        time.Time
}

// NewTracker returns a tracker of exs for students; count reads mailbox
// state; domains are the simulated providers; clock nil = time.Now.
func NewTracker(exs []*Exercise, students []Student, domains []string, count MailboxCounter, clock func() time.Time) *Tracker {
	if clock == nil {
		clock = time.Now
	}
	t := &Tracker{exs: exs, students: students, count: count, clock: clock, domains: domains,
		byName: map[string]int{}, byAddr: map[string]int{}, sessions: map[uint64]*session{},
		perStudent: make([][]*session, len(students)), dirty: map[int]bool{}, cells: make([][]Cell, len(students))}
	for i, s := range students {
		t.byName[strings.ToLower(s.Name)] = i
		for _, a := range s.Addresses {
			t.byAddr[a] = i
			t.byName[a] = i // a client that logs in with the whole address
		}
		t.cells[i] = make([]Cell, len(exs))
	}
	return t
}

// Exercises returns the tracked exercises, in column order.
func (t *Tracker) Exercises() []*Exercise { return t.exs }

// Students returns the rows.
func (t *Tracker) Students() []Student { return t.students }

// OnChange registers fn, called (on the goroutine that ran Update) after
// an Update that changed a cell.
func (t *Tracker) OnChange(fn func()) {
	t.mu.Lock()
	t.listeners = append(t.listeners, fn)
	t.mu.Unlock()
}

// Event takes one registry event. It is quick: the checks run in Update.
func (t *Tracker) Event(ev classroom.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.sessions[ev.Conn.ID]
	if s == nil {
		if ev.Kind == classroom.AnnotationsToggled || ev.Conn.ID == 0 {
			return
		}
		s = &session{st: ev.Conn, implicit: ev.Kind == classroom.ConnOpened && ev.Conn.TLS, student: -1}
		t.sessions[ev.Conn.ID] = s
	}
	s.st = ev.Conn
	if ev.Kind == classroom.UnitAdded {
		e := ev.Entry
		if e.Layer != wire.Cipher && e.Kind == wire.Line && len(s.lines) < maxSessionLines {
			s.lines = append(s.lines, line{dir: e.Dir, command: strings.ToUpper(e.Command), tag: e.Tag, text: e.Text, at: e.Time})
			if e.Dir == wire.ClientToServer && strings.EqualFold(e.Command, "MAIL") && s.mailFrom == "" {
				s.mailFrom = envelopeAddress(e.Text)
			}
		}
	}
	if s.student < 0 {
		s.student = t.attributeLocked(s)
		if s.student >= 0 {
			t.perStudent[s.student] = append(t.perStudent[s.student], s)
		}
	}
	if s.student >= 0 {
		t.dirty[s.student] = true
	}
	if ev.Kind == classroom.ConnClosed && s.student < 0 {
		delete(t.sessions, ev.Conn.ID) // nobody's: nothing to check
	}
}

// envelopeAddress reads the address of "MAIL FROM:<a@b> SIZE=1".
func envelopeAddress(cmd string) string {
	i, j := strings.IndexByte(cmd, '<'), strings.IndexByte(cmd, '>')
	if i < 0 || j < i {
		return ""
	}
	return strings.ToLower(cmd[i+1 : j])
}

func (t *Tracker) attributeLocked(s *session) int {
	if u := strings.ToLower(s.st.User); u != "" {
		if i, ok := t.byName[u]; ok {
			return i
		}
		return -1
	}
	if s.mailFrom != "" {
		if i, ok := t.byAddr[s.mailFrom]; ok {
			return i
		}
	}
	return -1
}

// Run calls Update every interval until ctx ends.
func (t *Tracker) Run(ctx context.Context, every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			t.Update()
		}
	}
}

// Update checks the students whose sessions changed since the last call.
func (t *Tracker) Update() {
	t.mu.Lock()
	changed := false
	for i := range t.dirty {
		delete(t.dirty, i)
		if t.evaluateLocked(i) {
			changed = true
		}
	}
	var ls []func()
	if changed {
		t.version++
		ls = append(ls, t.listeners...)
	}
	t.mu.Unlock()
	for _, fn := range ls {
		fn()
	}
}

// Recheck marks every student for the next Update (mailbox state changed
// by something other than their sessions).
func (t *Tracker) Recheck() {
	t.mu.Lock()
	for i := range t.students {
		t.dirty[i] = true
	}
	t.mu.Unlock()
}

// evaluateLocked checks student i; it reports whether a cell changed.
func (t *Tracker) evaluateLocked(i int) bool {
	changed := false
	st := t.students[i]
	for j, ex := range t.exs {
		c := &t.cells[i][j]
		if c.Status == Done {
			continue
		}
		if ev, at, ok := t.holdsAll(st, t.perStudent[i], ex.Done); ok {
			c.Status, c.Evidence = Done, ev
			c.At = at
			if c.At.IsZero() {
				c.At = t.clock()
			}
			t.completions++
			changed = true
			continue
		}
		if c.Status == NotYet && t.triedAny(st, t.perStudent[i], ex) {
			c.Status, c.At = Tried, t.clock()
			changed = true
		}
	}
	return changed
}

func (t *Tracker) triedAny(st Student, ss []*session, ex *Exercise) bool {
	tried := ex.Tried
	if len(tried) == 0 {
		for _, p := range ex.Done {
			if p.Session != nil {
				yes := true
				tried = []Predicate{{Session: &SessionMatch{Protocol: p.Session.Protocol, Roles: p.Session.Roles, Login: &yes}}}
				break
			}
		}
	}
	for _, p := range tried {
		if _, _, ok := t.holdsAll(st, ss, []Predicate{p}); ok {
			return true
		}
	}
	return false
}

// holdsAll checks a list of predicates: the session ones each by a
// different session, the mailbox ones on the store. It returns the
// evidence and the time of its last session line.
func (t *Tracker) holdsAll(st Student, ss []*session, ps []Predicate) (evidence []string, at time.Time, ok bool) {
	var sps []*SessionMatch
	for _, p := range ps {
		if p.Mailbox != nil {
			ev, ok := t.mailboxHolds(st, p.Mailbox)
			if !ok {
				return nil, time.Time{}, false
			}
			evidence = append(evidence, ev)
		} else {
			sps = append(sps, p.Session)
		}
	}
	// candidates: for each session predicate, the sessions it matches
	type match struct {
		s  *session
		ev []line
	}
	cands := make([][]match, len(sps))
	for k, sp := range sps {
		for _, s := range ss {
			if ev, ok := sessionMatches(st, s, sp); ok {
				cands[k] = append(cands[k], match{s, ev})
			}
		}
		if len(cands[k]) == 0 {
			return nil, time.Time{}, false
		}
	}
	// distinct sessions for distinct predicates (there are few: backtrack)
	chosen := make([]match, len(sps))
	used := map[*session]bool{}
	var pick func(k int) bool
	pick = func(k int) bool {
		if k == len(sps) {
			return true
		}
		for _, m := range cands[k] {
			if used[m.s] {
				continue
			}
			used[m.s] = true
			chosen[k] = m
			if pick(k + 1) {
				return true
			}
			used[m.s] = false
		}
		return false
	}
	if !pick(0) {
		return nil, time.Time{}, false
	}
	for _, m := range chosen {
		evidence = append(evidence, sessionHeader(m.s))
		for _, l := range m.ev {
			if l.at.After(at) {
				at = l.at
			}
			if len(evidence) < maxEvidence {
				evidence = append(evidence, "  "+l.dir.String()+": "+textsafe.Visible(l.text))
			}
		}
	}
	return evidence, at, true
}

func sessionHeader(s *session) string {
	tls := "no TLS"
	switch {
	case s.implicit:
		tls = "implicit TLS"
	case s.st.TLS:
		tls = "STARTTLS"
	}
	who := s.st.User
	if who == "" {
		who = "MAIL FROM " + s.mailFrom
	}
	return textsafe.Visible(fmt.Sprintf("session #%d %s at %s, %s, %s, %s", s.st.ID, s.st.Role, s.st.Provider, tls, who, s.st.Opened.Format("15:04:05")))
}

func (t *Tracker) mailboxHolds(st Student, m *MailboxMatch) (string, bool) {
	domains := []string{st.Home}
	if m.Provider == OtherProvider {
		domains = nil
		for _, d := range t.domains {
			if !strings.EqualFold(d, st.Home) {
				domains = append(domains, d)
			}
		}
	}
	for _, d := range domains {
		n := t.count(d, st.Name, m.Name, m.Flag)
		if (m.Min == nil || n >= *m.Min) && (m.Max == nil || n <= *m.Max) {
			what := "messages"
			if m.Flag != "" {
				what = "messages flagged " + m.Flag
			}
			return fmt.Sprintf("mailbox %s at %s holds %d %s", m.Name, d, n, what), true
		}
	}
	return "", false
}

// sessionMatches checks one session against a session predicate and
// returns the lines that satisfied its steps.
func sessionMatches(st Student, s *session, m *SessionMatch) ([]line, bool) {
	if m.Protocol != "" && s.st.Protocol != m.Protocol {
		return nil, false
	}
	if len(m.Roles) > 0 && !slices.Contains(m.Roles, s.st.Role) {
		return nil, false
	}
	switch m.Provider {
	case HomeProvider:
		if !strings.EqualFold(s.st.Provider, st.Home) {
			return nil, false
		}
	case OtherProvider:
		if s.st.Provider == "" || strings.EqualFold(s.st.Provider, st.Home) {
			return nil, false
		}
	}
	switch m.TLS {
	case WithTLS:
		if !s.st.TLS {
			return nil, false
		}
	case WithoutTLS:
		if s.st.TLS {
			return nil, false
		}
	case StartTLS:
		if !s.st.TLS || s.implicit {
			return nil, false
		}
	case ImplicitTLS:
		if !s.implicit {
			return nil, false
		}
	}
	if m.Login != nil && *m.Login != (s.st.User != "") {
		return nil, false
	}
	for _, l := range s.lines {
		if l.dir == wire.ClientToServer && anyVerb(m.NotSent, l.command) {
			return nil, false
		}
	}
	var ev []line
	pos := 0
	for _, step := range m.Steps {
		got, next, ok := matchStep(s, step, pos)
		if !ok {
			return nil, false
		}
		ev = append(ev, got...)
		pos = next
	}
	return ev, true
}

func anyVerb(verbs []string, command string) bool {
	for _, v := range verbs {
		if strings.EqualFold(v, command) {
			return true
		}
	}
	return false
}

// matchStep finds step in s's lines from index pos on. It returns the
// lines that satisfied it and the index after them.
func matchStep(s *session, step Step, pos int) ([]line, int, bool) {
	wantReply := len(step.Reply) > 0 || len(step.ReplyHas) > 0
	if len(step.Sent) == 0 {
		for i := pos; i < len(s.lines); i++ {
			if l := s.lines[i]; l.dir == wire.ServerToClient && replyMatches(step, l) {
				return []line{l}, i + 1, true
			}
		}
		return nil, 0, false
	}
	for i := pos; i < len(s.lines); i++ {
		c := s.lines[i]
		if c.dir != wire.ClientToServer || !anyVerb(step.Sent, c.command) {
			continue
		}
		if step.SentHas != "" && !containsFold(c.text, step.SentHas) {
			continue
		}
		if !wantReply {
			return []line{c}, i + 1, true
		}
		for j := i + 1; j < len(s.lines); j++ {
			r := s.lines[j]
			if r.dir != wire.ServerToClient {
				continue
			}
			if r.command != c.command || (c.tag != "" && r.tag != c.tag && r.tag != "*" && r.tag != "+") {
				continue // a reply to another command
			}
			if replyMatches(step, r) {
				return []line{c, r}, j + 1, true
			}
		}
	}
	return nil, 0, false
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// replyMatches checks a server line against a step's reply conditions.
func replyMatches(step Step, l line) bool {
	text := l.text
	if l.tag != "" { // IMAP: what follows the tag
		if _, rest, ok := strings.Cut(text, " "); ok {
			text = rest
		}
	}
	if len(step.Reply) > 0 {
		ok := false
		for _, p := range step.Reply {
			if len(text) >= len(p) && strings.EqualFold(text[:len(p)], p) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(step.ReplyHas) > 0 {
		ok := false
		for _, h := range step.ReplyHas {
			if containsFold(l.text, h) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// Board is a copy of the scoreboard.
type Board struct {
	Students    []Student
	Exercises   []*Exercise
	Cells       [][]Cell // [student][exercise]
	Completions int      // done cells recorded so far
	Version     uint64   // grows with every change
}

// Board returns a copy of the scoreboard.
func (t *Tracker) Board() Board {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := Board{Students: t.students, Exercises: t.exs, Completions: t.completions, Version: t.version,
		Cells: make([][]Cell, len(t.cells))}
	for i, row := range t.cells {
		b.Cells[i] = append([]Cell(nil), row...)
	}
	return b
}

// Cell returns a student's standing on the exercise with id.
func (b Board) Cell(student, id string) (Cell, bool) {
	for i, st := range b.Students {
		for j, ex := range b.Exercises {
			if st.Name == student && ex.ID == id {
				return b.Cells[i][j], true
			}
		}
	}
	return Cell{}, false
}

// Version returns a number that grows with every change of the board, so
// a view redraws only when it moved.
func (t *Tracker) Version() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.version
}
