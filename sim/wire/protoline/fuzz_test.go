package protoline

import (
	"strings"
	"testing"
)

// FuzzScanner checks that tokenizing any line terminates, never panics,
// and gives tokens in order, inside the line, covering every byte that is
// not a separating space; and that Value and a Follower never panic and a
// Secret's span lies inside its unit.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{
		`a1 LOGIN "al\"ice" {10+}`, `* 1 FETCH (BODY[HEADER.FIELDS (FROM)] {5} FLAGS (\Seen))`,
		"~{3}", "{", "{}", "{+}", `"\`, "((((", "a)b(c", "AUTH PLAIN AGFsaWNlAHg=", "PASS x y", "APOP a b",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, sections bool) {
		sc := NewScanner(s)
		sc.Sections = sections
		covered := 0
		for n := 0; ; n++ {
			if n > len(s) {
				t.Fatalf("more tokens than bytes in %q", s)
			}
			tok, ok := sc.Next()
			if !ok {
				break
			}
			if tok.Start < covered || tok.End <= tok.Start || tok.End > len(s) {
				t.Fatalf("token %+v out of order in %q (covered %d)", tok, s, covered)
			}
			if strings.Trim(s[covered:tok.Start], " ") != "" {
				t.Fatalf("bytes %q before %+v skipped in %q", s[covered:tok.Start], tok, s)
			}
			covered = tok.End
		}
		if strings.Trim(s[covered:], " ") != "" {
			t.Fatalf("tail %q skipped", s[covered:])
		}
		v := NewScanner(s)
		v.Sections, v.Literals = sections, [][]byte{[]byte("x")}
		v.Value()
		for _, proto := range []string{"pop3", "imap", "smtp"} {
			fl := NewFollower(proto)
			for i, part := range strings.Split(s, "\n") {
				cmds := []string{"", "AUTH", "AUTHENTICATE", "LOGIN"}
				u := Unit{Text: part, Block: sections && i%2 == 1, Command: cmds[i%len(cmds)]}
				if sec, ok := fl.Client(u); ok {
					if sec.Start < 0 || sec.Start >= sec.End || sec.End > len(part) {
						t.Fatalf("%s: secret %+v outside %q", proto, sec, part)
					}
					_ = sec.What()
					if r := sec.Redact(part); !strings.Contains(r, Hidden) {
						t.Fatalf("redacted %q shows no %s", r, Hidden)
					}
				}
			}
		}
	})
}
