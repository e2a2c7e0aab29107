package i18n

import (
	"errors"
	"fmt"
	"testing"
	"unicode/utf8"
)

func TestWordsCatalogIsValid(t *testing.T) {
	m, err := loadWords()
	if err != nil {
		t.Fatal(err)
	}
	if len(m) < 50 {
		t.Fatalf("words.yaml holds %d words; the app's alone are more", len(m))
	}
	for en, vi := range m {
		if !utf8.ValidString(vi) {
			t.Errorf("%q: the Vietnamese is not UTF-8", en)
		}
	}
}

func TestABadWordsFileIsReportedAtItsLines(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"a key given twice", "a: b\nc: d\na: e\n", `w.yaml:3: "a" is given twice (first at line 1)`},
		{"no Vietnamese", "a: b\nc: \"\"\n", `w.yaml:2: "c" has no Vietnamese`},
		{"a verb changed", "\"%d steps\": \"%s bước\"\n", `w.yaml:1: "%d steps": argument 1 is %d in English, %s here`},
		{"an argument dropped", "\"%s holds %s\": \"%s có\"\n", `w.yaml:1: "%s holds %s": argument 2 is not used`},
		{"an argument that does not exist", "\"%s\": \"%[2]s\"\n", `w.yaml:1: "%s": argument 2 does not exist`},
		{"a list for a value", "a: b\nc: [d]\n", `w.yaml:2: want "English": "Vietnamese", two strings`},
		{"not a mapping", "- a\n", "w.yaml:1: want a mapping of English to Vietnamese"},
		{"a syntax error", "a: b\n\"c: d\n", "w.yaml:2: found unexpected end of stream"},
		{"two problems", "a: \"\"\nb: \"\"\n", "w.yaml:1: \"a\" has no Vietnamese\nw.yaml:2: \"b\" has no Vietnamese"},
	} {
		_, err := parseWords("w.yaml", []byte(tc.data))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	if m, err := parseWords("w.yaml", []byte("a: b\nc: d\na: e\n")); err == nil || m["a"] != "b" || m["c"] != "d" {
		t.Errorf("a key given twice loses the other words: %v, %v", m, err)
	}
	if m, err := parseWords("w.yaml", []byte("\"%s holds %s\": \"%[2]s của %[1]s\"\n")); err != nil || len(m) != 1 {
		t.Errorf("a reordered format: %v, %v", m, err)
	}
}

func TestWord(t *testing.T) {
	for _, tc := range []struct{ lang, in, want string }{
		{"en", "Step", "Step"},
		{"", "Step", "Step"},
		{"vi", "Step", "Bước"},
		{"vi", "no such word, surely", "no such word, surely"},
		{"fr", "Step", "Step"},
	} {
		if got := Word(tc.lang, tc.in); got != tc.want {
			t.Errorf("Word(%q, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
}

type textErr struct{ Text }

func (e textErr) Error() string { return e.In(Fallback) }

func TestWordfAndTextf(t *testing.T) {
	where := Textf("device %s's local mailbox", "laptop")
	if got, want := Wordf("en", "%s holds %s", where, "2 messages"), "device laptop's local mailbox holds 2 messages"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	if got, want := Wordf("vi", "%s holds %s", where, Textf("%d messages", 2)), "hộp thư cục bộ của thiết bị laptop có 2 thư"; got != want {
		t.Errorf("vi: %q, want %q", got, want)
	}
	// Reordered arguments.
	if got, want := Textf("the server's %s@%s %s", "alice", "example.com", "INBOX").In("vi"), "hộp thư INBOX của alice@example.com trên máy chủ"; got != want {
		t.Errorf("reordered: %q, want %q", got, want)
	}
	// The English of a Textf is fmt.Sprintf's, for any format, known or not.
	for _, f := range []string{"%d steps, %d checks passed, %d failed", "not in the catalog %d/%d/%d"} {
		if got, want := Textf(f, 1, 2, 3)["en"], fmt.Sprintf(f, 1, 2, 3); got != want {
			t.Errorf("Textf(%q) en = %q, want %q", f, got, want)
		}
	}
	// An error made with a Text is given in the reader's language.
	var err error = textErr{Textf("%s is not connected", "laptop")}
	if got := Wordf("vi", "waiting for %q: %s", "EXISTS", err); got != `chờ "EXISTS": laptop chưa kết nối` {
		t.Errorf("an error argument: %q", got)
	}
	if got := Wordf("en", "waiting for %q: %s", "EXISTS", errors.New("timeout")); got != `waiting for "EXISTS": timeout` {
		t.Errorf("a plain error argument: %q", got)
	}
}

func TestJoinSaysTheSeparatorInEachLanguage(t *testing.T) {
	list := []Text{{"en": "alice"}, Textf("%d messages", 2), {"en": "bob"}}
	got := Join(list, " and ")
	if got["en"] != "alice and 2 messages and bob" || got["vi"] != "alice và 2 thư và bob" {
		t.Errorf("Join = %q", got)
	}
	if got := Join(list[:1], ", "); got["vi"] != "alice" {
		t.Errorf("Join of one = %q", got)
	}
}
