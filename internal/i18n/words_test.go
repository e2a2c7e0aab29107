package i18n

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
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
		if strings.TrimSpace(vi) == "" {
			t.Errorf("%q has no Vietnamese", en)
		}
		if !utf8.ValidString(vi) {
			t.Errorf("%q: the Vietnamese is not UTF-8", en)
		}
		if err := sameVerbs(en, vi); err != nil {
			t.Errorf("%q -> %q: %v", en, vi, err)
		}
	}
}

func TestWordsRejectsAKeyGivenTwice(t *testing.T) {
	if _, err := parseWords([]byte("a: b\na: c\n")); err == nil {
		t.Error("a key given twice should be an error")
	}
}

var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// sameVerbs checks that a translated format uses the English one's verbs,
// each argument with the same verb, every argument once at least.
func sameVerbs(en, vi string) error {
	var want []string
	for _, m := range verbRE.FindAllStringSubmatch(en, -1) {
		if m[4] == "%" {
			continue
		}
		if m[1] != "" {
			return fmt.Errorf("an English key numbers its arguments")
		}
		want = append(want, m[4])
	}
	used := make([]bool, len(want))
	next := 0
	for _, m := range verbRE.FindAllStringSubmatch(vi, -1) {
		if m[4] == "%" {
			continue
		}
		i := next
		if m[2] != "" {
			n, _ := strconv.Atoi(m[2])
			i = n - 1
		}
		if i < 0 || i >= len(want) {
			return fmt.Errorf("argument %d does not exist", i+1)
		}
		if m[4] != want[i] {
			return fmt.Errorf("argument %d is %%%s in English, %%%s here", i+1, want[i], m[4])
		}
		used[i] = true
		next = i + 1
	}
	for i, u := range used {
		if !u {
			return fmt.Errorf("argument %d is not used", i+1)
		}
	}
	return nil
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
