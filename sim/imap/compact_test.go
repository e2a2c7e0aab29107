package imap

import (
	"bytes"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"

	"mailsim/sim/loadgen"
)

// expanded is the encoding e keeps for a connection, nil if none.
func expanded(e encodedItem, quotedUTF8 bool) []byte {
	out, ok := e.appendTo(nil, quotedUTF8)
	if !ok {
		return nil
	}
	return out
}

// TestCompactItemGivesTheEncodingBack: whatever the encoding holds
// (escapes, literals, repeats, parentheses in strings), expanding its
// compact form gives it back octet for octet.
func TestCompactItemGivesTheEncodingBack(t *testing.T) {
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
		var ls lists
		code := compactItem([]byte(enc), &ls)
		if got := expandItem(nil, code, &ls); string(got) != enc {
			t.Errorf("%q: expanded to %q", enc, got)
		}
	}
}

// TestCompactEnvelopeIsSmaller: a benchmark message's envelope (the
// shared-mailbox workload's), whose From, Sender and Reply-To are the
// same, keeps in at most 45% of its encoded size (117 of 277 octets),
// and another message's envelope with the same lists shares
// them.
func TestCompactEnvelopeIsSmaller(t *testing.T) {
	raw := loadgen.SeedMessage(12345)
	enc := imapserver.EncodeEnvelope(parseEnvelope(raw), false)
	var ls lists
	code := compactItem(enc, &ls)
	t.Logf("envelope %d octets, kept in %d", len(enc), len(code))
	if len(code) > len(enc)*45/100 {
		t.Errorf("envelope of %d octets kept in %d, want at most 45%%", len(enc), len(code))
	}
	if got := expandItem(nil, code, &ls); !bytes.Equal(got, enc) {
		t.Errorf("expanded to %q, want %q", got, enc)
	}
	var other lists
	compactItem(imapserver.EncodeEnvelope(parseEnvelope(loadgen.SeedMessage(12345+17)), false), &other)
	if other != ls {
		t.Errorf("two envelopes with the same From and To lists do not share them: %v, %v", other, ls)
	}
}

func FuzzCompactItem(f *testing.F) {
	f.Add([]byte(`("Ann" NIL "ann" "example.org")`))
	f.Add([]byte(`"a\"b" "ann@"`))
	f.Add([]byte(`(("a)" NIL "b")) (("a)" NIL "b")) ("a)`))
	f.Add([]byte(`(("A" NIL "a" "b")) (("A" NIL "a" "b")) (("C" NIL "c" "d")) (("E" NIL "e" "f")) ((NIL NIL "{" ")"))`))
	f.Fuzz(func(t *testing.T, enc []byte) {
		var ls lists
		code := compactItem(enc, &ls)
		if got := expandItem(nil, code, &ls); !bytes.Equal(got, enc) {
			t.Fatalf("compactItem(%q) expands to %q", enc, got)
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
		var ls lists
		code := compactItem(enc, &ls)
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.20q...: %v to compact", enc, d)
		}
		if got := expandItem(nil, code, &ls); !bytes.Equal(got, enc) {
			t.Errorf("%.20q...: does not expand back", enc)
		}
	}
}

// BenchmarkExpandEnvelope is the cost FETCH ENVELOPE pays per message for
// the compact form: expanding a benchmark message's envelope.
func BenchmarkExpandEnvelope(b *testing.B) {
	raw := loadgen.SeedMessage(12345)
	var ls lists
	code := compactItem(imapserver.EncodeEnvelope(parseEnvelope(raw), false), &ls)
	var dst []byte
	for b.Loop() {
		dst = expandItem(dst[:0], code, &ls)
	}
}
