package pop3

import (
	"bufio"
	"bytes"

	"mailsim/sim/mailstore"
)

// The states of net/textproto's dotWriter, whose output writeDotStuffed
// reproduces octet for octet.
const (
	dsBegin     = iota // nothing written yet
	dsBeginLine        // at the start of a line
	dsCR               // just after a CR
	dsData             // inside a line
)

// writeDotStuffed writes body to w as a multi-line reply's data, exactly
// as textproto.NewWriter(w).DotWriter() would for one Write of body and a
// Close: a "." at the start of a line is doubled, a bare LF becomes CRLF,
// a missing final line end is added and ".\r\n" ends the reply. It does
// not flush. Unlike the DotWriter, which goes through the buffer one
// octet at a time, it copies runs of octets between the places that need
// a change (normally only lines starting with "."), so a stored message,
// already CRLF, costs a few scans and large writes.
func writeDotStuffed(w *bufio.Writer, body []byte) error {
	if isCRLF(body) {
		return writeDotStuffedCRLF(w, body)
	}
	state := dsBegin
	start := 0 // body[start:i] is still to be copied as it is
	i := 0
	for i < len(body) {
		switch state {
		case dsBegin, dsBeginLine:
			state = dsData
			if body[i] == '.' {
				w.Write(body[start:i])
				w.WriteByte('.')
				start = i // the "." itself goes with the next run
			}
			// body[i] is looked at again in dsData.
		case dsData:
			lf := bytes.IndexByte(body[i:], '\n')
			line := body[i:]
			if lf >= 0 {
				line = line[:lf]
			}
			cr := bytes.IndexByte(line, '\r')
			switch {
			case cr >= 0 && cr == lf-1:
				// The usual case: the only CR of the line ends it, before its LF.
				i += lf + 1
				state = dsBeginLine
			case cr >= 0:
				i += cr + 1
				state = dsCR
			case lf >= 0:
				// A bare LF: it goes out as CRLF.
				i += lf
				w.Write(body[start:i])
				w.WriteByte('\r')
				start = i
				i++
				state = dsBeginLine
			default:
				i = len(body)
			}
		case dsCR:
			// The octet after a CR is copied without a look, CR or not.
			if body[i] == '\n' {
				state = dsBeginLine
			} else {
				state = dsData
			}
			i++
		}
	}
	w.Write(body[start:])
	switch state {
	case dsBegin, dsData:
		w.WriteString("\r\n.\r\n")
	case dsCR:
		w.WriteString("\n.\r\n")
	case dsBeginLine:
		w.WriteString(".\r\n")
	}
	// bufio.Writer keeps the first error and returns it from here on.
	_, err := w.Write(nil)
	return err
}

var (
	lfDot   = []byte("\n.")
	dotCRLF = []byte(".\r\n")
)

// isCRLF reports whether every CR in b is followed by an LF and every LF
// follows a CR, as in every message the store keeps (unless it has a bare
// CR). The counts are vectorised scans.
func isCRLF(b []byte) bool {
	n := bytes.Count(b, crlf)
	return bytes.Count(b, crlf[:1]) == n && bytes.Count(b, crlf[1:]) == n
}

// writeDotStuffedCRLF is writeDotStuffed for a body where isCRLF holds:
// only lines that start with "." change.
func writeDotStuffedCRLF(w *bufio.Writer, body []byte) error {
	return writeWithDots(w, body, leadingDots(body))
}

// leadingDots returns the offsets of the lines of body that start with
// "." (nil when none do, as in most messages).
func leadingDots(body []byte) []int {
	var dots []int
	if len(body) > 0 && body[0] == '.' {
		dots = append(dots, 0)
	}
	for i := 0; ; {
		j := bytes.Index(body[i:], lfDot)
		if j < 0 {
			return dots
		}
		i += j + 1
		dots = append(dots, i)
	}
}

// writeWithDots writes body with a "." before each offset in dots, the
// final CRLF if body lacks it (an empty body too, as the DotWriter does)
// and the ".\r\n" terminator.
func writeWithDots(w *bufio.Writer, body []byte, dots []int) error {
	start := 0
	for _, d := range dots {
		w.Write(body[start:d])
		w.WriteByte('.')
		start = d
	}
	w.Write(body[start:])
	if !bytes.HasSuffix(body, crlf) {
		w.Write(crlf)
	}
	_, err := w.Write(dotCRLF)
	return err
}

// stuffing is what RETR needs to dot-stuff a stored message, worked out
// once per message (mailstore.Message.Memo).
type stuffing struct {
	crlf bool  // isCRLF(raw): only leading dots change
	dots []int // leadingDots(raw), when crlf
}

func planStuffing(raw []byte) any {
	if !isCRLF(raw) {
		return &stuffing{}
	}
	return &stuffing{crlf: true, dots: leadingDots(raw)}
}

// writeMessageDotStuffed is writeDotStuffed(w, m.Raw), without looking
// through the message again after the first time.
func writeMessageDotStuffed(w *bufio.Writer, m *mailstore.Message) error {
	st := m.Memo(mailstore.MemoPOP3DotStuffing, planStuffing).(*stuffing)
	if !st.crlf {
		return writeDotStuffed(w, m.Raw)
	}
	return writeWithDots(w, m.Raw, st.dots)
}
