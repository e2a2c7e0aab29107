// Package textsafe makes text from the network or from a file safe to show
// on a terminal or to put in a text export: control characters become
// visible instead of acting (an ESC ] 52 that writes the clipboard, an ESC [
// 2J that clears the screen, a CR that hides what came before it).
//
// Every path that writes such text, the TUI included, goes through Visible.
// The package imports only the standard library.
package textsafe

import (
	"strings"
	"unicode/utf8"
)

// Visible returns s with each control character replaced by something that
// shows it: C0 controls by their Unicode control pictures ("␛" for ESC, "␍"
// for CR, "␀" for NUL), DEL by "␡", C1 controls (U+0080 to U+009F, which
// some terminals obey like ESC sequences) and invalid UTF-8 by "�". Tab and
// line feed are kept: they move the cursor but cannot start a sequence.
// Text with nothing to replace is returned as it is, without copying.
func Visible(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for s = s[i:]; s != ""; {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		default:
			if p, ok := Picture(r); ok {
				b.WriteString(p)
			} else {
				b.WriteString(s[:size])
			}
		}
		s = s[size:]
	}
	return b.String()
}

// Picture returns what shows control character r, and whether r is one: a
// control picture for C0 controls (tab and line feed too, for views where
// they cannot act; Visible keeps those two) and DEL, "�" for C1 controls.
func Picture(r rune) (string, bool) {
	switch {
	case r >= 0 && r < 0x20:
		return string(rune(0x2400 + r)), true
	case r == 0x7f:
		return "\u2421", true
	case r >= 0x80 && r <= 0x9f:
		return "\uFFFD", true
	}
	return "", false
}

// firstUnsafe returns the index of the first byte Visible would change, or
// -1.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size <= 1) || (r >= 0x80 && r <= 0x9f) {
			return i
		}
		i += size
	}
	return -1
}
