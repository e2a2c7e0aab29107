package wire

import (
	"testing"
)

// FuzzFramer feeds arbitrary bytes in both directions, for each protocol and
// with small limits, and checks that framing never panics, every octet is
// accounted for exactly once, and Raw stays within its cap.
//
// data is a sequence of chunks, each a header byte (bit 0: direction,
// bits 1-7: length) followed by that many bytes.
func FuzzFramer(f *testing.F) {
	seed := func(chunks ...chunk) []byte {
		var b []byte
		for _, c := range chunks {
			for len(c.data) > 0 {
				n := min(len(c.data), 127)
				b = append(b, byte(n<<1)|byte(c.dir))
				b = append(b, c.data[:n]...)
				c.data = c.data[n:]
			}
		}
		return b
	}
	for _, tt := range framingTests {
		f.Add(uint8(0), seed(tt.chunks...))
		f.Add(uint8(1), seed(tt.chunks...))
		f.Add(uint8(2), seed(tt.chunks...))
	}
	f.Add(uint8(0), seed(s2c("+OK\r\n"), c2s("STLS\r\n"), s2c("+OK\r\n"), c2s("\x16\x03\x01\x00\x05hello\x17\x03"), s2c("junk")))
	f.Add(uint8(2), seed(c2s("A1 STARTTLS\r\n"), s2c("A1 OK\r\n\x16\x03\x03\x00\x01x")))
	f.Add(uint8(1), seed(c2s("STARTTLS\r\n"), s2c("220 go\r\n"), c2s("\x15\x03\x03\x00\x02\x01\x00")))

	protos := []Protocol{POP3, SMTP, IMAP}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		const maxUnit = 32
		s, col := newTestSession(t, protos[int(which)%len(protos)], Options{MaxUnitBytes: maxUnit, MaxLineBytes: 16})
		fed := 0
		for len(data) > 0 {
			h := data[0]
			n := min(int(h>>1), len(data)-1)
			s.record(Direction(h&1), false, data[1:1+n])
			fed += n
			data = data[1+n:]
		}
		s.close()
		sum := 0
		for i, u := range col.all() {
			sum += u.Len
			if len(u.Raw) > maxUnit || len(u.Raw) > u.Len || u.Seq != i {
				t.Fatalf("unit %d: len(Raw) %d Len %d Seq %d", i, len(u.Raw), u.Len, u.Seq)
			}
			if u.Len == 0 && u.Kind != Line {
				t.Fatalf("unit %d: empty %v", i, u.Kind)
			}
		}
		if sum != fed {
			t.Fatalf("Len sum %d, fed %d", sum, fed)
		}
	})
}
