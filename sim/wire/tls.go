package wire

import (
	"encoding/binary"
	"fmt"
)

// maxRecordLen is the largest TLSCiphertext fragment (RFC 5246 6.2.3).
const maxRecordLen = 1<<14 + 2048

// recordParser summarises TLS records (RFC 8446 5.1) in one direction.
type recordParser struct {
	hdr    [5]byte
	nhdr   int
	remain int
	raw    []byte
	total  int
}

var contentTypes = map[byte]string{
	20: "change cipher spec",
	21: "alert",
	22: "handshake",
	23: "application data",
	24: "heartbeat",
}

func validHeader(h [5]byte) bool {
	_, ok := contentTypes[h[0]]
	return ok && h[1] == 3 && h[2] <= 4 && int(binary.BigEndian.Uint16(h[3:])) <= maxRecordLen
}

// feed consumes all of p. The caller holds s.mu. Bytes that do not start a
// valid record header are summarised, with the rest of p, as "[not TLS, N bytes]".
func (rp *recordParser) feed(s *session, dir Direction, p []byte) {
	max := s.r.opt.MaxUnitBytes
	for len(p) > 0 {
		if rp.nhdr < 5 {
			k := copy(rp.hdr[rp.nhdr:], p)
			rp.nhdr += k
			p = p[k:]
			if rp.nhdr < 5 {
				return
			}
			if !validHeader(rp.hdr) {
				rp.raw = append(rp.raw[:0], rp.hdr[:]...)
				rp.total = 5
				rp.add(p, max)
				rp.emit(s, dir, fmt.Sprintf("[not TLS, %d bytes]", rp.total), false)
				return
			}
			rp.remain = int(binary.BigEndian.Uint16(rp.hdr[3:]))
			rp.raw = append(rp.raw[:0], rp.hdr[:]...)
			rp.total = 5
		}
		k := min(rp.remain, len(p))
		rp.add(p[:k], max)
		rp.remain -= k
		p = p[k:]
		if rp.remain == 0 {
			plain, why := s.openLocked(dir, rp.raw, rp.total)
			text := fmt.Sprintf("[TLS %s, %d bytes]", contentTypes[rp.hdr[0]], rp.total-5)
			if why != "" {
				text = fmt.Sprintf("[TLS %s, %d bytes, %s: %s]", contentTypes[rp.hdr[0]], rp.total-5, Undecrypted, why)
			}
			rp.emit(s, dir, text, false)
			for _, o := range plain {
				s.frameInnerLocked(o.dir, o.p)
			}
		}
	}
}

func (rp *recordParser) add(p []byte, max int) {
	if room := max - len(rp.raw); room > 0 {
		rp.raw = append(rp.raw, p[:min(room, len(p))]...)
	}
	rp.total += len(p)
}

func (rp *recordParser) emit(s *session, dir Direction, text string, cut bool) {
	raw := rp.raw
	if len(raw) > s.r.opt.MaxUnitBytes {
		raw = raw[:s.r.opt.MaxUnitBytes]
	}
	s.emit(Unit{Dir: dir, Layer: Cipher, Kind: Record, Text: text, Raw: raw, Len: rp.total, Cut: cut})
	rp.raw, rp.total, rp.nhdr, rp.remain = nil, 0, 0, 0
}

// flush emits a partial record as a cut one. The caller holds s.mu.
func (rp *recordParser) flush(s *session, dir Direction) {
	switch {
	case rp.nhdr == 0:
	case rp.nhdr < 5:
		rp.raw = append(rp.raw[:0], rp.hdr[:rp.nhdr]...)
		rp.total = rp.nhdr
		rp.emit(s, dir, fmt.Sprintf("[partial TLS record header, %d bytes]", rp.total), true)
	default:
		n := int(binary.BigEndian.Uint16(rp.hdr[3:]))
		rp.emit(s, dir, fmt.Sprintf("[TLS %s, %d bytes, cut after %d]", contentTypes[rp.hdr[0]], n, rp.total-5), true)
	}
}
