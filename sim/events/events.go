package events

import (
	"time"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of event, in the order a step usually produces them.
const (
	EventStart   EventKind = iota // the lesson starts: State holds the initial state
	EventStep                     // a step begins: Title and Say
	EventConnect                  // an actor opened a connection: Role, Host
	EventWire                     // a protocol unit crossed a connection
	EventClose                    // an actor's connection ended (Text says how)
	EventCheck                    // a check step's result: OK, Text
	EventQuiz                     // a quiz: Quiz
	EventFail                     // a step's expectation failed: Text
	EventState                    // a step ended: State holds the state after it
	EventEnd                      // the lesson is over
)

var eventKindNames = [...]string{"start", "step", "connect", "wire", "close", "check", "quiz", "fail", "state", "end"}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "unknown"
}

// Event is one entry of the simulator's stream.
type Event struct {
	Kind  EventKind
	Step  int // index into the lesson's steps; -1 before the first step
	Time  time.Time
	Actor string // who acts ("laptop"); "" for the lesson itself

	// EventConnect, EventWire, EventClose
	Conn     uint64
	Protocol wire.Protocol
	Role     roles.Role
	Host     string // "pop.example.com:110": the simulated name, not the loopback address
	Unit     *wire.Unit
	// Eavesdrop marks every event of a connection the lesson shows as an
	// eavesdropper on the path sees it (connect step `eavesdrop: true`):
	// views print its Cipher-layer records beside the lines inside them.
	Eavesdrop bool
	// Handshake marks a Cipher-layer record read or written during the TLS
	// handshake (its size depends on signatures, so it varies run to run).
	Handshake bool
	// TLSKeys, on the first wire event after a client's TLS handshake,
	// are that session's secrets as NSS key log lines (SSLKEYLOGFILE), so
	// that an exported capture can be decrypted by Wireshark.
	TLSKeys []string

	// Annotations and texts, in every language the lesson has.
	Title i18n.Text      // EventStep: the step marker's title
	Say   i18n.Text      // EventStep: narrative
	Note  i18n.Text      // EventWire: the lesson's own annotation of this line
	Gloss *lessons.Entry // EventWire: the glossary entry, when one matches
	Text  i18n.Text      // EventCheck, EventFail, EventClose: what happened

	OK    bool              // EventCheck: passed
	Quiz  *lessons.QuizSpec // EventQuiz
	State *State            // EventStart, EventState
	Delta []Change          // EventState: what changed since the previous state

	// ByStudent marks an event the learner caused, not the lesson: a line
	// typed in the TUI's sandbox, its replies and the state after it.
	// When a saved transcript has such events, redaction applies to them
	// only (the lesson's own login is part of what it teaches).
	ByStudent bool
}

// ShownNote is the annotation to show beside a wire event: the lesson's
// Note, and for a redacted unit what it held ("a password, 10
// characters"), appended in brackets, or on its own when the event has
// neither a note nor a glossary entry to show.
func (e *Event) ShownNote() i18n.Text {
	what := i18n.Text(nil)
	if e.Unit != nil {
		what = e.Unit.Redacted
	}
	switch {
	case what.IsZero():
		return e.Note
	case !e.Note.IsZero():
		out := make(i18n.Text, len(i18n.WordLanguages))
		for _, lang := range i18n.WordLanguages {
			out[lang] = e.Note.In(lang) + " [" + what.In(lang) + "]"
		}
		return out
	case e.Gloss == nil:
		return what
	}
	return e.Note
}
