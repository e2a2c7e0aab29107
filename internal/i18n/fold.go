package i18n

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold is s as a search compares it: lower case, without diacritics, and
// đ as d, so "tai ve" finds "Tải về".
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteRune('d')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// languageNames are the catalog's languages, each named in itself, as a
// language menu shows them.
var languageNames = map[string]string{"en": "English", "vi": "Tiếng Việt"}

// LanguageMenu names every language of the catalog in itself:
// "English / Tiếng Việt".
func LanguageMenu() string {
	names := make([]string, len(WordLanguages))
	for i, lang := range WordLanguages {
		names[i] = languageNames[lang]
	}
	return strings.Join(names, " / ")
}
