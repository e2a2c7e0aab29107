package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"strconv"
	"time"
)

var errBufferFull = bufio.ErrBufferFull

// imapResp is what a command's untagged responses carried that the
// workload checks.
type imapResp struct {
	exists   int // last "* n EXISTS"
	fetches  int // "* n FETCH" responses
	literals int // literals read
}

// imapCmd sends a tagged command and reads to its tagged reply. NO and
// BAD are counted and returned as a *protoError.
func (c *conn) imapCmd(name string, cmd []byte, r *imapResp) error {
	w := c.w
	o := w.op(name)
	w.tag++
	tag := strconv.AppendInt(append(w.tagBuf[:0], 'a'), int64(w.tag), 10)
	w.tagBuf = tag
	line := append(append(append(w.lineBuf[:0], tag...), ' '), cmd...)
	w.lineBuf = line
	t0 := time.Now()
	if err := c.send(line); err != nil {
		return err
	}
	defer func() {
		o.hist.Record(time.Since(t0))
		o.count++
	}()
	for {
		seg, err := c.readLine()
		if err != nil {
			return err
		}
		switch {
		case len(seg) > len(tag) && bytes.HasPrefix(seg, tag) && seg[len(tag)] == ' ':
			rest := seg[len(tag)+1:]
			switch {
			case bytes.HasPrefix(rest, []byte("OK")):
				return nil
			case bytes.HasPrefix(rest, []byte("NO")), bytes.HasPrefix(rest, []byte("BAD")):
				return w.refuse(name, o, seg)
			}
			return malformed(name, seg)
		case bytes.HasPrefix(seg, []byte("* ")):
			if r != nil {
				r.untagged(seg[2:])
			}
		case bytes.HasPrefix(seg, []byte("+")):
			return malformed(name, seg)
		default:
			return malformed(name, seg)
		}
		// Literals: the response goes on after {n} octets.
		for {
			n, ok := literalAt(seg)
			if !ok {
				break
			}
			if r != nil {
				r.literals++
			}
			if _, err := c.r.Discard(n); err != nil {
				return err
			}
			if seg, err = c.readLine(); err != nil {
				return err
			}
		}
	}
}

func (r *imapResp) untagged(s []byte) {
	i := bytes.IndexByte(s, ' ')
	if i <= 0 || s[0] < '0' || s[0] > '9' {
		return
	}
	n, err := strconv.Atoi(string(s[:i]))
	if err != nil {
		return
	}
	rest := s[i+1:]
	switch {
	case bytes.HasPrefix(rest, []byte("EXISTS")):
		r.exists = n
	case bytes.HasPrefix(rest, []byte("FETCH")):
		r.fetches++
	}
}

// literalAt reads the {n} (or ~{n} or {n+}) that ends a response line.
func literalAt(seg []byte) (int, bool) {
	s := bytes.TrimRight(seg, "\r\n")
	if len(s) < 3 || s[len(s)-1] != '}' {
		return 0, false
	}
	i := bytes.LastIndexByte(s, '{')
	if i < 0 {
		return 0, false
	}
	digits := bytes.TrimSuffix(s[i+1:len(s)-1], []byte("+"))
	n, err := strconv.Atoi(string(digits))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// imapQuote makes an IMAP quoted string.
func imapQuote(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '"')
}

func (w *worker) imapSession(ctx context.Context) error {
	var greet []byte
	c, o, err := w.connect(ctx, func(c *conn) (err error) { greet, err = c.readLine(); return err })
	if err != nil {
		return err
	}
	defer c.close()
	switch {
	case bytes.HasPrefix(greet, []byte("* OK")), bytes.HasPrefix(greet, []byte("* PREAUTH")):
	case bytes.HasPrefix(greet, []byte("* BYE")):
		return w.refuse("connect", o, greet)
	default:
		return malformed("connect", greet)
	}
	if w.cfg.TLS == TLSStart {
		o := w.op("STARTTLS")
		t0 := time.Now()
		if err := c.imapCmd("STARTTLS", []byte("STARTTLS"), nil); err != nil {
			return err
		}
		if err := c.startTLS(); err != nil {
			return err
		}
		o.hist.Record(time.Since(t0))
	}
	logout := func() error { return c.imapCmd("LOGOUT", []byte("LOGOUT"), nil) }
	login := imapQuote(append(imapQuote(append(w.cmd[:0], "LOGIN "...), w.user), ' '), w.cfg.Pass)
	if err := c.imapCmd("LOGIN", login, nil); err != nil {
		if isProto(err) {
			logout()
		}
		return err
	}
	var sel imapResp
	if err := c.imapCmd("SELECT", imapQuote([]byte("SELECT "), w.cfg.Mailbox), &sel); err != nil {
		if isProto(err) {
			logout()
		}
		return err
	}
	if w.cfg.Search != "" {
		w.cmd = imapQuote(append(w.cmd[:0], "SEARCH TEXT "...), w.cfg.Search)
		if err := c.imapCmd("SEARCH TEXT", w.cmd, nil); err != nil && !isProto(err) {
			return err
		}
	}
	if sel.exists > 0 {
		if !w.cfg.NoEnvelopes {
			var env imapResp
			if err := c.imapCmd("FETCH 1:* (FLAGS ENVELOPE)", []byte("FETCH 1:* (FLAGS ENVELOPE)"), &env); err != nil && !isProto(err) {
				return err
			}
		}
		for i := 0; i < w.cfg.Fetches; i++ {
			n := w.rng.IntN(sel.exists) + 1
			w.cmd = append(strconv.AppendInt(append(w.cmd[:0], "FETCH "...), int64(n), 10), " BODY[]"...)
			var body imapResp
			err := c.imapCmd("FETCH n BODY[]", w.cmd, &body)
			if err != nil && !isProto(err) {
				return err
			}
			if err == nil {
				if body.literals == 0 {
					return malformed("FETCH n BODY[]", []byte("no literal in the FETCH response"))
				}
				w.messages++
			}
		}
	}
	return logout()
}
