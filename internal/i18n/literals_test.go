package i18n

import (
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// The program's Vietnamese lives in one place: words.yaml (and the
// lessons', glossary's and claims' YAML, which are content). A Vietnamese
// letter in a Go string or rune literal anywhere else is a translation
// that went around the catalog. The scan reads every non-test .go file of
// the module but this package's own.
//
// Test files are not scanned: their Vietnamese literals are the output a
// test expects ("Bước", "đang mở"). Routing those through the catalog
// would compare the catalog with itself, and a wrong or missing
// translation could no longer fail a test. Comments are not scanned
// either: they may quote what the program shows.

// vietnamese holds every letter of the Vietnamese alphabet that ASCII
// lacks: đ, and each vowel with its marks and tones, in both cases.
var vietnamese = func() map[rune]bool {
	m := map[rune]bool{'đ': true, 'Đ': true}
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"} // none, huyền, sắc, hỏi, ngã, nặng
	for _, v := range []string{"a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y"} {
		for _, tone := range tones {
			for _, s := range []string{v + tone, strings.ToUpper(v[:1]) + v[1:] + tone} {
				r := []rune(norm.NFC.String(s))
				if len(r) == 1 && r[0] > 0x7f {
					m[r[0]] = true
				}
			}
		}
	}
	return m
}()

// hasVietnamese reports whether s holds a Vietnamese letter, composed or
// written with combining marks. (A French "é" is one too: the check errs
// on the side of the catalog.)
func hasVietnamese(s string) bool {
	for _, r := range norm.NFC.String(s) {
		if vietnamese[r] {
			return true
		}
	}
	return false
}

// vietnameseLiterals returns "file:line: literal" for each string or rune
// literal of a Go source that holds Vietnamese.
func vietnameseLiterals(file string, src []byte) []string {
	fset := token.NewFileSet()
	var s scanner.Scanner
	s.Init(fset.AddFile(file, -1, len(src)), src, nil, 0) // no comments
	var out []string
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return out
		}
		if tok != token.STRING && tok != token.CHAR {
			continue
		}
		text, err := strconv.Unquote(lit) // "\u1ea1" is Vietnamese too
		if err != nil {
			text = lit
		}
		if hasVietnamese(text) {
			if len(lit) > 60 {
				lit = lit[:57] + "…"
			}
			out = append(out, fset.Position(pos).String()+": "+lit)
		}
	}
}

// walkProgramSources calls visit with every non-test .go file of the
// module (its path from the module root), but this package's own and
// third_party's.
func walkProgramSources(t *testing.T, visit func(rel string, src []byte)) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root is not %s: %v", root, err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "vendor", "third_party":
				return filepath.SkipDir
			}
			if path == here {
				return filepath.SkipDir // the catalog
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, path)
		visit(rel, src)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Errorf("only %d Go files scanned under %s: the walk is not reading the module", files, root)
	}
}

func TestNoVietnameseInGoOutsideTheCatalog(t *testing.T) {
	walkProgramSources(t, func(rel string, src []byte) {
		for _, hit := range vietnameseLiterals(rel, src) {
			t.Errorf("%s: Vietnamese in Go; say it with i18n.Textf/Wordf and give its Vietnamese in internal/i18n/words.yaml", hit)
		}
	})
}

func TestTheLiteralScanFindsVietnameseAndOnlyInLiterals(t *testing.T) {
	src := []byte(`package p

// A comment may say "xóa": it is not scanned.
var a = "plain English"
var b = "đã xóa"
var c = 'đ'
var d = "\u1ea1 written as an escape"
var e = ` + "`raw: Tiếng Việt`" + `
var f = "a" + "decomposed: o\u0323"
var g = "→ • … × §"
`)
	got := vietnameseLiterals("p.go", src)
	want := []string{`p.go:5:9: "đã xóa"`, `p.go:6:9: 'đ'`, `p.go:7:9: "\u1ea1 written as an escape"`, "p.go:8:9: `raw: Tiếng Việt`", `p.go:9:15: "decomposed: o\u0323"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// 12 vowels × 6 tones × 2 cases, less the 12 plain ASCII ones, and đ Đ
	if n := len(vietnamese); n != 12*6*2-12+2 {
		t.Errorf("the alphabet has %d non-ASCII letters, want 134", n)
	}
}
