package transcripts

import (
	"encoding/base64"
	"fmt"
	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// Version is the newest transcript file format version this package
// writes and reads. Version 2 is version 1 with shared lists: a snapshot
// may say that a mailbox's messages (MailboxSnap.Same) or a device's local
// copy (Snapshot.SameLocal) are those of an earlier snapshot. A file that
// shares nothing is written as version 1, which every mailsim reads.
const Version = 2

// MaxFileSize is the largest transcript file Load reads. A 100,000-event
// lesson transcript is about 20 MiB.
const MaxFileSize = 256 << 20

// Transcript is a saved session: what the lesson was, who took part, every
// event the simulator emitted, and the state after each step. The file
// format is this struct (see docs/TRANSCRIPTS.md), but for its events,
// which codec.go writes in their file form; Save followed by Load gives
// back an equal Transcript.
//
// A loaded Transcript may share Text maps between events: treat it as
// immutable.
type Transcript struct {
	Version int       `yaml:"mailsim-transcript"`
	ID      string    `yaml:"id"`      // a random UUID
	Created time.Time `yaml:"created"` // when it was recorded
	// Start is the instant events count their offsets from (the first
	// event's time, to the millisecond).
	Start time.Time `yaml:"start"`
	// Live is set when a real user took part (the TUI sandbox, classroom
	// mode): Save then redacts passwords unless told to keep them.
	Live bool `yaml:"live"`
	// Deterministic: recorded under the simulator's fixed clock.
	Deterministic bool `yaml:"deterministic,omitempty"`
	// Redacted: secrets were replaced by "•••" when it was saved.
	Redacted bool        `yaml:"redacted,omitempty"`
	Language string      `yaml:"language,omitempty"` // the language it was shown in; "" = en
	Lesson   *LessonInfo `yaml:"lesson,omitempty"`   // nil for a live session without a lesson
	Servers  []Server    `yaml:"servers,omitempty"`
	Actors   []Actor     `yaml:"actors,omitempty"`
	Answers  []Answer    `yaml:"answers,omitempty"`

	// The bulk sections: one flow mapping per line in the file.
	Messages  []Message  `yaml:"messages,omitempty"`  // message contents, referenced by snapshots
	Snapshots []Snapshot `yaml:"snapshots,omitempty"` // the state at the start and after steps
	// Events are the simulator's events, as the session emitted them (to
	// the millisecond). An event's State is one of the transcript's own
	// (Transcript.State): in the file it is the number of its snapshot.
	// The file's events section is written and read by codec.go.
	Events []events.Event `yaml:"-"`

	// states are the snapshots as the simulator's states, built once
	// (State): the pointers the events hold.
	states []*events.State
}

// LessonInfo says which lesson was run.
type LessonInfo struct {
	ID        string    `yaml:"id"`
	Group     string    `yaml:"group,omitempty"`
	Title     i18n.Text `yaml:"title,omitempty"`
	Summary   i18n.Text `yaml:"summary,omitempty"`
	Languages []string  `yaml:"languages,omitempty"`
	Steps     int       `yaml:"steps"` // how many steps the lesson has
	// Covers lists the seed article's claims the lesson shows (claim IDs,
	// lessons.Claims); handouts print them as "what this shows".
	Covers []string `yaml:"covers,omitempty"`
}

// Server is a server the session talked to.
type Server struct {
	Role     string `yaml:"role"`     // "pop3", "imaps", "submission", ...
	Protocol string `yaml:"protocol"` // "pop3", "imap", "smtp"
	Host     string `yaml:"host"`     // the simulated name, "pop.example.com"
	Port     int    `yaml:"port"`     // the role's standard port
	TLS      bool   `yaml:"tls"`      // TLS from the first byte
}

// Actor is a device or agent that took part.
type Actor struct {
	Name     string    `yaml:"name"`
	Protocol string    `yaml:"protocol,omitempty"`
	Client   i18n.Text `yaml:"client,omitempty"`
	User     string    `yaml:"user,omitempty"` // user@domain
}

// Answer is a learner's answer to a quiz.
type Answer struct {
	At      int64 `yaml:"t"`      // ms from Start
	Step    int   `yaml:"step"`   // the quiz's step
	Choice  int   `yaml:"choice"` // 0-based index into the quiz's choices
	Correct bool  `yaml:"correct"`
}

// Message is a stored message's content, shared by every snapshot that
// holds it.
type Message struct {
	Date      time.Time `yaml:"date"`
	From      string    `yaml:"from,omitempty"`
	To        string    `yaml:"to,omitempty"`
	Subject   string    `yaml:"subject,omitempty"`
	MessageID string    `yaml:"message-id,omitempty"`
	Raw       Bytes     `yaml:"raw,omitempty"` // the RFC 5322 octets
}

// Snapshot is the simulated world at one moment.
type Snapshot struct {
	Step      int                  `yaml:"step"` // the step it ends; -1 = the start
	Providers []ProviderSnap       `yaml:"providers,omitempty"`
	Devices   []events.DeviceState `yaml:"devices,omitempty"` // stored as the simulator gives them
	// SameLocal names the devices whose local copy is the one they held
	// in an earlier snapshot (version 2): their Local is empty here.
	SameLocal []LocalRef `yaml:"same-local,omitempty"`
}

// LocalRef says that a device's local copy is as in snapshot Snapshot
// (1-based, earlier than the one that holds the LocalRef).
type LocalRef struct {
	Device   string `yaml:"device"`
	Snapshot int    `yaml:"snapshot"`
}

// ProviderSnap is one provider's store.
type ProviderSnap struct {
	Domain string     `yaml:"domain"`
	Taken  time.Time  `yaml:"taken"`
	Users  []UserSnap `yaml:"users,omitempty"`
	// Marked lists messages a POP3 session has marked for deletion, as
	// "user/UID".
	Marked []string `yaml:"marked,omitempty"`
}

// UserSnap is one user's mailboxes.
type UserSnap struct {
	Name      string        `yaml:"name"`
	Quota     int64         `yaml:"quota,omitempty"`
	Mailboxes []MailboxSnap `yaml:"mailboxes,omitempty"`
}

// MailboxSnap is one mailbox.
type MailboxSnap struct {
	Name        string       `yaml:"name"`
	SpecialUse  string       `yaml:"special-use,omitempty"`
	UIDValidity uint32       `yaml:"uidvalidity"`
	UIDNext     uint32       `yaml:"uidnext"`
	Messages    []MessageRef `yaml:"messages,omitempty"`
	// Same, when not 0, says the messages are those of this mailbox in
	// snapshot Same (1-based, an earlier one; version 2): Messages is then
	// empty. A long mailbox that a step leaves as it was is written once.
	Same int `yaml:"same,omitempty"`
}

// MessageRef is a message in a mailbox: its UID and flags, and its content
// in the transcript's Messages (1-based).
type MessageRef struct {
	UID   uint32   `yaml:"uid"`
	Msg   int      `yaml:"msg"`
	Flags []string `yaml:"flags,omitempty"`
}

// Bytes are octets. In the file they are a string when they are valid
// UTF-8 text, else `!!binary` base64.
type Bytes []byte

// UnmarshalYAML accepts `!!binary` base64 or a string (its UTF-8 octets).
func (b *Bytes) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a string or !!binary octets", n.Line)
	}
	if n.Tag == "!!binary" {
		d, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
		if err != nil {
			return fmt.Errorf("line %d: bad base64: %v", n.Line, err)
		}
		*b = d
		return nil
	}
	*b = Bytes(n.Value)
	return nil
}

// MarshalYAML writes binary octets as !!binary.
func (b Bytes) MarshalYAML() (any, error) {
	if textual(string(b)) {
		return string(b), nil
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!binary", Value: base64.StdEncoding.EncodeToString(b)}, nil
}

// Lang is the language to show the transcript in.
func (t *Transcript) Lang() string {
	if t.Language == "" {
		return i18n.Fallback
	}
	return t.Language
}

// Name is how the transcript is titled: the lesson's id, or "live session".
func (t *Transcript) Name() string {
	if t.Lesson == nil {
		return "live session"
	}
	return t.Lesson.ID
}

// Time is the instant of an offset in ms from Start.
func (t *Transcript) Time(at int64) time.Time {
	return t.Start.Add(time.Duration(at) * time.Millisecond)
}

var zones sync.Map // offset seconds -> *time.Location

// normTime gives times one representation, so that equal instants in
// equal zones compare equal with reflect.DeepEqual: the zone becomes a
// fixed offset, the monotonic reading goes.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	_, off := t.Zone()
	loc, ok := zones.Load(off)
	if !ok {
		loc, _ = zones.LoadOrStore(off, time.FixedZone("", off))
	}
	return t.In(loc.(*time.Location))
}

const timeLayout = "2006-01-02T15:04:05.999999999Z07:00"
