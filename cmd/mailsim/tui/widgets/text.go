package widgets

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/lessons"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
)

// Fit pads or cuts s to exactly w terminal cells, by grapheme clusters, so
// columns line up with wide characters and Vietnamese diacritics (combining
// marks take no cell). A cut string ends in "…".
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	width := uniseg.StringWidth(s)
	if width <= w {
		return s + strings.Repeat(" ", w-width)
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w-1 {
			break
		}
		b.WriteString(g.Str())
		used += cw
	}
	b.WriteString("…")
	used++
	return b.String() + strings.Repeat(" ", max(0, w-used))
}

// Right pads s on the left to w cells.
func Right(s string, w int) string {
	width := uniseg.StringWidth(s)
	if width >= w {
		return s
	}
	return strings.Repeat(" ", w-width) + s
}

// SASLPlain explains the SASL PLAIN payload of a client line in lang
// (protoline.PlainPayload: "AUTH PLAIN AGFsaWNl…", "a1 AUTHENTICATE PLAIN
// …", or the bare payload sent after a "+" challenge): what it decodes
// to, and that base64 hides nothing.
func SASLPlain(u *wire.Unit, lang string) (string, bool) {
	if u == nil || u.Dir != wire.ClientToServer {
		return "", false
	}
	b64, _, ok := protoline.PlainPayload(u.Text, u.Command)
	if !ok {
		return "", false
	}
	desc, ok := lessons.DescribeSASLPlain(b64)
	return desc.In(lang), ok
}

// FitWord is fit, but a cut prefers the end of a word when one ends in the
// second half of the width, so "Tải về rồi xóa" becomes "Tải về…" rather
// than a syllable with its last letter gone (which, in Vietnamese, is
// another word).
func FitWord(s string, w int) string {
	if w <= 0 {
		return ""
	}
	width := uniseg.StringWidth(s)
	if width <= w {
		return s + strings.Repeat(" ", w-width)
	}
	cut := cutWidth(s, w-1)
	return cut + "…" + strings.Repeat(" ", max(0, w-1-uniseg.StringWidth(cut)))
}

// cutWidth is the longest start of s at most w cells wide that ends on a
// grapheme boundary; at the end of a word when one ends in the second
// half of w. Trailing spaces are dropped.
func cutWidth(s string, w int) string {
	used, end, lastSpace := 0, 0, -1
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cw := g.Width()
		if used+cw > w {
			break
		}
		_, to := g.Positions()
		if g.Str() == " " && used >= w/2 {
			lastSpace = end
		}
		used += cw
		end = to
	}
	if lastSpace > 0 && end < len(s) && s[end] != ' ' {
		end = lastSpace
	}
	return strings.TrimRight(s[:end], " ")
}

// reflow joins a text's lines into paragraphs: the lessons' YAML breaks
// lines at about 72 columns, which means nothing on a screen of another
// width. A blank line ends a paragraph; a line that starts a list item
// ("- ", "* ", "1. ") or is indented starts a new one.
func reflow(s string) []string {
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, ln := range strings.Split(strings.TrimSpace(s), "\n") {
		t := strings.TrimSpace(ln)
		switch {
		case t == "":
			flush()
			paras = append(paras, "")
			continue
		case strings.HasPrefix(ln, " ") || strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || isNumbered(t):
			flush()
		}
		cur = append(cur, t)
	}
	flush()
	// no blank paragraph at either end, nor two in a row
	var out []string
	for i, p := range paras {
		if p == "" && (len(out) == 0 || out[len(out)-1] == "" || i == len(paras)-1) {
			continue
		}
		out = append(out, p)
	}
	return out
}

func isNumbered(t string) bool {
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(t) && (t[i] == '.' || t[i] == ')') && t[i+1] == ' '
}

// Wrap reflows s (reflow) and breaks it into lines of at most w cells, at
// spaces; a word longer than a line is broken between graphemes. A list
// item's continuation lines are indented under its text.
func Wrap(s string, w int) []string {
	var out []string
	for _, p := range reflow(s) {
		out = append(out, WrapLine(p, w)...)
	}
	return out
}

// WrapLine breaks one paragraph into lines of at most w cells.
func WrapLine(p string, w int) []string {
	if p == "" {
		return []string{""}
	}
	w = max(w, 4)
	indent := ""
	if t := strings.TrimLeft(p, " "); strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
		indent = "  "
	}
	var out []string
	var line strings.Builder
	lineW := 0
	for _, word := range strings.Fields(p) {
		ww := uniseg.StringWidth(word)
		if lineW > 0 && lineW+1+ww <= w {
			line.WriteString(" " + word)
			lineW += 1 + ww
			continue
		}
		if lineW > 0 {
			out = append(out, line.String())
			line.Reset()
			line.WriteString(indent)
			lineW = len(indent)
		}
		for lineW+ww > w { // a word longer than the line
			head := CutGraphemes(word, w-lineW)
			if head == "" {
				break
			}
			line.WriteString(head)
			out = append(out, line.String())
			line.Reset()
			line.WriteString(indent)
			lineW = len(indent)
			word = word[len(head):]
			ww = uniseg.StringWidth(word)
		}
		line.WriteString(word)
		lineW += ww
	}
	if lineW > 0 {
		out = append(out, line.String())
	}
	return out
}

// CutGraphemes is the longest start of s at most w cells wide, on a
// grapheme boundary.
func CutGraphemes(s string, w int) string {
	used, end := 0, 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		if used+g.Width() > w {
			break
		}
		used += g.Width()
		_, end = g.Positions()
	}
	return s[:end]
}

// Seg is a piece of a line in one style.
type Seg struct {
	Style tcell.Style
	Text  string
}

// SegLine writes segments as one tview-tagged line of at most w cells,
// cut with "…" (at a word end when it can) when longer.
func SegLine(th *Theme, w int, segs ...Seg) string {
	total := SegsWidth(segs)
	var b strings.Builder
	used := 0
	for _, s := range segs {
		sw := uniseg.StringWidth(s.Text)
		if total <= w || used+sw <= w-1 {
			b.WriteString(th.Tag(s.Style) + tview.Escape(s.Text) + Reset)
			used += sw
			continue
		}
		b.WriteString(th.Tag(s.Style) + tview.Escape(cutWidth(s.Text, w-1-used)+"…") + Reset)
		break
	}
	return b.String()
}

// SegsWidth is the cells segments take.
func SegsWidth(segs []Seg) int {
	n := 0
	for _, s := range segs {
		n += uniseg.StringWidth(s.Text)
	}
	return n
}

// OneLine folds whitespace, newlines included, into single spaces.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
