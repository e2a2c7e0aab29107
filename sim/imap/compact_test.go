package imap

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"

	"mailsim/sim/loadgen"
)

// expanded is the encoding e keeps for a connection, nil if none.
func expanded(e encodedItem, raw []byte, quotedUTF8 bool) []byte {
	out, ok := e.appendTo(nil, raw, quotedUTF8)
	if !ok {
		return nil
	}
	return out
}

// TestCompactItemGivesTheEncodingBack: whatever the encoding holds
// (escapes, literals, strings not in the header, strings in the body
// only), expanding its compact form gives it back octet for octet.
func TestCompactItemGivesTheEncodingBack(t *testing.T) {
	raw := []byte("From: Ann <ann@example.org>\r\nSubject: say \"hi\" \\ there\r\n\r\nbody only text\r\n")
	for _, enc := range []string{
		``,
		`NIL`,
		`("Ann" NIL "ann" "example.org")`,
		`("say \"hi\" \\ there" "Subject")`,
		`("" "a" "ann" "ann")`,
		"({13}\r\nSubject: \"say \"hi\" \"example.org\")",
		`("body only text" "unterminated`,
		`"\`,
		`(("Ann" NIL "ann" "example.org")) (("Ann" NIL "ann" "example.org")) (("Ann" NIL "x"))`,
		`(("a)" "b") "c") (("a)" "b") "d")`,
		`((((((((((((((((`,
	} {
		code := compactItem([]byte(enc), raw)
		if got := expandItem(nil, code, raw); string(got) != enc {
			t.Errorf("%q: expanded to %q", enc, got)
		}
	}
}

// TestCompactEnvelopeIsSmall: a benchmark message's envelope (the
// shared-mailbox workload's) keeps in at most a fifth of its encoded
// size (42 of 277 octets).
func TestCompactEnvelopeIsSmall(t *testing.T) {
	raw := loadgen.SeedMessage(12345)
	enc := imapserver.EncodeEnvelope(parseEnvelope(raw), false)
	code := compactItem(enc, raw)
	t.Logf("envelope %d octets, kept in %d", len(enc), len(code))
	if len(code) > len(enc)/5 {
		t.Errorf("envelope of %d octets kept in %d, want at most a fifth", len(enc), len(code))
	}
	if got := expandItem(nil, code, raw); !bytes.Equal(got, enc) {
		t.Errorf("expanded to %q, want %q", got, enc)
	}
}

func FuzzCompactItem(f *testing.F) {
	f.Add([]byte(`("Ann" NIL "ann" "example.org")`), []byte("From: Ann <ann@example.org>\r\n\r\n"))
	f.Add([]byte(`"a\"b" "ann@"`), []byte("X: a\"b ann@\r\n\r\n"))
	f.Add([]byte(`(("a)" NIL "b")) (("a)" NIL "b")) ("a)`), []byte("\r\n"))
	f.Fuzz(func(t *testing.T, enc, raw []byte) {
		code := compactItem(enc, raw)
		if got := expandItem(nil, code, raw); !bytes.Equal(got, enc) {
			t.Fatalf("compactItem(%q, %q) expands to %q", enc, raw, got)
		}
	})
}

// TestCompactItemOfManyListsIsQuick: an item of the largest size kept,
// all parentheses and repeats, compacts in well under a second.
func TestCompactItemOfManyListsIsQuick(t *testing.T) {
	for _, enc := range [][]byte{
		bytes.Repeat([]byte("("), MaxEncodedItem),
		bytes.Repeat([]byte(`(("x" NIL "y" "z")) `), MaxEncodedItem/20),
	} {
		start := time.Now()
		code := compactItem(enc, []byte("x: y\r\n\r\n"))
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.20q...: %v to compact", enc, d)
		}
		if got := expandItem(nil, code, nil); !bytes.Equal(got, enc) {
			t.Errorf("%.20q...: does not expand back", enc)
		}
	}
}
