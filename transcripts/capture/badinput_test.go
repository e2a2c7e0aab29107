package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"mailsim/sim/events"
	"mailsim/transcripts"
)

func importErr(t *testing.T, data []byte, o Options) string {
	t.Helper()
	o.Name = "x.pcap"
	tr, _, err := Import(bytes.NewReader(data), o)
	if err == nil {
		t.Fatalf("imported %d events; want an error", len(tr.Events))
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("%T %v; want a *capture.Error", err, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "x.pcap: ") {
		t.Errorf("%q: want one line that starts with the file", msg)
	}
	return msg
}

func TestBadFilesGetOneLineSayingWhatIsWrong(t *testing.T) {
	var http bytes.Buffer
	s := newSynth(&http)
	c := s.conn("10.1.0.1", 50000, "10.1.0.2", 80)
	c.say(true, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
	c.say(false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
	c.close()
	c2 := s.conn("10.1.0.1", 50001, "10.1.0.2", 443)
	c2.say(true, "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00")
	c2.close()
	// a pcap header whose link type is USER0 (147)
	user0 := append([]byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0}, 147, 0, 0, 0)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"an empty file", nil, "too short to be a capture"},
		{"a text file", []byte("From: alice\r\nSubject: not a capture\r\n"), "not a pcap or pcapng capture"},
		{"a transcript", []byte("mailsim-transcript: 1\n"), "not a pcap or pcapng capture"},
		{"a pcap header cut short", user0[:10], "not a readable pcap file"},
		{"a pcapng header cut short", []byte{0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0, 0}, "not a readable pcapng file"},
		{"an unknown link type", user0, "link type 147"},
		{"web and TLS traffic, no mail", http.Bytes(), "no POP3, IMAP or SMTP session found (15 packets, 2 TCP connections)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if msg := importErr(t, tc.data, Options{}); !strings.Contains(msg, tc.want) {
				t.Errorf("%q; want it to say %q", msg, tc.want)
			}
		})
	}
}

// A capture cut in the middle of a packet (tcpdump killed, a download
// stopped) imports what came before the cut and says where it stops; cut
// at any octet, it never panics.
func TestATruncatedCaptureImportsWhatCameBeforeTheCut(t *testing.T) {
	var b bytes.Buffer
	s := newSynth(&b)
	pop3Session(s.conn("10.1.0.1", 50000, "10.1.0.2", 110))
	whole, _ := importBytes(t, b.Bytes(), Options{})
	data := b.Bytes()[:b.Len()-30] // inside the last packet
	tr, rep := importBytes(t, data, Options{})
	if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "the capture is cut short in packet 15") {
		t.Errorf("notes %q; want one saying the capture is cut short in packet 21", rep.Notes)
	}
	if got, want := wireView(tr, false, nil), wireView(whole, false, nil); got != want {
		t.Errorf("cut in the final ACK, the import differs:\n%s", diff(want, got))
	}
	for n := 0; n < len(data); n += 7 {
		Import(bytes.NewReader(data[:n]), Options{}) // must not panic
	}
}

// Segments that arrive out of order, and segments sent twice
// (retransmissions, also overlapping ones), are put back in order once:
// the transcript is the same as from the clean capture.
func TestOutOfOrderAndRetransmittedSegmentsGiveTheSameTranscript(t *testing.T) {
	orig := recordLesson(t, "pop-vs-imap")
	var clean bytes.Buffer
	if _, err := transcripts.PCAP(&clean, orig); err != nil {
		t.Fatal(err)
	}
	want, _ := importBytes(t, clean.Bytes(), Options{})
	header, pk := pcapPackets(t, clean.Bytes())
	payload := func(p []byte) int { return len(p) - 16 - 14 - 20 - 20 }
	// the addresses and ports: the same for two segments of one direction
	// of one connection
	way := func(p []byte) string { return string(p[16+14+12 : 16+14+24]) }
	var messy [][]byte
	swapped, resent := 0, 0
	for i := 0; i < len(pk); i++ {
		// swap two neighbouring data segments of one direction; send
		// every fifth data segment again three packets later
		if i+1 < len(pk) && payload(pk[i]) > 0 && payload(pk[i+1]) > 0 && way(pk[i]) == way(pk[i+1]) {
			messy = append(messy, pk[i+1], pk[i])
			swapped++
			i++
			continue
		}
		messy = append(messy, pk[i])
		if payload(pk[i]) > 0 && i%5 == 0 && i+3 < len(pk) {
			pk = append(pk[:i+3], append([][]byte{pk[i]}, pk[i+3:]...)...)
			resent++
		}
	}
	if swapped < 5 || resent < 5 {
		t.Fatalf("only %d swaps and %d retransmissions: the test does not test", swapped, resent)
	}
	got, _ := importBytes(t, joinPackets(header, messy), Options{})
	if g, w := wireView(got, false, nil), wireView(want, false, nil); g != w {
		t.Errorf("%d swaps, %d retransmissions: the import differs from the clean capture's:\n%s", swapped, resent, diff(w, g))
	}
}

// TLS from the first byte on a port that does not name a mail protocol
// cannot be told without keys: it is left out, with a note saying that
// --keylog lets mailsim look inside.
func TestTLSOnAnUnknownPortWithoutKeysIsLeftOutWithANote(t *testing.T) {
	var b bytes.Buffer
	s := newSynth(&b)
	c := s.conn("10.1.0.1", 50001, "10.1.0.2", 8443)
	c.say(true, "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00")
	c.close()
	pop3Session(s.conn("10.1.0.1", 50002, "10.1.0.2", 110))
	tr, rep := importBytes(t, b.Bytes(), Options{})
	if rep.Sessions != 1 || len(tr.Actors) != 1 || !hasNote(rep.Notes, "1 TLS connections on ports other than 993, 995 and 465 left out: with --keylog") {
		t.Errorf("%d sessions, notes %q", rep.Sessions, rep.Notes)
	}
}

// The same session captured on other links: raw IP (link types 101 and
// 228, as some VPN interfaces give), BSD loopback (0, macOS lo0: a 4-octet
// address family), and Linux cooked (113, tcpdump -i any) imports as from
// Ethernet.
func TestEveryLinkTypeMailsimReadsGivesTheSameTranscript(t *testing.T) {
	var eth bytes.Buffer
	pop3Session(newSynth(&eth).conn("10.1.0.1", 50000, "10.1.0.2", 110))
	want, _ := importBytes(t, eth.Bytes(), Options{})
	header, pk := pcapPackets(t, eth.Bytes())
	for _, tc := range []struct {
		link   uint32
		header func(eth []byte) []byte // the link header that replaces Ethernet's 14 octets
	}{
		{101, func([]byte) []byte { return nil }},
		{228, func([]byte) []byte { return nil }},
		{0, func([]byte) []byte { return []byte{2, 0, 0, 0} }}, // AF_INET, host order (little endian)
		{113, func(e []byte) []byte { // packet type, ARPHRD_ETHER, address length, address, protocol
			return append([]byte{0, 0, 0, 1, 0, 6}, append(append(bytes.Clone(e[6:12]), 0, 0), 0x08, 0x00)...)
		}},
	} {
		t.Run(fmt.Sprint("link type ", tc.link), func(t *testing.T) {
			h := bytes.Clone(header)
			binary.LittleEndian.PutUint32(h[20:], tc.link)
			var out [][]byte
			for _, p := range pk {
				frame := append(tc.header(p[16:30]), p[30:]...)
				rec := append(bytes.Clone(p[:16]), frame...)
				binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
				binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
				out = append(out, rec)
			}
			got, _ := importBytes(t, joinPackets(h, out), Options{})
			if g, w := wireView(got, false, nil), wireView(want, false, nil); g != w {
				t.Errorf("differs from the Ethernet capture:\n%s", diff(w, g))
			}
		})
	}
}

// A capture started in the middle of a session (no SYN, no greeting) is
// still found: by the server's first reply, or by the client's first
// command when the server has said nothing yet.
func TestACaptureStartedMidSessionIsStillFound(t *testing.T) {
	var b bytes.Buffer
	pop3Session(newSynth(&b).conn("10.1.0.1", 50000, "10.1.0.2", 110))
	header, pk := pcapPackets(t, b.Bytes())
	for _, tc := range []struct {
		skip  int    // packets the capture missed
		first string // the first unit it sees
	}{
		{4, "C USER alice"}, // handshake and greeting missed: the client's command tells
		{5, "S +OK"},        // the server's reply tells
		{10, "C QUIT"},      // only the end
		{11, "S +OK bye"},
	} {
		tr, rep := importBytes(t, joinPackets(header, pk[tc.skip:]), Options{})
		var first string
		for _, e := range tr.Events {
			if e.Kind == events.EventWire {
				first = e.Unit.Dir.String() + " " + e.Unit.Text
				break
			}
		}
		if rep.Sessions != 1 || tr.Events[0].Protocol != "pop3" || first != tc.first {
			t.Errorf("missing %d packets: %d sessions, protocol %q, first unit %q; want 1, pop3, %q", tc.skip, rep.Sessions, tr.Events[0].Protocol, first, tc.first)
		}
	}
}
