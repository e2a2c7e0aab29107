package transcripts

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// pcapng blocks (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html),
// little-endian: a section header, one Ethernet interface, then one
// enhanced packet block per frame.
const (
	blockSHB       = 0x0A0D0D0A
	blockIDB       = 0x00000001
	blockEPB       = 0x00000006
	optEnd         = 0
	optComment     = 1
	optSHBUserAppl = 4
)

// block writes a block: type, total length, body, options, total length.
func (pw *packetWriter) block(typ uint32, body []byte, opts [][2]any) {
	for _, o := range opts {
		v := []byte(o[1].(string))
		body = binary.LittleEndian.AppendUint16(body, o[0].(uint16))
		body = binary.LittleEndian.AppendUint16(body, uint16(len(v)))
		body = append(body, v...)
		body = append(body, make([]byte, pad4(len(v)))...)
	}
	if len(opts) > 0 {
		body = append(body, 0, 0, 0, 0) // opt_endofopt
	}
	n := uint32(12 + len(body))
	b := binary.LittleEndian.AppendUint32(nil, typ)
	b = binary.LittleEndian.AppendUint32(b, n)
	b = append(b, body...)
	b = binary.LittleEndian.AppendUint32(b, n)
	pw.write(b)
}

func pad4(n int) int { return (4 - n%4) % 4 }

func (pw *packetWriter) sectionHeader() {
	var shb []byte
	shb = binary.LittleEndian.AppendUint32(shb, 0x1A2B3C4D) // byte-order magic
	shb = binary.LittleEndian.AppendUint16(shb, 1)          // version 1.0
	shb = binary.LittleEndian.AppendUint16(shb, 0)
	shb = binary.LittleEndian.AppendUint64(shb, ^uint64(0)) // section length: not given
	pw.block(blockSHB, shb, [][2]any{{uint16(optSHBUserAppl), "mailsim"}})
	var idb []byte
	idb = binary.LittleEndian.AppendUint16(idb, linkEthernet)
	idb = binary.LittleEndian.AppendUint16(idb, 0)
	idb = binary.LittleEndian.AppendUint32(idb, 262144) // snaplen
	pw.block(blockIDB, idb, nil)                        // if_tsresol absent: microseconds
}

// enhancedPacket writes a frame, with the pending comment if any.
func (pw *packetWriter) enhancedPacket(ts time.Time, frame []byte) {
	us := uint64(ts.UnixMicro())
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0) // interface 0
	b = binary.LittleEndian.AppendUint32(b, uint32(us>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(us))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(frame)))
	b = append(b, frame...)
	b = append(b, make([]byte, pad4(len(frame)))...)
	var opts [][2]any
	if pw.comment != "" {
		opts = append(opts, [2]any{uint16(optComment), pw.comment})
		pw.comment = ""
	}
	pw.block(blockEPB, b, opts)
}

// captureNotes are the comments of a pcapng capture, by event.
type captureNotes struct {
	byEvent map[int]string
}

// newCaptureNotes writes the comments: a step's marker goes on the first
// packet after it (with the markers of steps before it that sent
// nothing), with the comment of that packet's event.
func newCaptureNotes(t *Transcript, o ExportOptions) *captureNotes {
	lang := o.lang(t)
	tr := func(x i18n.Text) string { return oneLine(strings.TrimSpace(x.In(lang))) }
	steps := t.Heading().Steps
	n := &captureNotes{byEvent: map[int]string{}}
	pending := ""
	for i := range t.Events {
		e := &t.Events[i]
		var parts []string
		switch e.Kind {
		case events.EventStep:
			title := tr(e.Title)
			if title != "" {
				title = " · " + title
			}
			if pending != "" { // a step with nothing on the wire: its marker goes with the next
				pending += "\n"
			}
			pending += i18n.Wordf(lang, "Step %d/%d%s", e.Step+1, steps, title)
			continue
		case events.EventCheck:
			if e.Conn == 0 {
				continue // a check of the state: nothing of it crossed the wire
			}
			// The exchanges a repeated send sums up crossed the wire but
			// are not in the capture: the comment on the packet after the
			// gap says so.
			if pending != "" {
				pending += "\n"
			}
			pending += tr(e.Text) + ". " + i18n.Word(lang, "They are not in this capture, which holds the exchanges the transcript shows.")
			continue
		case events.EventConnect:
			tls := i18n.Word(lang, "plain text")
			if e.Role.ImplicitTLS() {
				tls = i18n.Word(lang, "TLS from the first byte")
			}
			parts = append(parts, fmt.Sprintf("%s ⇄ %s (%s, %s)", e.Actor, e.Host, strings.ToUpper(string(e.Protocol)), tls))
		case events.EventWire:
			if e.Unit.Layer == wire.Inner {
				continue // not in the capture: the record that carried it is
			}
			if note := tr(e.Note); note != "" {
				parts = append(parts, note)
			} else if e.Gloss != nil {
				if g := tr(e.Gloss.Text); g != "" {
					parts = append(parts, g)
				}
			}
		default:
			continue
		}
		if pending != "" {
			parts = append([]string{pending}, parts...)
			pending = ""
		}
		if len(parts) > 0 {
			n.byEvent[i] = textsafe.Visible(strings.Join(parts, "\n"))
		}
	}
	return n
}

// of is event i's comment; "" for none (and for a pcap, which has none).
func (n *captureNotes) of(i int) string {
	if n == nil {
		return ""
	}
	return n.byEvent[i]
}
