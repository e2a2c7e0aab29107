package imap

import (
	"bufio"
	"bytes"
	"net/mail"
	"reflect"
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
// is what go-imap's extractors make from the raw octets.
func TestEnvelopeAndStructureMatchGoIMAP(t *testing.T) {
	raws := [][]byte{testMessage(1), testMessage(2),
		[]byte("Subject: no date\r\n\r\nbody\r\n"),
		[]byte("\r\nno header\r\n"),
		[]byte("Subject: no body"),
		[]byte("Date: Wed, 25 Nov 26 09:00:00 GMT (comment)\r\nFrom: a@b.c, Dee <d@e.f>\r\n\r\nx\r\n"),
	}
	st := mailstore.New(mailstore.Options{})
	must(t, st.AddUser("u", "pw"))
	for _, raw := range raws {
		uid, err := st.Deliver("u", raw)
		must(t, err)
		m, err := st.Message("u", mailstore.Inbox, uid)
		must(t, err)
		want := &imap.Envelope{} // as before: an unreadable header has an empty envelope
		if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(m.Raw))); err == nil {
			want = imapserver.ExtractEnvelope(h)
		}
		if got := envelopeOf(m); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: envelope\n got %+v\nwant %+v", raw, got, want)
		}
		if got, want := bodyStructureOf(m), imapserver.ExtractBodyStructure(bytes.NewReader(m.Raw)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: body structure\n got %+v\nwant %+v", raw, got, want)
		}
		if envelopeOf(m) != envelopeOf(m) {
			t.Errorf("%q: envelope built twice", raw)
		}
	}
}
