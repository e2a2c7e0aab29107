package wire

// smtpLine attributes an SMTP line (RFC 5321, 3207 STARTTLS, 4954 AUTH) and
// keeps the FIFO of pipelined commands (RFC 2920).
func (f *framer) smtpLine(st *stream, line []byte) {
	if st.dir == ClientToServer {
		if f.authCont {
			f.authCont = false
			st.cmd = "AUTH"
			return
		}
		v, _ := verb(line)
		st.cmd = v
		f.push(pendingCmd{verb: v})
		return
	}
	text := trimEOL(line)
	final := len(text) < 4 || text[3] != '-'
	if !f.greeted {
		f.greeted = final
		return
	}
	if len(f.pending) == 0 {
		return
	}
	head := f.pending[0]
	st.cmd = head.verb
	if !final {
		return
	}
	code := string(text[:min(3, len(text))])
	if code == "334" && head.verb == "AUTH" {
		f.authCont = true
		return
	}
	f.pending = f.pending[1:]
	switch {
	case head.verb == "DATA" && code == "354":
		c := &f.st[ClientToServer]
		if c.mode == modeLine && len(c.line) == 0 && !c.midLine {
			c.mode = modeDot
			c.cmd, c.tag = "DATA", ""
			c.lineLen = 0
		}
	case head.verb == "STARTTLS" && code == "220":
		f.switchAfter = true
	}
}
