package sim

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"mailsim/sim/wire"
)

// reply is a complete server reply as a scripted client read it.
type reply struct {
	Status string   // "+OK", "-ERR", "+" (continuation); "OK", "NO", "BAD", "BYE"; "250", "354", ...
	Lines  []string // every line, without CRLF
	Body   []byte   // POP3 multi-line data (un-stuffed), IMAP literals joined
	// Literals holds, for each IMAP line of Lines, the literals it carried,
	// in order (nil for a line without any); empty for POP3 and SMTP.
	Literals [][][]byte
}

func (r reply) text() string { return strings.Join(r.Lines, "\n") }

// maxReplyLine bounds one reply line a scripted client accepts.
const maxReplyLine = 1 << 20

func readLine(r *bufio.Reader) (string, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) && len(buf) < maxReplyLine {
			continue
		}
		if err == io.EOF && len(buf) > 0 {
			return "", io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimRight(string(buf), "\r\n"), nil
}

// pop3MultiLine reports whether a +OK reply to this command carries a
// multi-line block (RFC 1939, RFC 2449, RFC 5034).
func pop3MultiLine(cmd string) bool {
	verb, arg, _ := strings.Cut(strings.TrimSpace(cmd), " ")
	switch strings.ToUpper(verb) {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL", "AUTH":
		return strings.TrimSpace(arg) == ""
	}
	return false
}

func readPOP3Reply(r *bufio.Reader, cmd string) (reply, error) {
	line, err := readLine(r)
	if err != nil {
		return reply{}, err
	}
	rep := reply{Lines: []string{line}}
	switch {
	case strings.HasPrefix(line, "+OK"):
		rep.Status = "+OK"
	case strings.HasPrefix(line, "-ERR"):
		rep.Status = "-ERR"
		return rep, nil
	case strings.HasPrefix(line, "+"):
		rep.Status = "+"
		return rep, nil
	default:
		return rep, fmt.Errorf("not a POP3 reply: %q", line)
	}
	if !pop3MultiLine(cmd) {
		return rep, nil
	}
	var body bytes.Buffer
	for {
		l, err := readLine(r)
		if err != nil {
			return rep, err
		}
		rep.Lines = append(rep.Lines, l)
		if l == "." {
			break
		}
		body.WriteString(strings.TrimPrefix(l, "."))
		body.WriteString("\r\n")
	}
	rep.Body = body.Bytes()
	return rep, nil
}

func readSMTPReply(r *bufio.Reader) (reply, error) {
	var rep reply
	for {
		line, err := readLine(r)
		if err != nil {
			return rep, err
		}
		rep.Lines = append(rep.Lines, line)
		if len(line) < 3 {
			return rep, fmt.Errorf("not an SMTP reply: %q", line)
		}
		rep.Status = line[:3]
		if len(line) == 3 || line[3] == ' ' {
			return rep, nil
		}
		if line[3] != '-' {
			return rep, fmt.Errorf("not an SMTP reply: %q", line)
		}
	}
}

// readIMAPLine reads one IMAP response line, literals included: a line
// ending in {n} continues after n octets. The line comes back with each
// literal's octets left out (the marker is followed by a space), and the
// literals in order.
func readIMAPLine(r *bufio.Reader) (string, [][]byte, error) {
	var sb strings.Builder
	var lits [][]byte
	for {
		line, err := readLine(r)
		if err != nil {
			return "", lits, err
		}
		sb.WriteString(line)
		n, ok := literalSize(line)
		if !ok {
			return sb.String(), lits, nil
		}
		if n > maxReplyLine*64 {
			return "", lits, fmt.Errorf("literal of %d octets is too big for a scripted client", n)
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(r, lit); err != nil {
			return "", lits, err
		}
		lits = append(lits, lit)
		sb.WriteString(" ")
	}
}

// literalSize finds a literal marker {n} or {n+} at the end of a line.
func literalSize(line string) (int, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(line[i+1:len(line)-1], "+"))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// readIMAPReply reads untagged lines until the tagged status for tag, or a
// continuation request when wantContinuation is set.
func readIMAPReply(r *bufio.Reader, tag string, wantContinuation bool) (reply, error) {
	var rep reply
	var body bytes.Buffer
	for {
		line, lits, err := readIMAPLine(r)
		if err != nil {
			return rep, err
		}
		for _, l := range lits {
			body.Write(l)
		}
		rep.Lines = append(rep.Lines, line)
		rep.Literals = append(rep.Literals, lits)
		switch {
		case strings.HasPrefix(line, "+"):
			if wantContinuation {
				rep.Status = "+"
				rep.Body = body.Bytes()
				return rep, nil
			}
		case tag != "" && strings.HasPrefix(line, tag+" "):
			status, _, _ := strings.Cut(line[len(tag)+1:], " ")
			rep.Status = strings.ToUpper(status)
			rep.Body = body.Bytes()
			return rep, nil
		case tag == "" && strings.HasPrefix(line, "* "):
			// The greeting: * OK, * PREAUTH or * BYE.
			status, _, _ := strings.Cut(line[2:], " ")
			rep.Status = strings.ToUpper(status)
			return rep, nil
		}
	}
}

// readReply reads the reply to cmd in protocol p.
func readReply(p wire.Protocol, r *bufio.Reader, cmd string) (reply, error) {
	switch p {
	case wire.POP3:
		return readPOP3Reply(r, cmd)
	case wire.SMTP:
		return readSMTPReply(r)
	}
	tag := ""
	if cmd != "" {
		tag, _, _ = strings.Cut(cmd, " ")
	}
	return readIMAPReply(r, tag, false)
}

// dotStuff prepares a message body for SMTP DATA: CRLF line endings, a
// leading "." doubled, and the "." terminator.
func dotStuff(body string) []byte {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.TrimSuffix(body, "\n")
	var b bytes.Buffer
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}
