package capture

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"mailsim/sim/events"
	"mailsim/transcripts"
)

func closeTexts(t *transcripts.Transcript) []string {
	var out []string
	for _, e := range t.Events {
		if e.Kind == events.EventClose {
			out = append(out, e.Text.In("en"))
		}
	}
	return out
}

func hasNote(notes []string, want string) bool {
	for _, n := range notes {
		if strings.Contains(n, want) {
			return true
		}
	}
	return false
}

func TestEveryLimitLeavesOutWhatIsOverItAndSaysSo(t *testing.T) {
	// three POP3 sessions, one after the other, from three clients
	var seq bytes.Buffer
	s := newSynth(&seq)
	for i := 1; i <= 3; i++ {
		pop3Session(s.conn(fmt.Sprintf("10.1.0.%d", i), 50000, "10.1.0.100", 110))
	}
	// three at once: all open until every one has spoken
	var par bytes.Buffer
	s = newSynth(&par)
	var cs []*tcpConv
	for i := 1; i <= 3; i++ {
		cs = append(cs, s.conn(fmt.Sprintf("10.1.0.%d", i), 50000, "10.1.0.100", 110))
	}
	for _, c := range cs {
		c.say(false, "+OK POP3 ready\r\n")
	}
	for _, c := range cs {
		c.say(true, "QUIT\r\n")
		c.say(false, "+OK bye\r\n")
	}
	for _, c := range cs {
		c.close()
	}

	t.Run("sessions", func(t *testing.T) {
		tr, rep := importBytes(t, seq.Bytes(), Options{Limits: Limits{Sessions: 2}})
		if rep.Sessions != 2 || len(tr.Actors) != 2 || !hasNote(rep.Notes, "1 mail sessions left out: a transcript holds at most 2 (limit)") {
			t.Errorf("%d sessions, %d actors, notes %q", rep.Sessions, len(tr.Actors), rep.Notes)
		}
	})
	t.Run("streams", func(t *testing.T) {
		tr, rep := importBytes(t, par.Bytes(), Options{Limits: Limits{Streams: 2}})
		if rep.Sessions != 2 || len(tr.Actors) != 2 || !hasNote(rep.Notes, "more than 2 connections were open at once (limit)") {
			t.Errorf("%d sessions, %d actors, notes %q", rep.Sessions, len(tr.Actors), rep.Notes)
		}
		// once they close, a new connection is followed again
		tr, rep = importBytes(t, seq.Bytes(), Options{Limits: Limits{Streams: 1}})
		if rep.Sessions != 3 || len(rep.Notes) != 0 {
			t.Errorf("one at a time under Streams 1: %d sessions, notes %q", rep.Sessions, rep.Notes)
		}
	})
	t.Run("octets per session", func(t *testing.T) {
		tr, rep := importBytes(t, seq.Bytes(), Options{Limits: Limits{SessionBytes: 40}})
		closes := closeTexts(tr)
		if rep.Sessions != 3 || len(closes) != 3 || closes[0] != "cut: mailsim imports at most 40 octets of one session (limit)" {
			t.Errorf("%d sessions, closes %q", rep.Sessions, closes)
		}
		for _, e := range tr.Events {
			if e.Kind == events.EventWire && strings.HasPrefix(e.Unit.Text, "RETR") {
				t.Errorf("%q is past the first 40 octets", e.Unit.Text)
			}
		}
	})
	t.Run("octets in all", func(t *testing.T) {
		tr, rep := importBytes(t, seq.Bytes(), Options{Limits: Limits{TotalBytes: 100}})
		n := 0
		for _, e := range tr.Events {
			if e.Kind == events.EventWire {
				n += e.Unit.Len
			}
		}
		if n > 100 || n < 50 || !hasNote(rep.Notes, "imported the first 100 octets of mail traffic only (limit)") {
			t.Errorf("%d octets imported, notes %q", n, rep.Notes)
		}
	})
}

// hugeCapture streams a capture of one POP3 session that downloads a
// message of about size octets, made as it is read: nothing is written
// to disk and the capture is never whole in memory.
func hugeCapture(size int64) (io.Reader, int) {
	pr, pw := io.Pipe()
	packets := 0
	go func() {
		s := newSynth(pw)
		c := s.conn("10.1.0.1", 50000, "10.1.0.2", 110)
		c.say(false, "+OK POP3 ready\r\n")
		c.say(true, "RETR 1\r\n")
		c.say(false, fmt.Sprintf("+OK %d octets\r\n", size))
		line := strings.Repeat("All work and no play makes Jack a dull boy. ", 40)[:1458] + "\r\n"
		// one frame, its sequence number patched for each segment (the
		// importer does not check TCP checksums, as Wireshark does not)
		frame := c.frame(false, layers.TCP{ACK: true, PSH: true}, []byte(line))
		seqAt := 14 + 20 + 4
		for sent := int64(0); sent < size && s.err == nil; sent += int64(len(line)) {
			seq := c.srvSeq
			frame[seqAt], frame[seqAt+1], frame[seqAt+2], frame[seqAt+3] = byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
			s.packet(frame)
			c.srvSeq += uint32(len(line))
			packets++
		}
		c.say(false, ".\r\n")
		c.say(true, "QUIT\r\n")
		c.say(false, "+OK bye\r\n")
		c.close()
		pw.CloseWithError(s.err)
	}()
	return pr, packets
}

// A 1 GB capture is read as a stream in bounded memory: the session is
// imported up to the per-session limit and marked cut, and the heap never
// holds more than a small multiple of that limit.
func TestAOneGigabyteCaptureIsStreamedInBoundedMemory(t *testing.T) {
	size := int64(1 << 30)
	if raceEnabled || testing.Short() {
		size = 256 << 20 // the race detector makes every packet ~10x slower
	}
	r, _ := hugeCapture(size)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}()
	start := time.Now()
	tr, rep, err := Import(r, Options{})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("%d MiB capture, %d packets: %v, heap in use at most %d MiB", size>>20, rep.Packets, took.Round(time.Millisecond), peak.Load()>>20)
	if want := int(size/1460) + 20; rep.Packets < want-10 || rep.Packets > want+10 {
		t.Errorf("%d packets read; want about %d", rep.Packets, want)
	}
	if closes := closeTexts(tr); len(closes) != 1 || !strings.HasPrefix(closes[0], "cut: mailsim imports at most 16 MiB") {
		t.Errorf("closes %q; want the session cut at 16 MiB", closes)
	}
	if peak.Load() > 96<<20 {
		t.Errorf("the heap held %d MiB at its peak; want it bounded by the limits (under 96 MiB)", peak.Load()>>20)
	}
}

// A pcapng may declare a packet of any size (its snap length 0 means no
// limit); one packet over SnapLen plus 1 MiB stops the read there.
func TestAPacketLargerThanTheSnapLengthStopsTheRead(t *testing.T) {
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&b, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, SnapLength: 0}, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var small bytes.Buffer
	pop3Session(newSynth(&small).conn("10.1.0.1", 50000, "10.1.0.2", 110))
	_, pk := pcapPackets(t, small.Bytes())
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, p := range pk {
		frame := p[16:]
		if i == 8 { // after the greeting, USER and PASS: a 3 MiB frame
			frame = append(bytes.Clone(frame), make([]byte, 3<<20)...)
		}
		w.WritePacket(gopacket.CaptureInfo{Timestamp: at.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}, frame)
	}
	w.Flush()
	_, rep := importBytes(t, b.Bytes(), Options{Limits: Limits{SnapLen: 64 << 10}})
	if !hasNote(rep.Notes, "packet 9 is larger than 1114112 octets, the most mailsim reads") {
		t.Errorf("notes %q; want packet 9 refused as too large", rep.Notes)
	}
	if rep.Packets != 8 {
		t.Errorf("%d packets read; want the 8 before the large one", rep.Packets)
	}
}
