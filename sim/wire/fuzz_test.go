package wire

import (
	"bytes"
	"crypto/tls"
	"strings"
	"testing"
	"time"
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
			if u.Len == 0 && u.Kind != Line && !(u.Kind == Record && u.Cut && strings.Contains(u.Text, Undecrypted)) {
				t.Fatalf("unit %d: empty %v", i, u.Kind)
			}
		}
		if sum != fed {
			t.Fatalf("Len sum %d, fed %d", sum, fed)
		}
	})
}

// FuzzTLSDecrypter feeds arbitrary TLS records to a decrypter whose key log
// holds secrets for the all-zero client random, so that hellos, key
// derivation and record opening all see hostile input: it must never
// panic, and never yield plaintext from records that do not authenticate.
//
// data is a sequence of records, each a header byte (bit 0: direction,
// bits 1-7: payload length) and a content type byte, then the payload.
func FuzzTLSDecrypter(f *testing.F) {
	hello := func(typ byte, version uint16, suite uint16) []byte {
		b := []byte{typ, 0, 0, 70, 3, 3}
		b = append(b, make([]byte, 32)...) // random: zeros
		b = append(b, 0, byte(suite>>8), byte(suite), 0, 0, 6, 0, 43, 0, 2, byte(version>>8), byte(version))
		return b
	}
	rec := func(dir byte, typ byte, payload []byte) []byte {
		return append([]byte{byte(len(payload))<<1 | dir, typ}, payload...)
	}
	for _, v := range []struct{ version, suite uint16 }{
		{tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256}, {tls.VersionTLS13, tls.TLS_CHACHA20_POLY1305_SHA256},
		{tls.VersionTLS13, tls.TLS_AES_256_GCM_SHA384}, {tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, {tls.VersionTLS12, 0x002f},
	} {
		var seed []byte
		seed = append(seed, rec(0, recHandshake, hello(1, v.version, v.suite)[:60])...)
		seed = append(seed, rec(1, recHandshake, hello(2, v.version, v.suite))...)
		seed = append(seed, rec(0, recChangeCipherSpec, []byte{1})...)
		seed = append(seed, rec(1, recChangeCipherSpec, []byte{1})...)
		seed = append(seed, rec(1, recApplicationData, bytes.Repeat([]byte{7}, 40))...)
		seed = append(seed, rec(0, recApplicationData, bytes.Repeat([]byte{9}, 30))...)
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kl := newKeyLog(func() (z time.Time) { return })
		zero := strings.Repeat("00", 32)
		secret := strings.Repeat("ab", 48)
		for _, l := range []string{"CLIENT_RANDOM", "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"} {
			kl.Write([]byte(l + " " + zero + " " + secret + "\n"))
		}
		var d tlsDecrypter
		for len(data) >= 2 {
			h, typ := data[0], data[1]
			n := min(int(h>>1), len(data)-2)
			r := append([]byte{typ, 3, 3, byte(n >> 8), byte(n)}, data[2:2+n]...)
			out, _ := d.take(kl, Direction(h&1), r, true)
			for _, o := range out {
				t.Fatalf("plaintext %q from records nobody encrypted", o.p)
			}
			data = data[2+n:]
		}
		d.retry(kl, nil)
	})
}
