package i18n

import (
	_ "embed"
	"fmt"
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

var loadWords = sync.OnceValues(func() (map[string]string, error) {
	return parseWords(wordsYAML)
})

func parseWords(data []byte) (map[string]string, error) {
	m := map[string]string{}
	if err := yaml.Unmarshal(data, &m); err != nil { // yaml.v3 rejects a key given twice
		return nil, fmt.Errorf("words.yaml: %w", err)
	}
	return m, nil
}

// Word returns one of the program's own words, written in English, in
// lang; in English when lang is English or the catalog lacks the word.
func Word(lang, english string) string {
	if lang == "" || lang == Fallback {
		return english
	}
	m, err := loadWords()
	if err != nil {
		return english // the tests keep words.yaml valid
	}
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
