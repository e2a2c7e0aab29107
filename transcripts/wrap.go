package transcripts

import (
	"strings"

	"github.com/rivo/uniseg"
)

// Contd marks a wire line's continuation when it is wrapped to fit a page
// or a terminal: the line went on, it did not end there.
const Contd = "↪ "

// width is how many terminal columns s takes.
func width(s string) int { return uniseg.StringWidth(s) }

// wrapWire cuts a protocol line into pieces of at most cols columns, the
// later ones starting with Contd. It cuts at a space when one is near the
// end of a piece (a line reads better cut between words), else anywhere
// between two characters: a base64 payload has no spaces.
func wrapWire(s string, cols int) []string {
	return wrapText(s, cols, "", Contd, false)
}

// WrapProse cuts a paragraph into lines of at most cols columns, at
// spaces (a word wider than a line is cut between characters); the first
// line starts with first, the others with cont.
func WrapProse(s string, cols int, first, cont string) []string {
	return wrapText(s, cols, first, cont, true)
}

// wrapText cuts s (one line) into lines of at most cols columns; the
// first starts with first, the others with cont. words: cut only at
// spaces, unless a word is wider than a line.
func wrapText(s string, cols int, first, cont string, words bool) []string {
	if cols < width(cont)+8 {
		cols = width(cont) + 8 // leave room for text whatever the caller asks
	}
	var out []string
	prefix := first
	for {
		room := cols - width(prefix)
		if width(s) <= room {
			return append(out, prefix+s)
		}
		cut, spaceCut := 0, -1 // byte offsets
		w := 0
		g := uniseg.NewGraphemes(s)
		for g.Next() {
			cw := g.Width()
			if w+cw > room {
				break
			}
			w += cw
			from, to := g.Positions()
			cut = to
			if s[from:to] == " " {
				spaceCut = from
			}
		}
		if cut == 0 { // a grapheme wider than the room: take it anyway
			g := uniseg.NewGraphemes(s)
			g.Next()
			_, cut = g.Positions()
		}
		// A cut at a space in the last third of the room (or anywhere, for
		// prose) keeps words whole.
		if spaceCut > 0 && (words || width(s[:spaceCut]) >= room*2/3) {
			out = append(out, prefix+strings.TrimRight(s[:spaceCut], " "))
			s = strings.TrimLeft(s[spaceCut:], " ")
		} else {
			out = append(out, prefix+s[:cut])
			s = s[cut:]
		}
		prefix = cont
		if s == "" {
			return out
		}
	}
}
