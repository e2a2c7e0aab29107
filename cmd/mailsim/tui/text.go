package tui

import (
	"encoding/base64"
	"strings"

	"github.com/rivo/uniseg"

	"mailsim/lessons"
	"mailsim/sim/wire"
)

// fit pads or cuts s to exactly w terminal cells, by grapheme clusters, so
// columns line up with wide characters and Vietnamese diacritics (combining
// marks take no cell). A cut string ends in "…".
func fit(s string, w int) string {
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

// right pads s on the left to w cells.
func right(s string, w int) string {
	width := uniseg.StringWidth(s)
	if width >= w {
		return s
	}
	return strings.Repeat(" ", w-width) + s
}

// saslPayload finds the SASL PLAIN payload of a client line ("AUTH PLAIN
// AGFsaWNlAHNlY3JldA==", "a1 AUTHENTICATE PLAIN …", or the bare payload
// sent after a "+" challenge).
func saslPayload(u *wire.Unit) (string, bool) {
	if u == nil || u.Dir != wire.ClientToServer {
		return "", false
	}
	f := strings.Fields(u.Text)
	var b64 string
	for i, w := range f {
		if strings.EqualFold(w, "PLAIN") && i+1 < len(f) {
			b64 = f[i+1]
		}
	}
	if b64 == "" && len(f) == 1 && (u.Command == "AUTH" || u.Command == "AUTHENTICATE") {
		b64 = f[0]
	}
	return b64, b64 != "" && b64 != "=" && b64 != "*"
}

// saslPlain explains a SASL PLAIN payload in lang: what it decodes to, and
// that base64 hides nothing.
func saslPlain(u *wire.Unit, lang string) (string, bool) {
	b64, ok := saslPayload(u)
	if !ok {
		return "", false
	}
	if lang == lessons.Fallback || lang == "" {
		return lessons.DescribeSASLPlain(b64)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || strings.Count(string(raw), "\x00") != 2 {
		return "", false
	}
	return strings.ReplaceAll(string(raw), "\x00", `\0`) + ": " + tr(lang, "base64 is an encoding, not encryption"), true
}
