package wire

import (
	"bytes"
	"strings"
)

// stream modes
const (
	modeLine    = iota // lines up to LF
	modeDot            // a block up to and including a "." line
	modeLiteral        // an IMAP literal of a known octet count
)

// stream is the framing state of one direction.
type stream struct {
	dir  Direction
	mode int

	line    []byte // partial line
	midLine bool   // an earlier piece of this line was emitted cut
	cont    bool   // IMAP: this line continues a command after a literal

	// attribution of the current line, block or literal
	cmd, tag string

	// after the current line ends, the stream enters modeDot (POP3 reply data)
	dotNext bool

	// block or literal in progress
	blk      []byte
	blkLen   int
	blkLines int
	lineLen  int     // octets of the block's current line so far
	head     [2]byte // its first two octets
	remain   uint64  // literal octets still to come
	litSync  bool    // synchronizing literal: the sender waits for "+"
}

type pendingCmd struct {
	verb, tag string
	multi     bool // POP3: a +OK reply carries a block
}

// framer turns the bytes of one connection into units. One framer sees both
// directions. It is guarded by its session's mutex.
type framer struct {
	s       *session
	proto   Protocol
	maxLine int
	maxUnit int
	layer   Layer
	st      [2]stream

	switchAfter bool // TLS starts after the current line ends
	switchNow   bool // TLS starts now: feed stopped right after the exchange

	greeted  bool
	pending  []pendingCmd
	authCont bool // the client's next line answers a SASL challenge

	// IMAP: AUTHENTICATE or IDLE in progress
	imapMode    string
	imapModeTag string
}

func (f *framer) init(s *session, p Protocol, o Options) {
	f.s, f.proto, f.maxLine, f.maxUnit = s, p, o.MaxLineBytes, o.MaxUnitBytes
	f.st[ClientToServer].dir = ClientToServer
	f.st[ServerToClient].dir = ServerToClient
}

// reset forgets the protocol state when TLS starts (RFC 2595, 3207, 9051:
// the client starts over; no new greeting comes).
func (f *framer) reset() {
	for d := range f.st {
		f.st[d] = stream{dir: Direction(d)}
	}
	f.switchAfter, f.switchNow = false, false
	f.greeted = true
	f.pending = nil
	f.authCont = false
	f.imapMode, f.imapModeTag = "", ""
}

// feed frames a prefix of p and returns its length. It stops early only when
// the framer sets switchNow.
func (f *framer) feed(dir Direction, p []byte) int {
	st := &f.st[dir]
	n := 0
	for n < len(p) && !f.switchNow {
		switch st.mode {
		case modeDot:
			n += f.feedDot(st, p[n:])
		case modeLiteral:
			n += f.feedLiteral(st, p[n:])
		default:
			n += f.feedLine(st, p[n:])
		}
	}
	return n
}

func (f *framer) feedLine(st *stream, p []byte) int {
	i := bytes.IndexByte(p, '\n')
	room := f.maxLine - len(st.line)
	if i < 0 || i+1 > room {
		if len(p) < room {
			st.line = append(st.line, p...)
			return len(p)
		}
		st.line = append(st.line, p[:room]...)
		f.linePiece(st, st.line, false)
		st.line = st.line[:0]
		return room
	}
	piece := p[:i+1]
	if len(st.line) > 0 {
		st.line = append(st.line, piece...)
		piece = st.line
	}
	f.linePiece(st, piece, true)
	st.line = st.line[:0]
	return i + 1
}

// linePiece handles a line, or a cut piece of one when complete is false.
func (f *framer) linePiece(st *stream, piece []byte, complete bool) {
	if !st.midLine {
		if st.cont {
			st.cont = false
		} else {
			st.cmd, st.tag = "", ""
			switch f.proto {
			case POP3:
				f.pop3Line(st, piece)
			case SMTP:
				f.smtpLine(st, piece)
			case IMAP:
				f.imapLine(st, piece)
			}
		}
	}
	f.emitLine(st, piece, !complete)
	if !complete {
		st.midLine = true
		return
	}
	st.midLine = false
	if f.proto == IMAP {
		if n, plus, ok := literalMarker(piece); ok {
			st.cont = true
			if n > 0 {
				st.mode = modeLiteral
				st.remain = n
				st.litSync = !plus
				// bounded by maxUnit, never by n: a peer may announce {4294967296}
				st.blk = make([]byte, 0, min(n, uint64(f.maxUnit)))
			}
		}
	}
	if st.dotNext {
		st.dotNext = false
		st.mode = modeDot
		st.lineLen = 0
	}
	if f.switchAfter {
		f.switchAfter = false
		f.switchNow = true
	}
}

func (f *framer) emitLine(st *stream, piece []byte, cut bool) {
	raw := piece
	if len(raw) > f.maxUnit {
		raw = raw[:f.maxUnit]
	}
	raw = bytes.Clone(raw)
	f.s.emit(Unit{
		Dir: st.dir, Layer: f.layer, Kind: Line,
		Text: string(trimEOL(raw)), Raw: raw, Len: len(piece), Lines: 1,
		Command: st.cmd, Tag: st.tag, Cut: cut,
	})
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// addBlock appends seg to the block in progress, keeping at most maxUnit octets.
func (f *framer) addBlock(st *stream, seg []byte) {
	if room := f.maxUnit - len(st.blk); room > 0 {
		if len(seg) < room {
			room = len(seg)
		}
		st.blk = append(st.blk, seg[:room]...)
	}
	st.blkLen += len(seg)
}

func (f *framer) feedDot(st *stream, p []byte) int {
	n := 0
	for n < len(p) {
		q := p[n:]
		i := bytes.IndexByte(q, '\n')
		seg := q
		if i >= 0 {
			seg = q[:i+1]
		}
		f.addBlock(st, seg)
		for j := 0; j < len(seg) && st.lineLen+j < 2; j++ {
			st.head[st.lineLen+j] = seg[j]
		}
		st.lineLen += len(seg)
		n += len(seg)
		if i < 0 {
			continue
		}
		st.blkLines++
		end := st.head[0] == '.' && (st.lineLen == 2 || st.lineLen == 3 && st.head[1] == '\r')
		st.lineLen = 0
		if end {
			f.emitBlock(st, false)
			st.mode = modeLine
			if f.proto == SMTP && st.dir == ClientToServer {
				// the next reply answers the message content
				f.push(pendingCmd{verb: "DATA"})
			}
			break
		}
	}
	return n
}

func (f *framer) feedLiteral(st *stream, p []byte) int {
	k := len(p)
	if uint64(k) > st.remain {
		k = int(st.remain)
	}
	seg := p[:k]
	f.addBlock(st, seg)
	st.blkLines += bytes.Count(seg, []byte("\n"))
	st.lineLen = 0
	if k > 0 && seg[k-1] != '\n' {
		st.lineLen = 1
	}
	st.remain -= uint64(k)
	if st.remain == 0 {
		f.emitBlock(st, false)
		st.mode = modeLine
	}
	return k
}

// emitBlock emits the block in progress (counting a last line without LF)
// and clears it.
func (f *framer) emitBlock(st *stream, cut bool) {
	lines := st.blkLines
	if st.lineLen > 0 {
		lines++
	}
	raw := st.blk
	f.s.emit(Unit{
		Dir: st.dir, Layer: f.layer, Kind: Block,
		Text: strings.ReplaceAll(string(raw), "\r\n", "\n"), Raw: raw, Len: st.blkLen, Lines: lines,
		Command: st.cmd, Tag: st.tag, Cut: cut,
	})
	st.blk, st.blkLen, st.blkLines, st.lineLen, st.remain, st.litSync = nil, 0, 0, 0, 0, false
}

// flush emits partial units as cut ones, at close or when TLS starts.
func (f *framer) flush() {
	for d := range f.st {
		st := &f.st[d]
		switch {
		case st.mode == modeLine && len(st.line) > 0:
			f.linePiece(st, st.line, false)
			st.line = st.line[:0]
		case st.mode != modeLine && st.blkLen > 0:
			f.emitBlock(st, true)
			st.mode = modeLine
		}
	}
	f.switchAfter, f.switchNow = false, false
}

// maxPending bounds the command FIFO: a client that sends commands no
// server answers must not make the tap grow without bound.
const maxPending = 1024

func (f *framer) push(c pendingCmd) {
	if len(f.pending) >= maxPending {
		f.pending = f.pending[1:]
	}
	f.pending = append(f.pending, c)
}

// verb returns the first space-separated token of line, upper-cased, and the rest.
func verb(line []byte) (string, []byte) {
	line = trimEOL(line)
	tok, rest, _ := bytes.Cut(line, []byte(" "))
	return strings.ToUpper(string(tok)), bytes.TrimLeft(rest, " ")
}
