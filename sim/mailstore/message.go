package mailstore

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Message is one stored message. It is immutable: the store replaces it
// rather than change it, so snapshots and readers may keep it.
type Message struct {
	UID          uint32
	InternalDate time.Time
	Raw          []byte   // the RFC 5322 octets, CRLF line endings; never modified
	Flags        []string // canonical, sorted; never modified

	// Header fields decoded once at delivery, for display.
	From, To, Subject, MessageID string

	// memo is shared by every Message made from this one by a flag change
	// (withFlags) or a copy to another mailbox: they all have the same Raw.
	memo *memo
}

// Memo keys: each names one kind of data derived from Raw. A package that
// needs another kind adds its key here, before memoSlots.
const (
	MemoIMAPEnvelope      = iota // the ENVELOPE, encoded (sim/imap)
	MemoIMAPBodyStructure        // BODY and BODYSTRUCTURE, encoded (sim/imap)
	MemoIMAPTextTraits           // whether SEARCH TEXT may search the raw octets (sim/imap)
	MemoPOP3DotStuffing          // where RETR doubles a leading "." (sim/pop3)
	memoSlots
)

// memo holds the values Message.Memo computed, one slot per key: 80
// octets per stored message (one sync.Once per slot took 128).
type memo struct {
	mu    sync.Mutex    // held while a value is built
	done  atomic.Uint32 // bit k set: slots[k] holds its value
	slots [memoSlots]any
}

// Size is the message's size in octets, as RETR and RFC822.SIZE report it.
func (m *Message) Size() int { return len(m.Raw) }

// HasFlag reports whether the message carries flag f (case-insensitively).
func (m *Message) HasFlag(f string) bool { return containsFold(m.Flags, f) }

// Memo returns the value for key derived from the message's Raw octets,
// calling build(m.Raw) the first time any flag variant of this message
// asks for key and returning the same value from then on. It is for data
// that depends on Raw alone (a parsed envelope, a body structure): never
// on flags, UID or mailbox, which differ between the variants sharing the
// memo. build runs once per key even when called concurrently; the value
// is shared by all callers and must be treated as immutable. A Message not
// made by the store (a literal) has no memo: build runs on every call.
// key is one of the Memo* constants.
func (m *Message) Memo(key int, build func(raw []byte) any) any {
	if m.memo == nil {
		return build(m.Raw)
	}
	mm, bit := m.memo, uint32(1)<<key
	if mm.done.Load()&bit != 0 {
		return mm.slots[key]
	}
	mm.mu.Lock()
	defer mm.mu.Unlock()
	if mm.done.Load()&bit == 0 {
		mm.slots[key] = build(m.Raw)
		mm.done.Or(bit)
	}
	return mm.slots[key]
}

func (m *Message) withFlags(flags []string) *Message {
	c := *m
	c.Flags = flags
	return &c
}

var wordDecoder = mime.WordDecoder{}

// newMessage builds a Message from raw octets, turning bare LFs into CRLF
// so that sizes match what POP3 and IMAP send.
func newMessage(uid uint32, raw []byte, flags []string, date time.Time) *Message {
	raw = toCRLF(raw)
	h := ParseHeaders(raw).within(raw)
	return &Message{UID: uid, InternalDate: date, Raw: raw, Flags: normalizeFlags(flags),
		From: h.From, To: h.To, Subject: h.Subject, MessageID: h.MessageID, memo: &memo{}}
}

// Headers are the header fields shown in mailbox lists, decoded.
type Headers struct {
	From, To, Subject, MessageID string
}

// ParseHeaders decodes the display header fields of a raw message; fields
// it cannot find are empty.
func ParseHeaders(raw []byte) Headers {
	var h Headers
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return h
	}
	dec := func(k string) string {
		v := msg.Header.Get(k)
		if d, err := wordDecoder.DecodeHeader(v); err == nil {
			return d
		}
		return v
	}
	h.From, h.To, h.Subject = dec("From"), dec("To"), dec("Subject")
	h.MessageID = strings.TrimSpace(msg.Header.Get("Message-Id"))
	return h
}

// within returns h with each field that raw's header section holds
// verbatim (no encoded words, no folding: the usual case) replaced by the
// same text over raw's own octets, so that a stored message's display
// fields take no memory of their own (about 120 octets a message, issue
// 17). It is safe because a stored message's Raw is never modified.
func (h Headers) within(raw []byte) Headers {
	head := len(raw)
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		head = i
	}
	if head == 0 {
		return h
	}
	section := unsafe.String(&raw[0], head)
	share := func(v string) string {
		if i := strings.Index(section, v); v != "" && i >= 0 {
			return section[i : i+len(v)]
		}
		return v
	}
	h.From, h.To, h.Subject, h.MessageID = share(h.From), share(h.To), share(h.Subject), share(h.MessageID)
	return h
}

// toCRLF returns raw with every line ending as CRLF. It returns raw itself
// when nothing needs changing.
func toCRLF(raw []byte) []byte {
	bare := false
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/32)
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
