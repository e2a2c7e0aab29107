package lessons

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// term is one entry of terms.yaml.
type term struct {
	EN        string   `yaml:"en"`
	VI        string   `yaml:"vi"`
	Forbidden []string `yaml:"forbidden"`
}

func loadTerms(t *testing.T) []term {
	t.Helper()
	data, err := os.ReadFile("terms.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Terms []term `yaml:"terms"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("terms.yaml: %v", err)
	}
	if len(f.Terms) == 0 {
		t.Fatal("terms.yaml: no terms")
	}
	for i, tm := range f.Terms {
		if tm.EN == "" || tm.VI == "" || len(tm.Forbidden) == 0 {
			t.Errorf("terms.yaml: term %d (%q) needs en, vi and at least one forbidden variant", i+1, tm.EN)
		}
		for _, v := range tm.Forbidden {
			if findWord(tm.VI, v) >= 0 {
				t.Errorf("terms.yaml: %q: the term to use, %q, contains its own forbidden variant %q", tm.EN, tm.VI, v)
			}
		}
	}
	return f.Terms
}

// viText is one Vietnamese text and where it starts.
type viText struct {
	file string
	line int
	text string
}

// viTexts returns the Vietnamese texts of one YAML file: every "vi:" value
// (lessons, glossary, claims), or, for words.yaml, every value.
func viTexts(t *testing.T, file string) []viText {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	allValues := filepath.Base(file) == "words.yaml"
	var out []viText
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && (allValues || k.Value == "vi") {
					line := v.Line
					if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
						line++ // a block scalar's text starts on the next line
					}
					out = append(out, viText{file, line, v.Value})
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	return out
}

// findWord returns the byte index of the first whole-word occurrence of
// word in s, ignoring case, or -1.
func findWord(s, word string) int {
	ls, lw := strings.ToLower(s), strings.ToLower(word)
	if len(ls) != len(s) { // lower-casing changed byte lengths: indexes would not match
		ls = s
	}
	for off := 0; ; {
		i := strings.Index(ls[off:], lw)
		if i < 0 {
			return -1
		}
		i += off
		before, _ := utf8.DecodeLastRuneInString(ls[:i])
		after, _ := utf8.DecodeRuneInString(ls[i+len(lw):])
		if !isWordRune(before) && !isWordRune(after) && !quoted(s, i) {
			return i
		}
		off = i + len(lw)
	}
}

// quoted reports whether byte i of s is inside a quotation, "..." or
// “...”: a protocol line ("+OK POP3 server ready") or the article's own
// words, which are quoted as written.
func quoted(s string, i int) bool {
	before := s[:i]
	if strings.Count(before, `"`)%2 == 1 {
		return true
	}
	return strings.LastIndex(before, "“") > strings.LastIndex(before, "”")
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')
}

// termFiles lists every file with Vietnamese text the learner reads.
func termFiles(t *testing.T) []string {
	t.Helper()
	files := []string{"../internal/i18n/words.yaml", "claims.yaml"}
	for _, dir := range []string{"builtin", "glossary"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
				files = append(files, path)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(files)
	return files
}

// TestTermsVietnamese fails, with file:line, on every Vietnamese text that
// uses a variant terms.yaml forbids.
func TestTermsVietnamese(t *testing.T) {
	terms := loadTerms(t)
	n := 0
	for _, file := range termFiles(t) {
		for _, vt := range viTexts(t, file) {
			n++
			for _, tm := range terms {
				for _, v := range tm.Forbidden {
					if i := findWord(vt.text, v); i >= 0 {
						line := vt.line + strings.Count(vt.text[:i], "\n")
						t.Errorf("%s:%d: %q: say %q for %q (terms.yaml)", vt.file, line, v, tm.VI, tm.EN)
					}
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d Vietnamese texts found: the scan is not reading the files", n)
	}
}

// TestTermsFindWord checks the matcher the scan relies on.
func TestTermsFindWord(t *testing.T) {
	tests := []struct {
		s, word string
		want    int
	}{
		{"server không biết", "server", 0},
		{"máy chủ (Server)", "server", len("máy chủ (")},
		{"mailserver", "server", -1},
		{"servers", "server", -1},
		{"dạng văn bản thô.", "văn bản thô", len("dạng ")},
		{"máy chủ", "server", -1},
		{`"+OK POP3 server ready" nghĩa là server sẵn sàng`, "server", len(`"+OK POP3 server ready" nghĩa là `)},
		{"bài viết: “xóa mail trong server”", "server", -1},
	}
	for _, tt := range tests {
		if got := findWord(tt.s, tt.word); got != tt.want {
			t.Errorf("findWord(%q, %q) = %d, want %d", tt.s, tt.word, got, tt.want)
		}
	}
	texts := viTexts(t, filepath.Join("testdata", "terms-sample.yaml"))
	got := fmt.Sprint(texts)
	want := "[{testdata/terms-sample.yaml 3 một} {testdata/terms-sample.yaml 6 hai\nba\n}]"
	if got != want {
		t.Errorf("viTexts = %s, want %s", got, want)
	}
}
