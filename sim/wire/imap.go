package wire

import (
	"bytes"
	"strings"
)

// imapLine attributes an IMAP line (RFC 9051, 3501): tags, the command each
// reply answers, AUTHENTICATE and IDLE exchanges, STARTTLS. Literals are
// found by linePiece once the line is complete (literalMarker).
func (f *framer) imapLine(st *stream, line []byte) {
	if st.dir == ClientToServer {
		f.imapClientLine(st, line)
		return
	}
	tag, rest := firstToken(trimEOL(line))
	st.tag = tag
	greeting := !f.greeted
	f.greeted = true
	switch tag {
	case "*":
		if !greeting && len(f.pending) > 0 {
			st.cmd = f.pending[0].verb
		}
	case "+":
		if len(f.pending) > 0 {
			st.cmd = f.pending[len(f.pending)-1].verb
		}
	default:
		i := f.findTag(tag)
		if i < 0 {
			return
		}
		st.cmd = f.pending[i].verb
		f.pending = append(f.pending[:i], f.pending[i+1:]...)
		if f.imapModeTag == tag {
			f.imapMode, f.imapModeTag = "", ""
		}
		status, _ := firstToken(rest)
		if st.cmd == "STARTTLS" && strings.EqualFold(status, "OK") {
			f.switchAfter = true
		}
		// a refused synchronizing literal never comes
		c := &f.st[ClientToServer]
		if c.mode == modeLiteral && c.litSync && c.blkLen == 0 && c.tag == tag {
			c.mode, c.remain, c.litSync, c.cont, c.blk = modeLine, 0, false, false, nil
		}
	}
}

func (f *framer) imapClientLine(st *stream, line []byte) {
	if f.imapMode != "" {
		st.cmd, st.tag = f.imapMode, f.imapModeTag
		if f.imapMode == "IDLE" && bytes.EqualFold(bytes.TrimSpace(line), []byte("DONE")) {
			f.imapMode = ""
		}
		return
	}
	tag, rest := firstToken(trimEOL(line))
	v, rest := firstToken(rest)
	v = strings.ToUpper(v)
	if v == "UID" {
		sub, _ := firstToken(rest)
		v += " " + strings.ToUpper(sub)
	}
	st.tag, st.cmd = tag, v
	f.push(pendingCmd{verb: v, tag: tag})
	if v == "AUTHENTICATE" || v == "IDLE" {
		f.imapMode, f.imapModeTag = v, tag
	}
}

// findTag returns the index of the pending command with tag, or -1.
func (f *framer) findTag(tag string) int {
	for i, p := range f.pending {
		if p.tag == tag {
			return i
		}
	}
	return -1
}

func firstToken(b []byte) (string, []byte) {
	tok, rest, _ := bytes.Cut(b, []byte(" "))
	return string(tok), rest
}

// literalMarker reports whether line ends with an IMAP literal marker
// "{n}" or "{n+}" (also "~{n}") before its CRLF, and n. Sizes that do not fit
// in 63 bits are not markers.
func literalMarker(line []byte) (n uint64, plus, ok bool) {
	b := trimEOL(line)
	if len(b) < 3 || b[len(b)-1] != '}' {
		return 0, false, false
	}
	i := bytes.LastIndexByte(b, '{')
	if i < 0 {
		return 0, false, false
	}
	digits := b[i+1 : len(b)-1]
	if len(digits) > 0 && digits[len(digits)-1] == '+' {
		plus = true
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, plus, true
}
