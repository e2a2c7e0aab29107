package transcripts

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// This file turns a saved transcript back into the simulator's events, so
// the printers and screens that show a live session show a saved one.
// What does not come back: a unit's own Time (it gets its event's), and
// times below the millisecond.

var eventKinds = map[string]events.EventKind{}

func init() {
	for k := events.EventStart; k <= events.EventEnd; k++ {
		eventKinds[k.String()] = k
	}
}

// States converts snapshots to the simulator's states, each once.
type States struct {
	t     *Transcript
	cache []*events.State
}

// NewStates returns a converter for t's snapshots.
func NewStates(t *Transcript) *States {
	return &States{t: t, cache: make([]*events.State, len(t.Snapshots))}
}

// Get returns snapshot n (1-based, as Event.Snapshot counts); nil for 0.
func (s *States) Get(n int) *events.State {
	if n < 1 || n > len(s.cache) {
		return nil
	}
	if st := s.cache[n-1]; st != nil {
		return st
	}
	st := s.t.state(&s.t.Snapshots[n-1])
	s.cache[n-1] = st
	return st
}

func (t *Transcript) state(sn *Snapshot) *events.State {
	st := &events.State{}
	for _, p := range sn.Providers {
		ps := events.ProviderState{Domain: p.Domain, Snapshot: &mailstore.Snapshot{Taken: p.Taken}, Marked: map[string]bool{}}
		for _, k := range p.Marked {
			ps.Marked[k] = true
		}
		for _, u := range p.Users {
			us := mailstore.UserSnapshot{Name: u.Name, Quota: u.Quota}
			for _, mb := range u.Mailboxes {
				ms := mailstore.MailboxSnapshot{Name: mb.Name, SpecialUse: mb.SpecialUse, UIDValidity: mb.UIDValidity, UIDNext: mb.UIDNext}
				if len(mb.Messages) > 0 {
					ms.Messages = make([]*mailstore.Message, 0, len(mb.Messages))
				}
				for _, ref := range mb.Messages {
					m := &mailstore.Message{UID: ref.UID, Flags: ref.Flags}
					if ref.Msg >= 1 && ref.Msg <= len(t.Messages) {
						c := &t.Messages[ref.Msg-1]
						m.InternalDate, m.Raw, m.From, m.To, m.Subject, m.MessageID = c.Date, c.Raw, c.From, c.To, c.Subject, c.MessageID
					}
					ms.Messages = append(ms.Messages, m)
				}
				us.Mailboxes = append(us.Mailboxes, ms)
			}
			ps.Snapshot.Users = append(ps.Snapshot.Users, us)
		}
		st.Providers = append(st.Providers, ps)
	}
	st.Devices = sn.Devices // stored as the simulator gave them; states are immutable
	return st
}

// SimEvent converts event i.
func (s *States) SimEvent(i int) events.Event {
	t := s.t
	e := &t.Events[i]
	out := events.Event{Kind: eventKinds[e.Kind], Step: e.Step, Time: t.Time(e.At), Actor: e.Actor, Conn: e.Conn,
		Protocol: wire.Protocol(e.Protocol), Role: roles.Role(e.Role), Host: e.Host, Eavesdrop: e.Eavesdrop, Handshake: e.Handshake,
		Title: e.Title, Say: e.Say, Note: e.Note, Text: e.What, OK: e.OK, State: s.Get(e.Snapshot), TLSKeys: e.TLSKeys}
	if e.Kind == "wire" {
		u := &wire.Unit{Conn: e.Conn, Seq: e.Seq, Time: out.Time, Text: e.Text, Raw: e.RawBytes(), Len: e.Len,
			Lines: e.UnitLines(), Command: e.Command, Tag: e.Tag, Cut: e.Cut}
		if e.Dir == "S" {
			u.Dir = wire.ServerToClient
		}
		switch e.Layer {
		case "inner":
			u.Layer = wire.Inner
		case "cipher":
			u.Layer = wire.Cipher
		}
		switch e.Unit {
		case "block":
			u.Kind = wire.Block
		case "record":
			u.Kind = wire.Record
		}
		out.Unit = u
	}
	out.Gloss = e.Gloss
	if e.Redacted != "" {
		switch {
		case len(e.Note) > 0:
			out.Note = appendText(e.Note, " ["+e.Redacted+"]")
		case out.Gloss == nil:
			out.Note = i18n.Text{i18n.Fallback: e.Redacted}
		}
	}
	out.Quiz, out.Delta = e.Quiz, e.Delta // stored as the simulator gave them
	return out
}

func appendText(t i18n.Text, s string) i18n.Text {
	out := i18n.Text{}
	for k, v := range t {
		out[k] = v + s
	}
	return out
}

// SimEvents converts every event.
func (t *Transcript) SimEvents() []events.Event {
	s := NewStates(t)
	out := make([]events.Event, len(t.Events))
	for i := range t.Events {
		out[i] = s.SimEvent(i)
	}
	return out
}

// Final is the state at the end: the last snapshot.
func (t *Transcript) Final() *events.State {
	if len(t.Snapshots) == 0 {
		return nil
	}
	return t.state(&t.Snapshots[len(t.Snapshots)-1])
}

// Replay prints a transcript as `mailsim run --plain` printed the session.
// o.Lang "" means the transcript's language.
func Replay(w io.Writer, t *Transcript, o PlainOptions) error {
	p := NewPlain(w, t.Heading(), o)
	s := NewStates(t)
	for i := range t.Events {
		p.Event(s.SimEvent(i))
	}
	p.Final(s.Get(len(t.Snapshots)))
	return p.Err()
}

// validate checks what the file refers to: snapshots, messages, actors,
// mailboxes.
func (rd *reader) validate() error {
	t := rd.t
	lineOf := func(lines []int, i int, key string) int {
		if i < len(lines) {
			return lines[i]
		}
		return rd.keyLine(key)
	}
	if t.ID == "" {
		return rd.errf(rd.keyLine("mailsim-transcript"), "the transcript has no id")
	}
	const maxSteps = 1 << 16
	if t.Lesson != nil && (t.Lesson.Steps < 0 || t.Lesson.Steps > maxSteps) {
		return rd.errf(rd.keyLine("lesson"), "lesson: steps: %d: want 0 to %d", t.Lesson.Steps, maxSteps)
	}
	actors := map[string]bool{}
	var names []string
	for _, a := range t.Actors {
		actors[a.Name] = true
		names = append(names, a.Name)
	}
	known := strings.Join(names, ", ")
	if known == "" {
		known = "none"
	}
	for i := range t.Snapshots {
		sn := &t.Snapshots[i]
		at := lineOf(rd.snapLines, i, "snapshots")
		for _, p := range sn.Providers {
			for _, u := range p.Users {
				for _, mb := range u.Mailboxes {
					for _, ref := range mb.Messages {
						if ref.Msg < 1 || ref.Msg > len(t.Messages) {
							return rd.errf(at, "snapshots: %s %s/%s UID %d refers to message %d, but the file holds %d messages",
								p.Domain, u.Name, mb.Name, ref.UID, ref.Msg, len(t.Messages))
						}
					}
				}
			}
			for _, k := range p.Marked {
				user, uid, _ := strings.Cut(k, "/")
				if !hasMessage(p, user, uid) {
					return rd.errf(at, "snapshots: %s marks %q for deletion, but there is no such mailbox or message", p.Domain, k)
				}
			}
		}
		for _, d := range sn.Devices {
			if !actors[d.Name] {
				return rd.errf(at, "snapshots: device %q is not one of the actors (%s)", d.Name, known)
			}
		}
	}
	prevSnap := 0
	for i := range t.Events {
		e := &t.Events[i]
		at := lineOf(rd.eventLines, i, "events")
		k, ok := eventKinds[e.Kind]
		if !ok {
			return rd.errf(at, "events: unknown kind %q (known: start, step, connect, wire, close, check, quiz, fail, state, end)", e.Kind)
		}
		switch {
		case e.Step < -1:
			return rd.errf(at, "events: step %d: want -1 (before the first step) or more", e.Step)
		case t.Lesson != nil && e.Step >= t.Lesson.Steps:
			return rd.errf(at, "events: step %d: the lesson has steps 0 to %d", e.Step, t.Lesson.Steps-1)
		case e.Step > maxSteps:
			return rd.errf(at, "events: step %d: want at most %d", e.Step, maxSteps)
		}
		if e.Actor != "" && !actors[e.Actor] {
			return rd.errf(at, "events: actor %q is not one of the actors (%s)", e.Actor, known)
		}
		if e.Snapshot < 0 || e.Snapshot > len(t.Snapshots) {
			return rd.errf(at, "events: snapshot %d does not exist (the file holds %d)", e.Snapshot, len(t.Snapshots))
		}
		if k == events.EventWire {
			if e.Dir != "C" && e.Dir != "S" {
				return rd.errf(at, "events: dir %q: want C (client to server) or S", e.Dir)
			}
			if e.Layer != "" && e.Layer != "inner" && e.Layer != "cipher" {
				return rd.errf(at, "events: layer %q: want inner or cipher (or none: plain)", e.Layer)
			}
			if e.Unit != "" && e.Unit != "block" && e.Unit != "record" {
				return rd.errf(at, "events: unit %q: want block or record (or none: a line)", e.Unit)
			}
		}
		if e.Role != "" {
			if _, err := roles.Parse(e.Role); err != nil {
				return rd.errf(at, "events: %v", err)
			}
		}
		for _, c := range e.Delta {
			if dev, ok := strings.CutPrefix(c.Where, "device "); ok {
				if !actors[dev] {
					return rd.errf(at, "events: a change on device %q, which is not one of the actors (%s)", dev, known)
				}
				continue
			}
			if !hasMailbox(t, e.Snapshot, c.Where) && !hasMailbox(t, prevSnap, c.Where) {
				return rd.errf(at, "events: a change in %q, a mailbox no snapshot holds", c.Where)
			}
		}
		if e.Snapshot > 0 {
			prevSnap = e.Snapshot
		}
	}
	for _, a := range t.Answers {
		if a.Choice < 0 {
			return rd.errf(rd.keyLine("answers"), "answers: choice %d: want 0 or more", a.Choice)
		}
	}
	return nil
}

func hasMessage(p ProviderSnap, user, uid string) bool {
	n, err := strconv.ParseUint(uid, 10, 32)
	if err != nil {
		return false
	}
	for _, u := range p.Users {
		if !strings.EqualFold(u.Name, user) {
			continue
		}
		for _, mb := range u.Mailboxes {
			for _, m := range mb.Messages {
				if m.UID == uint32(n) {
					return true
				}
			}
		}
	}
	return false
}

// hasMailbox reports whether snapshot n holds the mailbox "domain user/name".
func hasMailbox(t *Transcript, n int, where string) bool {
	if n < 1 || n > len(t.Snapshots) {
		return false
	}
	for _, p := range t.Snapshots[n-1].Providers {
		for _, u := range p.Users {
			for _, mb := range u.Mailboxes {
				if fmt.Sprintf("%s %s/%s", p.Domain, u.Name, mb.Name) == where {
					return true
				}
			}
		}
	}
	return false
}
