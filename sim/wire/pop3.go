package wire

import (
	"bytes"
)

// pop3Line attributes a POP3 line (RFC 1939, 2449 CAPA, 2595 STLS, 5034 AUTH)
// and keeps the FIFO of pipelined commands.
func (f *framer) pop3Line(st *stream, line []byte) {
	if st.dir == ClientToServer {
		if f.authCont {
			f.authCont = false
			st.cmd = "AUTH"
			return
		}
		v, arg := verb(line)
		st.cmd = v
		multi := false
		switch v {
		case "RETR", "TOP", "CAPA":
			multi = true
		case "LIST", "UIDL", "AUTH":
			multi = len(arg) == 0
		}
		f.push(pendingCmd{verb: v, multi: multi})
		return
	}
	if !f.greeted {
		f.greeted = true
		return
	}
	if len(f.pending) == 0 {
		return
	}
	head := f.pending[0]
	st.cmd = head.verb
	text := trimEOL(line)
	switch {
	case len(text) >= 3 && bytes.EqualFold(text[:3], []byte("+OK")):
		f.pending = f.pending[1:]
		if head.multi {
			st.dotNext = true
		}
		if head.verb == "STLS" {
			f.switchAfter = true
		}
	case len(text) > 0 && text[0] == '+':
		// SASL challenge: "+ base64"; the client answers with one line
		f.authCont = true
	default: // -ERR or junk
		f.pending = f.pending[1:]
	}
}
