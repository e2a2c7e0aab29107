package imap

import (
	"bufio"
	"bytes"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"

	"mailsim/sim/mailstore"
)

var dateInputs = []string{
	"",
	"Wed, 25 Nov 2026 09:00:00 +0700",
	"Wed, 5 Nov 2026 09:00:00 -0000",
	"5 Nov 2026 09:00:00 +0130",
	"25 Nov 2026 09:00 +0700",
	"Wed, 25 Nov 2026 09:00:00 +0700 (ICT)",
	"Wed, 25 Nov 26 09:00:00 GMT",
	"Wed, 25 Nov 2026 09:00:00 UT",
	" Wed, 25 Nov 2026 09:00:00 +0700",
	"Wed, 25 Nov 2026 09:00:00 +0700 ",
	"Wed,\r\n 25 Nov 2026 09:00:00 +0700",
	"Wed, 25 Nov 2026 09:00:00 +07:0",
	"Wed, 32 Nov 2026 09:00:00 +0700",
	"Foo, 25 Nov 2026 09:00:00 +0700",
	"25-Nov-2026 09:00:00 -0700",
	"yesterday",
	"+0700",
	"Wed, 25 Nov 2026 25:00:00 +0700",
}

// TestParseDateMatchesNetMail: the fast path gives what go-message's
// Header.Date (net/mail.ParseDate, zero time on error) gives.
func TestParseDateMatchesNetMail(t *testing.T) {
	for _, in := range dateInputs {
		want, err := mail.ParseDate(in)
		if err != nil {
			want = time.Time{}
		}
		if got := parseDate(in); !got.Equal(want) || got.Location().String() != want.Location().String() {
			t.Errorf("parseDate(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, in := range dateInputs {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		want, err := mail.ParseDate(in)
		if err != nil {
			want = time.Time{}
		}
		if got := parseDate(in); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", in, got, want)
		}
	})
}

// TestEnvelopeAndStructureMatchGoIMAP: what FETCH keeps with the message
// is what go-imap's extractors and writers make from the raw octets, in
// both encodings (with and without UTF-8 in quoted strings).
func TestEnvelopeAndStructureMatchGoIMAP(t *testing.T) {
	raws := [][]byte{testMessage(1), testMessage(2),
		[]byte("Subject: no date\r\n\r\nbody\r\n"),
		[]byte("\r\nno header\r\n"),
		[]byte("Subject: no body"),
		[]byte("Date: Wed, 25 Nov 26 09:00:00 GMT (comment)\r\nFrom: a@b.c, Dee <d@e.f>\r\n\r\nx\r\n"),
		[]byte("From: =?utf-8?q?D=C5=A9ng?= <d\xc5\xa9ng@v\xc3\xad-d\xe1\xbb\xa5.vn>\r\nSubject: Ti\xe1\xba\xbfng Vi\xe1\xbb\x87t\r\n\r\nx\r\n"),
	}
	st := mailstore.New(mailstore.Options{})
	must(t, st.AddUser("u", "pw"))
	for _, raw := range raws {
		uid, err := st.Deliver("u", raw)
		must(t, err)
		m, err := st.Message("u", mailstore.Inbox, uid)
		must(t, err)
		env := &imap.Envelope{} // as before: an unreadable header has an empty envelope
		if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(m.Raw))); err == nil {
			env = imapserver.ExtractEnvelope(h)
		}
		bs := imapserver.ExtractBodyStructure(bytes.NewReader(m.Raw))
		for _, utf8 := range []bool{false, true} {
			if got, want := expanded(*envelopeOf(m), utf8), imapserver.EncodeEnvelope(env, utf8); !bytes.Equal(got, want) {
				t.Errorf("%q utf8=%v: envelope\n got %s\nwant %s", raw, utf8, got, want)
			}
			if got, want := expanded(bodyStructureOf(m).basic, utf8), imapserver.EncodeBodyStructure(bs, false, utf8); !bytes.Equal(got, want) {
				t.Errorf("%q utf8=%v: BODY\n got %s\nwant %s", raw, utf8, got, want)
			}
			if got, want := expanded(bodyStructureOf(m).extended, utf8), imapserver.EncodeBodyStructure(bs, true, utf8); !bytes.Equal(got, want) {
				t.Errorf("%q utf8=%v: BODYSTRUCTURE\n got %s\nwant %s", raw, utf8, got, want)
			}
		}
		if envelopeOf(m) != envelopeOf(m) || bodyStructureOf(m) != bodyStructureOf(m) {
			t.Errorf("%q: envelope or body structure built twice", raw)
		}
	}
}

// TestFetchSendsTheEncodingTheConnectionAllows: a UTF-8 address goes as a
// literal to an IMAP4rev1 client and as a quoted string once IMAP4rev2 is
// enabled, from the same kept envelope.
func TestFetchSendsTheEncodingTheConnectionAllows(t *testing.T) {
	ts := newTestServer(t)
	_, err := ts.Store.Deliver("alice", []byte("From: <d\xc5\xa9ng@example.vn>\r\nSubject: x\r\n\r\nx\r\n"))
	must(t, err)
	c := ts.login(t, "alice", "pw")
	c.ok("SELECT INBOX")
	wantHas(t, c.ok("FETCH 4 ENVELOPE"), "((NIL NIL {5}\nd\xc5\xa9ng \"example.vn\"))")
	c2 := ts.login(t, "alice", "pw")
	c2.ok("ENABLE IMAP4rev2")
	c2.ok("SELECT INBOX")
	wantHas(t, c2.ok("FETCH 4 ENVELOPE"), "((NIL NIL \"d\xc5\xa9ng\" \"example.vn\"))")
}

// TestOversizedEnvelopeIsNotKept: an envelope that encodes to more than
// MaxEncodedItem is answered right but not kept with the message.
func TestOversizedEnvelopeIsNotKept(t *testing.T) {
	ts := newTestServer(t)
	var to strings.Builder
	to.WriteString("To: ")
	for i := 0; to.Len() < MaxEncodedItem; i++ {
		fmt.Fprintf(&to, "Person %d <person%d@example.org>,\r\n ", i, i)
	}
	raw := []byte(to.String() + "last@example.org\r\nSubject: many\r\n\r\nx\r\n")
	uid, err := ts.Store.Deliver("alice", raw)
	must(t, err)
	m, err := ts.Store.Message("alice", mailstore.Inbox, uid)
	must(t, err)
	c := ts.login(t, "alice", "pw")
	c.ok("SELECT INBOX")
	u := c.ok("FETCH 4 ENVELOPE")
	if e := envelopeOf(m); e.code != nil {
		t.Errorf("kept %d octets for an envelope over the bound", len(e.code))
	}
	want := "* 4 FETCH (ENVELOPE " + string(imapserver.EncodeEnvelope(parseEnvelope(m.Raw), false)) + ")"
	if len(u) != 1 || u[0] != want {
		t.Errorf("FETCH ENVELOPE of the big message: got %d lines, first %.200q", len(u), u)
	}
	if len(u) == 1 && (!strings.Contains(u[0], `"person100" "example.org"`) || !strings.Contains(u[0], `"last" "example.org"`)) {
		t.Errorf("addresses missing from the envelope: %.300q", u[0])
	}
	// A small message's envelope is kept.
	small, err := ts.Store.Message("alice", mailstore.Inbox, 1)
	must(t, err)
	c.ok("FETCH 1 ENVELOPE")
	if envelopeOf(small).code == nil {
		t.Error("a small message's envelope is not kept")
	}
}

// TestFetchOfManyRangesAnswersEachMessageOnce: FETCH resolves its set a
// chunk at a time (resolveAfter); overlapping, touching and unordered
// ranges, "*" and UIDs past the last still answer each message once, in
// ascending order, across chunks.
func TestFetchOfManyRangesAnswersEachMessageOnce(t *testing.T) {
	ts := newTestServer(t) // 3 messages
	for i := 4; i <= 3*fetchChunk+10; i++ {
		_, err := ts.Store.Deliver("alice", testMessage(i))
		must(t, err)
	}
	total := 3*fetchChunk + 10
	c := ts.login(t, "alice", "pw")
	c.ok("SELECT INBOX")
	c.ok("STORE %d:%d +FLAGS.SILENT (\\Deleted)", fetchChunk, fetchChunk+20)
	c.ok("EXPUNGE")
	left := total - 21
	for _, tc := range []struct {
		cmd  string
		want []int // sequence numbers answered, in order
	}{
		{"FETCH 1:* (UID)", seqs(1, left)},
		{fmt.Sprintf("FETCH *,5,1:300,250:%d,7 (UID)", left), seqs(1, left)},
		{fmt.Sprintf("FETCH %d:%d,1:2 (UID)", fetchChunk+1, fetchChunk-1), append(seqs(1, 2), seqs(fetchChunk-1, fetchChunk+1)...)},
		{"UID FETCH 4294967000:4294967295,1:3 (UID)", seqs(1, 3)},
		{"UID FETCH 4294967000:*,2:3 (UID)", append(seqs(2, 3), left)}, // "n:*" past the last UID is the last message
		{"UID FETCH 1:* (UID)", seqs(1, left)},
		{"FETCH 1:* (UID)", seqs(1, left)},
	} {
		var got []int
		for _, l := range c.ok("%s", tc.cmd) {
			var seq int
			if _, err := fmt.Sscanf(l, "* %d FETCH", &seq); err != nil {
				t.Fatalf("%s: %q", tc.cmd, l)
			}
			got = append(got, seq)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: answered %d messages %v..., want %d", tc.cmd, len(got), got[:min(len(got), 8)], len(tc.want))
		}
	}
}

func seqs(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
