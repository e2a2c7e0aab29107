package i18n

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// The program's own words (what the app, the plain transcript and the
// simulator say around the lessons' texts) are kept in one catalog,
// words.yaml: English -> Vietnamese. The English is the key, so English
// output does not depend on the catalog at all.

//go:embed words.yaml
var wordsYAML []byte

// WordLanguages are the languages the catalog gives every word in.
var WordLanguages = []string{"en", "vi"}

// wordsFile names the catalog in its errors.
const wordsFile = "internal/i18n/words.yaml"

var loadWords = sync.OnceValues(func() (map[string]string, error) {
	return parseWords(wordsFile, wordsYAML)
})

// parseWords reads a catalog: a mapping of English to Vietnamese. Every
// problem is reported as file:line: what is wrong, all of them at once: a
// key given twice, a value that is not a string or is empty, a format whose
// Vietnamese does not use the English one's verbs. The words it could read
// are returned even then (a bad line loses only itself).
func parseWords(file string, data []byte) (map[string]string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %s", file, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty: want English: Vietnamese pairs", file)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of English to Vietnamese", file, root.Line)
	}
	m := map[string]string{}
	first := map[string]int{}
	var errs []error
	bad := func(n *yaml.Node, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", file, n.Line, fmt.Sprintf(format, args...)))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k.Kind != yaml.ScalarNode || v.Kind != yaml.ScalarNode {
			bad(k, "want \"English\": \"Vietnamese\", two strings")
			continue
		}
		if line, ok := first[k.Value]; ok {
			bad(k, "%q is given twice (first at line %d)", k.Value, line)
			continue
		}
		first[k.Value] = k.Line
		switch err := sameVerbs(k.Value, v.Value); {
		case strings.TrimSpace(v.Value) == "":
			bad(v, "%q has no Vietnamese", k.Value)
		case err != nil:
			bad(v, "%q: %v", k.Value, err)
		default:
			m[k.Value] = v.Value
		}
	}
	return m, errors.Join(errs...) // the good words even so: one bad line must not silence the rest
}

// yamlLineRE takes the line out of a yaml.v3 syntax error.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

var verbRE = regexp.MustCompile(`%(\[(\d+)\])?[-+# 0]*\d*(\.\d+)?([a-zA-Z%])`)

// sameVerbs checks that a translated format uses the English one's verbs,
// each argument with the same verb, every argument once at least; it may
// number them (%[2]s) to reorder.
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

// Word returns one of the program's own words, written in English, in
// lang; in English when lang is English or the catalog lacks the word.
func Word(lang, english string) string {
	if lang == "" || lang == Fallback {
		return english
	}
	m, _ := loadWords() // the tests keep words.yaml valid; a bad line loses only itself
	if s, ok := m[english]; ok && lang == "vi" && s != "" {
		return s
	}
	return english
}

// Wordf is fmt.Sprintf with a format from the catalog: Word(lang, format)
// filled with args. An argument with an In(lang) method (a Text, or an
// error made with one) is given in lang.
func Wordf(lang, format string, args ...any) string {
	return fmt.Sprintf(Word(lang, format), inLang(lang, args)...)
}

// Textf is Wordf in every language of the catalog: a Text the reader can
// show in theirs. Its English is exactly fmt.Sprintf(format, args...),
// with Text arguments in English.
func Textf(format string, args ...any) Text {
	t := make(Text, len(WordLanguages))
	for _, lang := range WordLanguages {
		t[lang] = Wordf(lang, format, args...)
	}
	return t
}

// Translatable is a value that can be given in a language: a Text, or an
// error made with one.
type Translatable interface{ In(lang string) string }

func inLang(lang string, args []any) []any {
	out := args
	for i, a := range args {
		if t, ok := a.(Translatable); ok {
			if &out[0] == &args[0] {
				out = append([]any(nil), args...)
			}
			out[i] = t.In(lang)
		}
	}
	return out
}

// Join joins texts language by language, with sep between them; sep is a
// word of the catalog (", " stays as it is, " and " is said in each
// language).
func Join(list []Text, sep string) Text {
	t := make(Text, len(WordLanguages))
	for _, lang := range WordLanguages {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = x.In(lang)
		}
		t[lang] = strings.Join(parts, Word(lang, sep))
	}
	return t
}
