package pop3

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"mailsim/sim/mailstore"
)

// maildrop is a session's login-time view of the user's INBOX. Message
// number i is msgs[i-1]; DELE marks, RSET unmarks, QUIT removes the marked.
type maildrop struct {
	user     string
	validity uint32
	msgs     []entry
	live     int   // messages not marked deleted
	octets   int64 // their total size
}

type entry struct {
	uid     uint32
	size    int
	deleted bool
}

func newMaildrop(user string, validity uint32, msgs []*mailstore.Message) *maildrop {
	d := &maildrop{user: user, validity: validity, msgs: make([]entry, len(msgs))}
	for i, m := range msgs {
		d.msgs[i] = entry{uid: m.UID, size: wireSize(m.Raw)}
		d.octets += int64(d.msgs[i].size)
	}
	d.live = len(msgs)
	return d
}

// wireSize is the number of octets RETR sends for raw before byte-stuffing
// and without the terminating ".": RFC 1939's exact size. The store keeps
// CRLF line ends, so it is len(raw) for every message that ends with CRLF;
// a message without a final line end gets one on the wire.
func wireSize(raw []byte) int {
	n := len(raw) + bytes.Count(raw, []byte("\n")) - bytes.Count(raw, []byte("\r\n")) // bare LF -> CRLF
	switch {
	case len(raw) == 0:
		n += 2
	case raw[len(raw)-1] == '\r':
		n++
	case raw[len(raw)-1] != '\n':
		n += 2
	}
	return n
}

func (d *maildrop) marked() int { return len(d.msgs) - d.live }

func (d *maildrop) uidl(e *entry) string {
	return fmt.Sprintf("%08x%08x", d.validity, e.uid)
}

// message parses a message-number argument. If it is not a number of a
// message in the view that is still there, it replies -ERR and returns nil.
func (c *conn) message(verb, arg string, deletedOK bool) (int, *entry) {
	d := c.drop
	n, ok := number(arg)
	if !ok {
		c.fail("%s needs a message number, got %s", verb, quote(arg))
		return 0, nil
	}
	if n < 1 || n > len(d.msgs) {
		c.fail("no message %s: this maildrop has %s", arg, numbered(len(d.msgs)))
		return 0, nil
	}
	e := &d.msgs[n-1]
	if e.deleted && !deletedOK {
		c.fail("message %d already deleted", n)
		return 0, nil
	}
	return n, e
}

// number parses a decimal argument: digits only, no sign. Numbers too
// large for an int come back as the largest int.
func number(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return int(^uint(0) >> 1), true
	}
	return n, true
}

func numbered(n int) string {
	switch n {
	case 0:
		return "no messages"
	case 1:
		return "1 message (number 1)"
	}
	return fmt.Sprintf("%d messages (numbered 1 to %d)", n, n)
}

// args splits a command's arguments, replying -ERR with usage unless
// there are between min and max of them.
func (c *conn) args(args string, min, max int, usage string) ([]string, bool) {
	f := strings.Fields(args)
	if len(f) < min || len(f) > max {
		c.fail("usage: %s", usage)
		return nil, false
	}
	return f, true
}

func (c *conn) stat(args string) {
	if c.noArgs("STAT", args) {
		c.ok("%d %d", c.drop.live, c.drop.octets)
	}
}

// listing answers LIST and UIDL, which differ only in what follows the
// message number.
func (c *conn) listing(verb, args string, value func(*entry) string) {
	f, ok := c.args(args, 0, 1, verb+" [msg]")
	if !ok {
		return
	}
	d := c.drop
	if len(f) == 1 {
		if n, e := c.message(verb, f[0], false); e != nil {
			c.ok("%d %s", n, value(e))
		}
		return
	}
	lines := make([]string, 0, d.live)
	for i := range d.msgs {
		if e := &d.msgs[i]; !e.deleted {
			lines = append(lines, strconv.Itoa(i+1)+" "+value(e))
		}
	}
	c.okLines(fmt.Sprintf("%s (%d octets)", messages(d.live), d.octets), lines)
}

func (c *conn) list(args string) {
	c.listing("LIST", args, func(e *entry) string { return strconv.Itoa(e.size) })
}

func (c *conn) uidl(args string) {
	c.listing("UIDL", args, c.drop.uidl)
}

func (c *conn) dele(args string) {
	f, ok := c.args(args, 1, 1, "DELE msg")
	if !ok {
		return
	}
	n, e := c.message("DELE", f[0], false)
	if e == nil {
		return
	}
	e.deleted = true
	c.drop.live--
	c.drop.octets -= int64(e.size)
	c.ok("message %d marked for deletion; it is removed at QUIT", n)
}

func (c *conn) rset(args string) {
	if !c.noArgs("RSET", args) {
		return
	}
	d := c.drop
	for i := range d.msgs {
		if e := &d.msgs[i]; e.deleted {
			e.deleted = false
			d.live++
			d.octets += int64(e.size)
		}
	}
	c.ok("maildrop has %s (%d octets)", messages(d.live), d.octets)
}

func (c *conn) noop(args string) {
	if c.noArgs("NOOP", args) {
		c.ok("")
	}
}

// messages says "1 message" or "n messages", for the texts on the wire.
func messages(n int) string {
	if n == 1 {
		return "1 message"
	}
	return strconv.Itoa(n) + " messages"
}
