package transcripts

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// This file is the one codec between the simulator's events and the
// file: fileEvent is an event as a line of the events section says it,
// and encodeEvent and decodeEvent turn one into the other. Kinds, layers,
// unit kinds and directions become words; a unit's fields sit inline on
// its event; a state becomes the number of a snapshot (Snapshots[n-1]),
// which holds message contents by their number in Messages. In memory a
// Transcript holds events.Event only.
//
// What the file does not keep: times below the millisecond, and a unit's
// own Time and Conn (it gets its event's).

// fileEvent is one event as saved. Which fields are set depends on Kind,
// as for events.Event.
type fileEvent struct {
	At       int64  `yaml:"t"`    // ms from Start
	Kind     string `yaml:"kind"` // start, step, connect, wire, close, check, quiz, fail, state, end
	Step     int    `yaml:"step"` // -1 before the first step
	Actor    string `yaml:"actor,omitempty"`
	Conn     uint64 `yaml:"conn,omitempty"`
	Protocol string `yaml:"proto,omitempty"`
	Role     string `yaml:"role,omitempty"`
	Host     string `yaml:"host,omitempty"` // "pop.example.com:110"
	// Eavesdrop: the lesson shows this connection as an eavesdropper sees it.
	Eavesdrop bool `yaml:"eavesdrop,omitempty"`
	// Handshake: a TLS record of the handshake.
	Handshake bool `yaml:"handshake,omitempty"`
	// TLSKeys: the session's TLS secrets (NSS key log lines), on the first
	// wire event after a client's handshake; see KeyLog.
	TLSKeys []string `yaml:"tls-keys,omitempty"`

	// wire: the unit
	Dir   string `yaml:"dir,omitempty"`   // C or S
	Layer string `yaml:"layer,omitempty"` // "" (plain), inner, cipher
	Unit  string `yaml:"unit,omitempty"`  // "" (line), block, record
	Seq   int    `yaml:"seq,omitempty"`   // order within the connection
	Text  string `yaml:"text,omitempty"`  // the printable form
	// Raw is the exact octets when they are not Text plus CRLF (a line) or
	// Text with LF turned into CRLF (a block); nil otherwise.
	Raw Bytes `yaml:"raw,omitempty"`
	Len int   `yaml:"len,omitempty"` // octets on the wire (more than len(raw) when cut short)
	// Lines is set only when it differs from the usual count: 1 for a
	// line, the lines of Text for a block, 0 for a record.
	Lines   int    `yaml:"lines,omitempty"`
	Command string `yaml:"cmd,omitempty"`
	Tag     string `yaml:"tag,omitempty"`
	Cut     bool   `yaml:"cut,omitempty"`

	Title i18n.Text         `yaml:"title,omitempty"` // step: the marker's title
	Say   i18n.Text         `yaml:"say,omitempty"`   // step: narrative
	Note  i18n.Text         `yaml:"note,omitempty"`  // wire: the lesson's annotation
	Gloss *lessons.Entry    `yaml:"gloss,omitempty"` // wire: the glossary's annotation
	What  i18n.Text         `yaml:"what,omitempty"`  // close, check, fail, end: what happened (events.Event.Text)
	OK    bool              `yaml:"ok,omitempty"`    // check, end
	Quiz  *lessons.QuizSpec `yaml:"quiz,omitempty"`
	// Snapshot is the state (start, state): Snapshots[Snapshot-1]; 0 = none.
	Snapshot int             `yaml:"snapshot,omitempty"`
	Delta    []events.Change `yaml:"delta,omitempty"` // state: what changed, stored as the simulator gives it
	// Redacted says what a redacted unit held ("a password, 10 characters"): wire.Unit.Redacted.
	Redacted i18n.Text `yaml:"redacted,omitempty"`
	// By is "student" for what the learner did themselves (events.Event.ByStudent).
	By string `yaml:"by,omitempty"`
}

// byStudent is fileEvent.By of an event the learner caused.
const byStudent = "student"

var eventKinds = map[string]events.EventKind{}

func init() {
	for k := events.EventStart; k <= events.EventEnd; k++ {
		eventKinds[k.String()] = k
	}
}

var layerNames = map[wire.Layer]string{wire.Inner: "inner", wire.Cipher: "cipher"}
var unitKindNames = map[wire.Kind]string{wire.Block: "block", wire.Record: "record"}

// encodeEvent gives e as a line of the file says it: at is its time in ms
// from the transcript's Start, snap the number of its state's snapshot.
// Raw octets are copied when they are kept.
func encodeEvent(e *events.Event, at int64, snap int) fileEvent {
	fe := fileEvent{At: at, Kind: e.Kind.String(), Step: e.Step, Actor: e.Actor, Conn: e.Conn, Protocol: string(e.Protocol),
		Role: string(e.Role), Host: e.Host, Eavesdrop: e.Eavesdrop, Handshake: e.Handshake, TLSKeys: e.TLSKeys,
		Title: e.Title, Say: e.Say, Note: e.Note, Gloss: e.Gloss, What: e.Text, OK: e.OK, Quiz: e.Quiz,
		Snapshot: snap, Delta: e.Delta}
	if e.ByStudent {
		fe.By = byStudent
	}
	if u := e.Unit; u != nil {
		fe.Dir, fe.Layer, fe.Unit = u.Dir.String(), layerNames[u.Layer], unitKindNames[u.Kind]
		fe.Seq, fe.Text, fe.Len, fe.Command, fe.Tag, fe.Cut, fe.Redacted = u.Seq, u.Text, u.Len, u.Command, u.Tag, u.Cut, u.Redacted
		if u.Raw != nil && string(deriveRaw(u.Text, fe.Unit)) != string(u.Raw) {
			fe.Raw = Bytes(append([]byte{}, u.Raw...))
		}
		if u.Lines != usualLines(u.Text, fe.Unit) {
			fe.Lines = u.Lines
		}
	}
	return fe
}

// decodeEvent gives the event a line of the file says. fe has been
// validated (its kind, words and snapshot are known), and t's states
// built.
func (t *Transcript) decodeEvent(fe *fileEvent) events.Event {
	e := events.Event{Kind: eventKinds[fe.Kind], Step: fe.Step, Time: t.Time(fe.At), Actor: fe.Actor, Conn: fe.Conn,
		Protocol: wire.Protocol(fe.Protocol), Role: roles.Role(fe.Role), Host: fe.Host, Eavesdrop: fe.Eavesdrop,
		Handshake: fe.Handshake, TLSKeys: fe.TLSKeys, Title: fe.Title, Say: fe.Say, Note: fe.Note, Gloss: fe.Gloss,
		Text: fe.What, OK: fe.OK, Quiz: fe.Quiz, State: t.State(fe.Snapshot), Delta: fe.Delta, ByStudent: fe.By == byStudent}
	if e.Kind == events.EventWire {
		u := &wire.Unit{Conn: fe.Conn, Seq: fe.Seq, Time: e.Time, Text: fe.Text, Raw: fe.Raw, Len: fe.Len, Lines: fe.Lines,
			Command: fe.Command, Tag: fe.Tag, Cut: fe.Cut, Redacted: fe.Redacted}
		if fe.Raw == nil {
			u.Raw = deriveRaw(fe.Text, fe.Unit)
		}
		if fe.Lines == 0 {
			u.Lines = usualLines(fe.Text, fe.Unit)
		}
		if fe.Dir == "S" {
			u.Dir = wire.ServerToClient
		}
		for l, name := range layerNames {
			if fe.Layer == name {
				u.Layer = l
			}
		}
		for k, name := range unitKindNames {
			if fe.Unit == name {
				u.Kind = k
			}
		}
		e.Unit = u
	}
	return e
}

// deriveRaw is a unit's octets as its text gives them: a line's text and
// CRLF, a block's text with LF turned into CRLF; nil for a record.
func deriveRaw(text, unit string) []byte {
	switch unit {
	case "":
		return []byte(text + "\r\n")
	case "block":
		return []byte(strings.ReplaceAll(text, "\n", "\r\n"))
	}
	return nil
}

// usualLines is a unit's usual line count (wire.Unit.Lines): 1 for a
// line, the lines of a block's text, 0 for a record.
func usualLines(text, unit string) int {
	switch unit {
	case "":
		return 1
	case "block":
		n := strings.Count(text, "\n")
		if text != "" && !strings.HasSuffix(text, "\n") {
			n++
		}
		return n
	}
	return 0
}

// fileEvents gives t's events as the file says them.
func (t *Transcript) fileEvents() ([]fileEvent, error) {
	snapOf := make(map[*events.State]int, len(t.states))
	for i, st := range t.states {
		snapOf[st] = i + 1
	}
	out := make([]fileEvent, len(t.Events))
	for i := range t.Events {
		e := &t.Events[i]
		snap := 0
		if e.State != nil {
			if snap = snapOf[e.State]; snap == 0 {
				return nil, fmt.Errorf("event %d (%s): its state is none of the transcript's snapshots (take it from Transcript.State)", i, e.Kind)
			}
		}
		at := int64(0)
		if !e.Time.IsZero() {
			at = e.Time.Sub(t.Start).Milliseconds()
		}
		out[i] = encodeEvent(e, at, snap)
	}
	return out, nil
}

// State is snapshot n (1-based; 0 = none) as the simulator's state: the
// very *events.State the events that show it hold.
func (t *Transcript) State(n int) *events.State {
	if n < 1 || n > len(t.Snapshots) {
		return nil
	}
	for len(t.states) < len(t.Snapshots) {
		t.states = append(t.states, t.state(len(t.states)))
	}
	return t.states[n-1]
}

// Final is the state at the end: the last snapshot's.
func (t *Transcript) Final() *events.State { return t.State(len(t.Snapshots)) }

// state builds the simulator's state of snapshot i (from 0) once the
// states before it are built: a list it shares with an earlier snapshot
// is that snapshot's state's own slice.
func (t *Transcript) state(i int) *events.State {
	sn := &t.Snapshots[i]
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
				if mb.Same > 0 {
					ms.Messages = t.sharedMessages(mb.Same, p.Domain, u.Name, mb.Name)
				}
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
	if len(sn.SameLocal) > 0 {
		st.Devices = slices.Clone(sn.Devices)
		for _, ref := range sn.SameLocal {
			d, ok := st.Device(ref.Device)
			if ok && ref.Snapshot >= 1 && ref.Snapshot <= len(t.states) {
				if was, ok := t.states[ref.Snapshot-1].Device(ref.Device); ok {
					d.Local = was.Local
				}
			}
		}
	}
	return st
}

// sharedMessages are the messages of a mailbox in snapshot k's state
// (built already).
func (t *Transcript) sharedMessages(k int, domain, user, name string) []*mailstore.Message {
	if k < 1 || k > len(t.states) {
		return nil
	}
	p, ok := t.states[k-1].Provider(domain)
	if !ok {
		return nil
	}
	mb, ok := p.Snapshot.Mailbox(user, name)
	if !ok {
		return nil
	}
	return mb.Messages
}

// shares reports whether t has a snapshot that shares a list with an
// earlier one: the file is then version 2.
func (t *Transcript) shares() bool {
	for i := range t.Snapshots {
		sn := &t.Snapshots[i]
		if len(sn.SameLocal) > 0 {
			return true
		}
		for _, p := range sn.Providers {
			for _, u := range p.Users {
				for _, mb := range u.Mailboxes {
					if mb.Same != 0 {
						return true
					}
				}
			}
		}
	}
	return false
}

// fileVersion is the version t's file is written as: 1 unless it shares
// lists between snapshots.
func (t *Transcript) fileVersion() int {
	if t.shares() {
		return 2
	}
	return 1
}

// validate checks what the file refers to: snapshots, messages, actors,
// mailboxes, and the words of each event.
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
					if err := rd.validateSame(at, i, p.Domain, u.Name, &mb); err != nil {
						return err
					}
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
				if !t.hasMessage(p, user, uid) {
					return rd.errf(at, "snapshots: %s marks %q for deletion, but there is no such mailbox or message", p.Domain, k)
				}
			}
		}
		for _, d := range sn.Devices {
			if !actors[d.Name] {
				return rd.errf(at, "snapshots: device %q is not one of the actors (%s)", d.Name, known)
			}
		}
		for _, ref := range sn.SameLocal {
			if t.Version < 2 {
				return rd.errf(at, "snapshots: same-local needs `mailsim-transcript: 2` (this file says %d)", t.Version)
			}
			if ref.Snapshot < 1 || ref.Snapshot > i {
				return rd.errf(at, "snapshots: same-local: device %q: snapshot %d: want an earlier snapshot (1 to %d)", ref.Device, ref.Snapshot, i)
			}
			if d, ok := findDevice(sn.Devices, ref.Device); !ok || len(d.Local) > 0 {
				return rd.errf(at, "snapshots: same-local: device %q: want it among this snapshot's devices, with no local messages of its own", ref.Device)
			}
			if _, ok := findDevice(t.Snapshots[ref.Snapshot-1].Devices, ref.Device); !ok {
				return rd.errf(at, "snapshots: same-local: device %q is not in snapshot %d", ref.Device, ref.Snapshot)
			}
		}
	}
	prevSnap := 0
	for i := range rd.events {
		e := &rd.events[i]
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
		if e.By != "" && e.By != byStudent {
			return rd.errf(at, "events: by %q: want %s (or none: the lesson's own)", e.By, byStudent)
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

// decode turns the validated file events into t.Events.
func (rd *reader) decode() {
	t := rd.t
	t.State(len(t.Snapshots)) // every state, so that equal files give equal Transcripts
	t.Events = nil
	if len(rd.events) > 0 {
		t.Events = make([]events.Event, len(rd.events))
	}
	for i := range rd.events {
		t.Events[i] = t.decodeEvent(&rd.events[i])
	}
}

// validateSame checks a mailbox's same: (in snapshot i, from 0).
func (rd *reader) validateSame(at, i int, domain, user string, mb *MailboxSnap) error {
	if mb.Same == 0 {
		return nil
	}
	where := fmt.Sprintf("%s %s/%s", domain, user, mb.Name)
	switch {
	case rd.t.Version < 2:
		return rd.errf(at, "snapshots: %s: same needs `mailsim-transcript: 2` (this file says %d)", where, rd.t.Version)
	case mb.Same < 1 || mb.Same > i:
		return rd.errf(at, "snapshots: %s: same: %d: want an earlier snapshot (1 to %d)", where, mb.Same, i)
	case len(mb.Messages) > 0:
		return rd.errf(at, "snapshots: %s has both messages and same: %d (want one of them)", where, mb.Same)
	case !hasMailbox(rd.t, mb.Same, where):
		return rd.errf(at, "snapshots: %s: same: %d, but snapshot %d has no such mailbox", where, mb.Same, mb.Same)
	}
	return nil
}

// messageRefs are a mailbox's messages, from the snapshot that holds them
// when it shares them (the file has been checked up to it).
func (t *Transcript) messageRefs(domain, user string, mb *MailboxSnap) []MessageRef {
	for mb.Same > 0 && mb.Same <= len(t.Snapshots) {
		next, ok := findMailbox(&t.Snapshots[mb.Same-1], domain, user, mb.Name)
		if !ok || next.Same >= mb.Same {
			return nil
		}
		mb = next
	}
	return mb.Messages
}

func findMailbox(sn *Snapshot, domain, user, name string) (*MailboxSnap, bool) {
	for _, p := range sn.Providers {
		if p.Domain != domain {
			continue
		}
		for _, u := range p.Users {
			if u.Name != user {
				continue
			}
			for i := range u.Mailboxes {
				if u.Mailboxes[i].Name == name {
					return &u.Mailboxes[i], true
				}
			}
		}
	}
	return nil, false
}

func findDevice(devs []events.DeviceState, name string) (*events.DeviceState, bool) {
	for i := range devs {
		if devs[i].Name == name {
			return &devs[i], true
		}
	}
	return nil, false
}

func (t *Transcript) hasMessage(p ProviderSnap, user, uid string) bool {
	n, err := strconv.ParseUint(uid, 10, 32)
	if err != nil {
		return false
	}
	for _, u := range p.Users {
		if !strings.EqualFold(u.Name, user) {
			continue
		}
		for i := range u.Mailboxes {
			for _, m := range t.messageRefs(p.Domain, u.Name, &u.Mailboxes[i]) {
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
