// Package wire taps network connections and frames the bytes that cross them
// into protocol units (lines, blocks, TLS records) for the transcript. It
// imports the standard library and golang.org/x/crypto (ChaCha20-Poly1305).
// What the lines carry (the credentials redaction hides, SASL payloads,
// IMAP tokens) is read by its sub-package protoline.
//
// A Recorder hands out taps: Listener and TLSListener for servers, Conn for
// scripted clients. Each tapped connection gets an id; one framer per
// connection sees both directions (a reply's shape depends on the command it
// answers) and reports every completed Unit to the Recorder's Sink.
//
// # Inside TLS
//
// Where our own code starts TLS (implicit TLS listeners, POP3 STLS, a
// scripted client) it wraps the tls.Conn in an inner tap (Conn.StartTLS),
// which sees the plaintext. go-imap and go-smtp do STARTTLS by themselves,
// on the tapped conn, so the tap sees only TLS records. For those the tap
// decrypts the records the way Wireshark does with an SSLKEYLOGFILE: the
// servers' tls.Config comes from Recorder.ServerTLS, whose KeyLogWriter
// keeps each session's secrets in memory by client random; the tap reads
// the client random, version and suite from the clear hellos and opens each
// record (TLS 1.3: traffic secret -> HKDF-Expand-Label -> AEAD; TLS 1.2:
// master secret -> PRF key block -> AEAD; ServerTLS limits TLS 1.2 to AEAD
// suites). The plaintext is framed as Layer Inner, exactly as an inner tap
// would, so the transcript reads the same for every port.
//
// We chose this over terminating STARTTLS in a layer of our own because
// that layer would have to parse each protocol in front of its library,
// answer STARTTLS itself, and then keep the library from advertising and
// refusing things as if the session were still in the clear: a second
// protocol implementation in the path of every byte. Decrypting beside the
// path leaves the libraries and the bytes on the wire untouched (what a
// student's client sees is what a real server sends), costs nothing when no
// tap is on, and the same secrets let an exported capture be decrypted by
// Wireshark or tshark. A session the tap cannot open (a record cut by
// MaxUnitBytes, a secret not logged) keeps its records, marked Undecrypted.
package wire

import (
	"sync/atomic"
	"time"

	"mailsim/internal/i18n"
)

// Protocol names the mail protocol spoken on a connection; it selects the framer.
type Protocol string

// The protocols the framers know.
const (
	POP3 Protocol = "pop3"
	IMAP Protocol = "imap"
	SMTP Protocol = "smtp"
)

// Direction says which way a unit crossed the wire.
type Direction int

// Directions.
const (
	ClientToServer Direction = iota
	ServerToClient
)

// String returns "C" or "S", as transcripts print them.
func (d Direction) String() string {
	if d == ClientToServer {
		return "C"
	}
	return "S"
}

// Side says where a tap sits: in the server process or in the client.
type Side int

// Sides.
const (
	ServerSide Side = iota
	ClientSide
)

// String returns "server" or "client".
func (s Side) String() string {
	if s == ServerSide {
		return "server"
	}
	return "client"
}

// Layer says what a unit shows: clear text, TLS records, or the plaintext inside TLS.
type Layer int

// Layers.
const (
	Plain  Layer = iota // clear text on the wire (before any TLS)
	Cipher              // on the wire, inside TLS: opaque records, summarised
	Inner               // what the endpoints read and write inside TLS (decrypted)
)

// String returns "plain", "cipher" or "inner".
func (l Layer) String() string {
	switch l {
	case Plain:
		return "plain"
	case Cipher:
		return "cipher"
	case Inner:
		return "inner"
	}
	return "layer?"
}

// Kind is the shape of a unit.
type Kind int

// Kinds.
const (
	// Line is one protocol line; Text has no CRLF.
	Line Kind = iota
	// Block is a multi-line body or literal: POP3 multi-line response data
	// (after the +OK line, up to and including the "." terminator), SMTP DATA
	// content (up to and including "."), IMAP literal octets.
	Block
	// Record is a TLS record summary (Layer Cipher), e.g. Text
	// "[TLS handshake, 517 bytes]".
	Record
)

// String returns "line", "block" or "record".
func (k Kind) String() string {
	switch k {
	case Line:
		return "line"
	case Block:
		return "block"
	case Record:
		return "record"
	}
	return "kind?"
}

// Unit is one framed protocol unit.
type Unit struct {
	Conn  uint64    // connection id, unique within a Recorder, starting at 1
	Seq   int       // 0,1,2... order within the connection (both directions and all layers share the counter)
	Time  time.Time // from the Recorder's clock when the unit completed
	Dir   Direction
	Layer Layer
	Kind  Kind
	// Text is the printable form: for Line the line without CRLF; for Block
	// the content with CRLF turned into "\n" (not dot-unstuffed); for Record
	// the summary. It is derived from Raw, so it is truncated with it.
	Text string
	Raw  []byte // exact octets as they crossed (at most Options.MaxUnitBytes; see Len)
	Len  int    // total octets of the unit (exceeds len(Raw) when truncated)
	// Lines is the number of lines in a Block, counting the "." terminator
	// and a last line without LF; 1 for Line; 0 for Record.
	Lines int
	// Command ties the unit to a client command. For ServerToClient units: the
	// upper-cased verb of the client command this answers ("RETR", "EHLO",
	// "UID FETCH"), "" for greetings and replies tied to no command. For
	// ClientToServer units: the verb being sent; for a literal, a SASL line or
	// an SMTP DATA body, the verb of the command it belongs to ("APPEND",
	// "AUTH", "DATA").
	Command string
	// Tag is the IMAP tag of the command or tagged reply ("A1"), "*" for
	// untagged and "+" for continuation replies; literals, lines after a
	// literal, AUTHENTICATE and IDLE lines carry their command's tag.
	// Always "" for POP3 and SMTP.
	Tag string
	// Cut is set when the unit ended before its terminator: the line was
	// longer than Options.MaxLineBytes, the connection closed mid-unit, or
	// TLS started with a partial line buffered.
	Cut bool
	// Redacted says what a client unit held before its secret became
	// "•••" ("a password, 10 characters"): set by transcripts.Redact and
	// by the classroom registry, "" for a unit shown as it crossed. Text,
	// Raw and Len are then those of the redacted unit.
	Redacted i18n.Text
}

// ConnInfo describes a tapped connection when it opens.
type ConnInfo struct {
	ID            uint64
	Protocol      Protocol
	Side          Side
	Local, Remote string // addresses
	ImplicitTLS   bool
}

// Sink receives what a Recorder sees. Calls for one connection come in order;
// calls for different connections may be concurrent. Implementations must be
// fast and must not block. A Unit's Raw belongs to the sink.
type Sink interface {
	Open(ConnInfo)
	Unit(Unit)
	Close(id uint64, err error) // err nil on a clean close
}

// SinkFuncs adapts functions to a Sink; nil funcs are ignored.
type SinkFuncs struct {
	OnOpen  func(ConnInfo)
	OnUnit  func(Unit)
	OnClose func(uint64, error)
}

var _ Sink = SinkFuncs{}

// Open calls OnOpen if set.
func (f SinkFuncs) Open(ci ConnInfo) {
	if f.OnOpen != nil {
		f.OnOpen(ci)
	}
}

// Unit calls OnUnit if set.
func (f SinkFuncs) Unit(u Unit) {
	if f.OnUnit != nil {
		f.OnUnit(u)
	}
}

// Close calls OnClose if set.
func (f SinkFuncs) Close(id uint64, err error) {
	if f.OnClose != nil {
		f.OnClose(id, err)
	}
}

// Options tune a Recorder. The zero value is ready to use.
type Options struct {
	Clock func() time.Time // nil = time.Now
	// MaxUnitBytes caps Raw (and so Text) of every unit; Len still counts
	// all octets. 0 = 1 MiB.
	MaxUnitBytes int
	// MaxLineBytes bounds a line: a line with no LF longer than this is
	// emitted as a cut Line and the rest follows as further units, so the
	// tap's buffer never grows without bound. 0 = 64 KiB.
	MaxLineBytes int
}

const (
	defaultMaxUnit = 1 << 20
	defaultMaxLine = 64 << 10
)

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.MaxUnitBytes <= 0 {
		o.MaxUnitBytes = defaultMaxUnit
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = defaultMaxLine
	}
	return o
}

// Recorder taps connections and reports their units to one Sink.
// It is safe for concurrent use.
type Recorder struct {
	sink Sink
	opt  Options
	last atomic.Uint64
	keys *keyLog // secrets logged by the servers configured with ServerTLS
}

// NewRecorder returns a Recorder that reports to s (nil s discards everything).
func NewRecorder(s Sink, o Options) *Recorder {
	if s == nil {
		s = SinkFuncs{}
	}
	o = o.withDefaults()
	return &Recorder{sink: s, opt: o, keys: newKeyLog(o.Clock)}
}
