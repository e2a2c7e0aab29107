package pop3

import (
	"bytes"
	"errors"
	"strconv"

	"mailsim/sim/mailstore"
)

// fetch returns a message in the view, or replies -ERR and returns nil.
func (c *conn) fetch(verb, arg string) (int, *mailstore.Message) {
	n, e := c.message(verb, arg, false)
	if e == nil {
		return 0, nil
	}
	m, err := c.o.Store.Message(c.drop.user, mailstore.Inbox, e.uid)
	if errors.Is(err, mailstore.ErrNoMessage) {
		c.fail("message %d was removed by another session", n)
		return 0, nil
	}
	if err != nil {
		c.fail("[SYS/TEMP] cannot read message %d: %v", n, err)
		return 0, nil
	}
	return n, m
}

// sendBody writes a +OK line and a multi-line reply's data: lines that
// begin with "." are doubled, and "." ends it. The data is the whole
// message m when body is nil, else body.
func (c *conn) sendBody(first string, m *mailstore.Message, body []byte) {
	c.lastOK = true
	c.writeLine("+OK " + first)
	if c.werr != nil {
		return
	}
	var err error
	if body == nil {
		err = writeMessageDotStuffed(c.w, m)
	} else {
		err = writeDotStuffed(c.w, body)
	}
	if err != nil {
		c.werr = err
		return
	}
	c.werr = c.w.Flush()
}

// retr answers RETR and marks the message \Seen.
func (c *conn) retr(args string) {
	f, ok := c.args(args, 1, 1, "RETR msg")
	if !ok {
		return
	}
	n, m := c.fetch("RETR", f[0])
	if m == nil {
		return
	}
	// Mark before replying, so that whoever reads the reply (an IMAP
	// session, the lesson runner's snapshot) already sees \Seen. A message
	// read just now with \Seen has it already: nothing to change.
	if !m.HasFlag(mailstore.FlagSeen) {
		if _, err := c.o.Store.SetFlags(c.drop.user, mailstore.Inbox, []uint32{m.UID}, mailstore.FlagsAdd, []string{mailstore.FlagSeen}, c.origin); err != nil {
			c.logf("RETR %d: setting \\Seen: %v", n, err)
		}
	}
	c.sendBody(strconv.Itoa(c.drop.msgs[n-1].size)+" octets", m, nil)
}

// top answers TOP msg n: the header, the blank line, and the first n lines
// of the body. It does not mark the message \Seen.
func (c *conn) top(args string) {
	f, ok := c.args(args, 2, 2, "TOP msg lines")
	if !ok {
		return
	}
	lines, ok := number(f[1])
	if !ok {
		c.fail("TOP needs a number of lines (0 or more), got %s", quote(f[1]))
		return
	}
	n, m := c.fetch("TOP", f[0])
	if m == nil {
		return
	}
	body := headAndLines(m.Raw, lines)
	if body == nil {
		body = []byte{} // an empty message: still the data, not m
	}
	c.sendBody("top of message "+strconv.Itoa(n)+" follows", m, body)
}

var crlf = []byte("\r\n")

// headAndLines returns the header of raw, the blank line after it and the
// first n lines of the body.
func headAndLines(raw []byte, n int) []byte {
	var end int
	switch i := bytes.Index(raw, []byte("\r\n\r\n")); {
	case bytes.HasPrefix(raw, crlf):
		end = 2 // no header fields at all
	case i < 0:
		return raw // no body
	default:
		end = i + 4
	}
	for ; n > 0 && end < len(raw); n-- {
		i := bytes.Index(raw[end:], crlf)
		if i < 0 {
			return raw
		}
		end += i + 2
	}
	return raw[:end]
}
