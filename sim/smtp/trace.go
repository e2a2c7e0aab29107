package smtp

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// trace is one Received header (RFC 5321 4.4): who handed the message over,
// who took it, how, and when.
type trace struct {
	helo, ip string // the client's EHLO name and address ("" when local)
	by       string // this server's host name
	proto    string // ESMTP, ESMTPS, ESMTPA, ESMTPSA (RFC 3848), or "local"
	id       string
	rcpt     string // the single recipient, or ""
	at       time.Time
}

// header renders the trace as a folded Received header ending in CRLF.
func (t trace) header() string {
	var b strings.Builder
	b.WriteString("Received: ")
	if t.ip != "" || t.helo != "" {
		helo := t.helo
		if helo == "" {
			helo = "unknown"
		}
		fmt.Fprintf(&b, "from %s ([%s])\r\n\tby ", helo, t.ip)
	} else {
		b.WriteString("by ")
	}
	fmt.Fprintf(&b, "%s with %s id %s", t.by, t.proto, t.id)
	if t.rcpt != "" {
		fmt.Fprintf(&b, "\r\n\tfor <%s>", t.rcpt)
	}
	fmt.Fprintf(&b, "; %s\r\n", t.at.Format(time.RFC1123Z))
	return b.String()
}

// protocol names the "with" clause of Received as RFC 3848 does.
func protocol(tls, auth bool) string {
	p := "ESMTP"
	if tls {
		p += "S"
	}
	if auth {
		p += "A"
	}
	return p
}

// missingHeaders returns a Message-ID and a Date header for a message that
// lacks them (RFC 6409 8.2, 8.3), or "".
func missingHeaders(raw []byte, id, host string, now time.Time) string {
	hasID, hasDate := false, false
	forEachHeader(raw, func(name string) {
		switch strings.ToLower(name) {
		case "message-id":
			hasID = true
		case "date":
			hasDate = true
		}
	})
	var b strings.Builder
	if !hasDate {
		fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	}
	if !hasID {
		fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", id, host)
	}
	return b.String()
}

// forEachHeader calls fn with the name of each header field of raw (up to
// the first empty line); continuation lines are skipped.
func forEachHeader(raw []byte, fn func(name string)) {
	for len(raw) > 0 {
		line := raw
		if i := bytes.Index(raw, []byte("\r\n")); i >= 0 {
			line, raw = raw[:i], raw[i+2:]
		} else {
			raw = nil
		}
		if len(line) == 0 {
			return
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue
		}
		if i := bytes.IndexByte(line, ':'); i > 0 {
			fn(string(bytes.TrimRight(line[:i], " \t")))
		}
	}
}

// headerBlock returns raw's header section, up to and including the empty
// line, or all of raw if it has no body.
func headerBlock(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return nil
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return raw[:i+2]
	}
	return raw
}

// withPrefix returns prefix followed by raw, in a new slice.
func withPrefix(raw []byte, prefix ...string) []byte {
	n := len(raw)
	for _, p := range prefix {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range prefix {
		out = append(out, p...)
	}
	return append(out, raw...)
}
