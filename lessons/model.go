// Package lessons holds mailsim's lessons: the lesson file format
// (versioned YAML, `mailsim-lesson: 1`), its loader and validator, the
// built-in lesson files, the seed article's claims, and the glossary that
// explains every protocol line a lesson does not annotate itself.
//
// It imports sim/mailstore (for the seed's shape), sim/roles (the server
// roles a provider runs and an actor connects to), sim/wire and
// sim/wire/protoline (protocol names; what a line carries, for glosses),
// internal/i18n (texts) and nothing that runs servers or taps
// connections (internal/layers tests that it links no simulated network).
package lessons

import (
	"strconv"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/sim/mailstore"
)

// Version is the lesson file format version this package reads.
const Version = 1

// Lesson is one scripted lesson.
type Lesson struct {
	ID      string    // e.g. "pop3-basics"
	Group   string    // "pop3", "imap", "smtp", "compare", "setup", "history"
	Title   i18n.Text // one line
	Summary i18n.Text // one line for the picker
	Covers  []string  // claim IDs: the union of the steps' covers
	Seed    Seed      // the server state the lesson starts from
	// Providers narrows what a provider offers, by domain; a provider the
	// map does not name runs every server role.
	Providers map[string]ProviderSpec
	Actors    []Actor
	Steps     []Step

	File string // where it was loaded from ("builtin/pop3-basics.yaml" for built-ins)
	Dir  string // directory that seed files are relative to (empty for built-ins: Files is used)

	idLine, idCol int // where the id is written, for errors across files
}

// Languages lists the languages every text of the lesson is written in,
// "en" first.
func (l *Lesson) Languages() []string { return l.Title.Languages() }

// Actor returns the actor with the given name.
func (l *Lesson) Actor(name string) (*Actor, bool) {
	for i := range l.Actors {
		if l.Actors[i].Name == name {
			return &l.Actors[i], true
		}
	}
	return nil, false
}

// Seed is the starting state of the simulated providers. Domain names the
// provider a user belongs to ("example.com" when empty).
type Seed struct {
	Users []SeedUser
}

// SeedUser is a mailstore.SeedUser with the provider it lives at.
type SeedUser struct {
	Domain string // "example.com" or "example.org"; empty = "example.com"
	mailstore.SeedUser
}

// DefaultDomain is the provider of users and actors that name none.
const DefaultDomain = "example.com"

// Domains are the simulated providers a lesson can use.
var Domains = []string{"example.com", "example.org"}

// ProviderSpec is what one provider offers, written in the file as
//
//	providers:
//	  example.org: {roles: [pop3, pop3s, submission, smtps, mx]}
//
// A connect to a role the provider does not run is refused; a connect step
// can expect that with `expect: refused`.
type ProviderSpec struct {
	Roles []string // the server roles it runs (roles.Role names)
}

// ExpectRefused is the Expect of a connect step that must be refused.
const ExpectRefused = "refused"

// Actor is a device (or server agent) that takes part in a lesson.
type Actor struct {
	Name     string    // "laptop"
	Protocol string    // default protocol: "pop3", "imap" or "smtp"
	Client   i18n.Text // what it is, "Thunderbird on a laptop"
	User     string    // the account it logs in as ("alice@example.org" in the file is split into User and Domain)
	Domain   string    // the user's provider; empty = DefaultDomain
	Password string    // filled from the seed user's when the file gives none
	// Device names another actor whose local mail this one fills: several
	// accounts in one mail app (a second POP3 account, or the SMTP side
	// that keeps sent mail) share that device's local folders. Empty: the
	// actor is a device of its own.
	Device string
}

// StepKind names what a step does.
type StepKind string

// The step kinds. A step is written as a YAML mapping whose action key
// names its kind (`send: STAT`); a step with only `say` is a Say step.
// New kinds may be added in later format versions without changing
// existing files.
const (
	Say        StepKind = "say"        // narrative only
	Connect    StepKind = "connect"    // an actor opens a connection and reads the greeting
	Send       StepKind = "send"       // an actor sends one command line and reads the whole reply
	Data       StepKind = "data"       // an actor sends a message body (SMTP DATA content, dot-stuffed, ended with ".")
	Disconnect StepKind = "disconnect" // an actor ends politely (POP3/SMTP QUIT, IMAP LOGOUT) and closes
	Drop       StepKind = "drop"       // the connection is lost without QUIT
	Check      StepKind = "check"      // an assertion on server or device state, shown as "what changed"
	Quiz       StepKind = "quiz"       // the learner predicts the next reply (multiple choice)
	Deliver    StepKind = "deliver"    // a message arrives in a mailbox from outside
	Wait       StepKind = "wait"       // an actor waits for an untagged update (IMAP IDLE)
	Pause      StepKind = "pause"      // a pause in autoplay (narrative emphasis)
	Server     StepKind = "server"     // a provider's server goes down (its port refuses connections) or comes back up
	Device     StepKind = "device"     // something happens on a device, off the network (DeviceActions)
)

// MaxEach bounds how many times a send step's Each repeats its command.
const MaxEach = 20000

// EachRange is the first and last number of a step's Each, "2-9999"; ok
// is false when it is not such a range within 1..MaxEach.
func EachRange(each string) (first, last int, ok bool) {
	a, b, found := strings.Cut(each, "-")
	if !found {
		return 0, 0, false
	}
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || first < 1 || last < first || last > MaxEach {
		return 0, 0, false
	}
	return first, last, true
}

// ExpectFail is the Expect of a device step that must fail: reading a
// message offline that the device never downloaded, or a scan that finds
// something dangerous.
const ExpectFail = "fail"

// ServerStates are the states a server step can put a server in.
var ServerStates = []string{"down", "up"}

// DeviceActions are what a device step can do, off the network:
//
//	read-offline  open a message (by subject) from the device's local copy,
//	              with no connection; fails when only its summary is there
//	corrupt       the device's local mail folder is damaged: its mail is lost
//	export        show the local folders as the files on its disk (mbox)
//	show          list the local folders: each message, and where it came from
//	scan          check a message's attachments before opening it (by
//	              subject); fails when one is a program in disguise
//	move          copy the local mbox files to another device (to:), as a
//	              person moving to a new computer or mail app does: the
//	              messages arrive, the old app's index and accounts do not
var DeviceActions = []string{"read-offline", "corrupt", "export", "show", "scan", "move"}

// Step is one step of a lesson. Which fields matter depends on Kind.
type Step struct {
	Kind  StepKind
	Line  int       // line in the lesson file, for run-time errors (file:line)
	Title i18n.Text // optional step marker title
	Say   i18n.Text // narrative shown with the step (any kind may have it)

	Actor string // connect/send/data/disconnect/drop/wait: who acts; always set after loading (defaults to the previous step's actor)
	To    string // connect: the server role ("pop3", "pop3s", "imap", "imaps", "submission", "smtps", "mx"); set from the actor's protocol when the file gives none
	Host  string // connect: host name to show; default "<role>.<domain>"
	// Eavesdrop (connect) shows this connection as an eavesdropper on the
	// path sees it too: the TLS records beside the lines inside them.
	Eavesdrop bool

	Command string // send: the raw command line, without CRLF
	// Each (send) is a range "first-last": the command is sent once per
	// number n in it, with "{n}" in Command replaced by n, as a mail app
	// downloading a whole mailbox does. The first and the last exchange
	// are shown; those between are summed up in one line.
	Each     string
	Body     string    // data: the message body; deliver: the message
	Literal  string    // send: an IMAP literal appended to Command as {n}
	Expect   string    // send/connect/data: the reply status must start with this ("+OK", "-ERR", "OK", "NO", "250", "5"); connect: "refused" (ExpectRefused) when nothing may listen
	Contains string    // send: the reply must contain this text
	Note     i18n.Text // annotation of the line this step sends
	Reply    i18n.Text // annotation of the reply
	Covers   []string

	Check   *CheckSpec   // check
	Quiz    *QuizSpec    // quiz
	Deliver *DeliverSpec // deliver
	Server  *ServerSpec  // server
	Device  *DeviceSpec  // device
	Timeout int          // wait: milliseconds to wait for the update (default 2000); pause: milliseconds to pause
}

// CheckSpec asserts something about server or device state.
type CheckSpec struct {
	Server  string   // "alice/INBOX", "alice" (= INBOX), "bob@example.org/INBOX"
	Device  string   // an actor name: its local copy
	Count   *int     // number of messages
	UID     uint32   // with Flags/NoFlags: the message with this UID (server)
	Subject string   // the message with this subject is there
	Flags   []string // the message has these flags
	NoFlags []string // the message lacks these flags
	Missing bool     // with Subject: the message is NOT there
	// Stats lists actors: the check shows, for each, the commands it has
	// sent, the reply lines it has read and the octets both ways so far.
	// It takes no other field.
	Stats []string
}

// ServerSpec stops or restarts one server of a provider:
//
//	server: {domain: example.com, role: pop3, state: down}
//
// A down server's address refuses connections (a connect step says
// expect: refused); the actors connected to it lose their connection.
// "up" starts it again on the same address.
type ServerSpec struct {
	Domain string // default DefaultDomain
	Role   string // a roles.Role name
	State  string // "down" or "up"
}

// DeviceSpec is something that happens on a device, off the network:
//
//	device: {actor: laptop, action: read-offline, subject: "Lunch?"}
//
// An actor that fills another's local mail (Actor.Device) acts on that
// device's folders.
type DeviceSpec struct {
	Actor   string
	Action  string // one of DeviceActions
	Subject string // read-offline, scan: the message
	To      string // move: the actor whose device receives the copy
}

// QuizSpec is a multiple-choice prediction.
// The yaml tags are its keys in a saved transcript, which stores it as it
// is (lesson files are read by decode.go, which does not use them).
type QuizSpec struct {
	Question i18n.Text    `yaml:"question,omitempty"`
	Choices  []QuizChoice `yaml:"choices,omitempty"`
	Explain  i18n.Text    `yaml:"explain,omitempty"` // shown after the answer, right or wrong
}

// QuizChoice is one answer of a quiz.
type QuizChoice struct {
	Text    i18n.Text `yaml:"text,omitempty"`
	Correct bool      `yaml:"correct,omitempty"`
}

// DeliverSpec is a message that arrives from outside.
type DeliverSpec struct {
	To      string // "alice" or "alice@example.org"
	Mailbox string // default INBOX
	Message mailstore.SeedMessage
}
