package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// lookedUpWords returns "file:line: key" for each literal key that src
// passes to the catalog: i18n.Word and Wordf (the key is the second
// argument), i18n.Textf (the first), and the TUI's tr(lang, key).
func lookedUpWords(file string, src []byte) ([]lookup, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []lookup
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		arg := -1
		switch fn := call.Fun.(type) {
		case *ast.SelectorExpr:
			if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "i18n" {
				switch fn.Sel.Name {
				case "Word", "Wordf":
					arg = 1
				case "Textf":
					arg = 0
				}
			}
		case *ast.Ident:
			if fn.Name == "tr" {
				arg = 1
			}
		}
		if arg < 0 || arg >= len(call.Args) {
			return true
		}
		lit, ok := call.Args[arg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true // a key computed at run time: its words are checked where they are written
		}
		key, err := strconv.Unquote(lit.Value)
		if err == nil {
			out = append(out, lookup{fset.Position(lit.Pos()).String(), key})
		}
		return true
	})
	return out, nil
}

type lookup struct{ at, key string }

// hasWords reports whether a key says anything to translate: " (%s)" and
// "%-6s %s" are layouts, not words.
func hasWords(key string) bool {
	return strings.IndexFunc(verbRE.ReplaceAllString(key, ""), unicode.IsLetter) >= 0
}

// Every word the program looks up in the catalog has its Vietnamese
// there: a missing key is not an error at run time (the English shows),
// so only this test notices a Vietnamese reader being shown English.
func TestEveryWordTheProgramLooksUpIsInTheCatalog(t *testing.T) {
	words, err := loadWords()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	walkProgramSources(t, func(rel string, src []byte) {
		list, err := lookedUpWords(rel, src)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return
		}
		for _, l := range list {
			found++
			if _, ok := words[l.key]; !ok && hasWords(l.key) {
				t.Errorf("%s: %q has no Vietnamese in internal/i18n/words.yaml", l.at, l.key)
			}
		}
	})
	if found < 200 {
		t.Errorf("only %d catalog lookups found: the scan is not seeing the calls", found)
	}
}

func TestTheLookupScanFindsEachWayToAskTheCatalog(t *testing.T) {
	src := []byte(`package p

func f(lang string, n int) {
	_ = i18n.Word(lang, "one")
	_ = i18n.Wordf(lang, "%d two", n)
	_ = i18n.Textf("three %s", "x")
	_ = tr(lang, "four")
	_ = i18n.Word(lang, key) // computed: not checked here
	_ = other.Word(lang, "five")
}
`)
	list, err := lookedUpWords("p.go", src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range list {
		got = append(got, l.at+" "+l.key)
	}
	want := "p.go:4:22 one|p.go:5:23 %d two|p.go:6:17 three %s|p.go:7:15 four"
	if strings.Join(got, "|") != want {
		t.Errorf("found %q, want %q", strings.Join(got, "|"), want)
	}
	for key, words := range map[string]bool{" (%s)": false, "%-6s %-8s %-30q %s": false, "%[2]s: %d": false, "%d open": true, "Kicked #%d.": true} {
		if hasWords(key) != words {
			t.Errorf("hasWords(%q) = %v", key, !words)
		}
	}
}
