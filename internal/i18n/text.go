// Package i18n holds the program's languages: Text, a text in several
// languages, and the one catalog of the program's own words (words.yaml,
// English -> Vietnamese) with Word, Wordf and Textf to say them. Every
// translated string mailsim shows comes from here or from a lesson file's
// own texts, which decode into Text. It imports nothing of mailsim.
package i18n

import (
	"sort"

	"gopkg.in/yaml.v3"
)

// Text is a text in several languages, keyed by language code ("en",
// "vi"). In a lesson file it is written either as a plain string, which is
// English, or as a mapping:
//
//	title: POP3 basics                # English only
//	title: {en: POP3 basics, vi: POP3 cơ bản}
type Text map[string]string

// Fallback is the language used when a text lacks the one asked for.
const Fallback = "en"

// In returns the text in lang, or in English when it has none.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	return t[Fallback]
}

// IsZero reports whether the text is empty in every language.
func (t Text) IsZero() bool {
	for _, s := range t {
		if s != "" {
			return false
		}
	}
	return true
}

// Languages lists the languages the text is written in, "en" first.
func (t Text) Languages() []string {
	out := make([]string, 0, len(t))
	for k := range t {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i] == Fallback) != (out[j] == Fallback) {
			return out[i] == Fallback
		}
		return out[i] < out[j]
	})
	return out
}

// UnmarshalYAML accepts a plain string (English) or a language mapping.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*t = Text{Fallback: n.Value}
		return nil
	}
	m := map[string]string{}
	if err := n.Decode(&m); err != nil {
		return err
	}
	*t = m
	return nil
}
