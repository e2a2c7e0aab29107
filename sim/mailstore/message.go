package mailstore

import (
	"bytes"
	"mime"
	"net/mail"
	"strings"
	"time"
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
}

// Size is the message's size in octets, as RETR and RFC822.SIZE report it.
func (m *Message) Size() int { return len(m.Raw) }

// HasFlag reports whether the message carries flag f (case-insensitively).
func (m *Message) HasFlag(f string) bool { return containsFold(m.Flags, f) }

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
	h := ParseHeaders(raw)
	return &Message{UID: uid, InternalDate: date, Raw: raw, Flags: normalizeFlags(flags),
		From: h.From, To: h.To, Subject: h.Subject, MessageID: h.MessageID}
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
