package imap

import (
	"fmt"
	"testing"

	"mailsim/sim/loadgen"
	"mailsim/sim/mailstore"
)

// searchSamples are messages for which SEARCH TEXT and BODY must give the
// same answer with and without the in-place path.
var searchSamples = []string{
	string(testMessage(1)),
	string(testMessage(2)),
	string(loadgen.SeedMessage(7)),
	"Subject: Folded\r\n  subject line\r\n\r\nBody TEXT here\r\n",
	"Subject: =?utf-8?q?Ti=E1=BA=BFng_Vi=E1=BB=87t?=\r\n\r\nplain body\r\n",
	"Subject: b64\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gV29ybGQ=\r\n",
	"Subject: qp\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello=20World=\r\n again\r\n",
	"Subject: latin\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nCaf\xe9 Hello\r\n",
	"Subject: utf8 body\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nXin ch\xc3\xa0o HELLO \xc3\x80\r\n",
	"Subject: html\r\nContent-Type: text/html\r\n\r\n<p>Hello World</p>\r\n",
	"Subject: image\r\nContent-Type: image/png\r\n\r\nHello World\r\n",
	"Subject: bad type\r\nContent-Type: ;;;\r\n\r\nHello World\r\n",
	"no colon line\r\nSubject: x\r\n\r\nHello World\r\n",
	"Subject: no empty line\r\n",
	"\r\nHello World, no header\r\n",
	"Subject:   spaced hello   \r\nX-Empty:\r\n\r\nbody\r\n",
	"Subject: tab\there\r\nFrom: HELLO <hello@example.org>\r\n\r\nbody\r\n",
	"Subject: nul \x00 hello\r\n\r\nbody\r\n",
}

var searchTexts = []string{"hello", "HELLO WORLD", "world", "subject", "subject line", "ti\u1ebfng", "caf\u00e9",
	"xin ch\u00e0o", "\u00e0", "  spaced", "spaced hello", "tab\there", "hello@example", "=20", "SGVsbG8", "<p>", "", "body"}

// TestSearchTextInPlaceMatchesParsing: the in-place search of a plain
// message answers as the parsing one (matchEntity) does, for TEXT and
// BODY, whatever the message.
func TestSearchTextInPlaceMatchesParsing(t *testing.T) {
	plain := 0
	for _, raw := range searchSamples {
		if checkSearchText(t, raw) {
			plain++
		}
	}
	if plain < 4 {
		t.Errorf("only %d samples took the in-place path", plain)
	}
}

// checkSearchText compares both paths on raw and reports whether raw
// took the in-place path.
func checkSearchText(t *testing.T, raw string) bool {
	t.Helper()
	st := mailstore.New(mailstore.Options{})
	must(t, st.AddUser("u", "pw"))
	uid, err := st.Deliver("u", []byte(raw))
	if err != nil {
		return false
	}
	m, err := st.Message("u", mailstore.Inbox, uid)
	must(t, err)
	c := candidate{msg: m, scratch: &searchScratch{}}
	for _, text := range searchTexts {
		for _, withHeader := range []bool{false, true} {
			if got, want := c.matchText(text, withHeader), matchEntity(m.Raw, text, withHeader); got != want {
				t.Errorf("%q in %q (header %v): in place %v, parsed %v", text, raw, withHeader, got, want)
			}
		}
	}
	return textTraitsOf(m)&plainBody != 0
}

func FuzzSearchTextInPlace(f *testing.F) {
	for _, s := range searchSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkSearchText(t, raw)
	})
}

// BenchmarkSearchText50k is SEARCH TEXT over a mailbox of 50,000
// messages, one of which holds the text.
func BenchmarkSearchText50k(b *testing.B) {
	ts, _ := bigServer(b)
	c := dialLean(b, ts.Addr)
	c.cmd(b, "LOGIN alice pw")
	c.cmd(b, "SELECT INBOX")
	cmd := fmt.Sprintf(`SEARCH TEXT "message number %d of"`, bigMailbox/2)
	c.cmd(b, cmd)
	n := 0
	for b.Loop() {
		c.cmd(b, cmd)
		n += bigMailbox
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/message")
}
