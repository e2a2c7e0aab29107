package widgets

import (
	"strings"

	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/internal/i18n"
)

// The key tables themselves are package keymap's; here are the hint bar
// and the help generated from them.

// Hints is the hint bar's text (tview tags) in lang, cut to width on a
// whole hint. When not every hint fits, the kept ones (help, the way out)
// stay and the others give way from the end. The words are translated
// here, when the bar is drawn, so the key tables stay in English.
func Hints(m *keymap.Map, th *Theme, lang string, width int) string {
	type hint struct {
		key, short string
		w          int
		keep       bool
	}
	var all []hint
	need, kept := 0, 0
	for _, x := range m.Bindings {
		if x.Short == "" || x.When != nil && !x.When() {
			continue
		}
		h := hint{key: x.FirstKey(), short: i18n.Word(lang, x.Short), keep: x.Keep}
		h.w = tview.TaggedStringWidth(h.key) + 1 + tview.TaggedStringWidth(h.short) + 2
		all = append(all, h)
		need += h.w
		if h.keep {
			kept += h.w
		}
	}
	room := width - kept // for the hints that may give way
	used := 0
	var b strings.Builder
	for _, h := range all {
		if need > width && !h.keep {
			if h.w > room {
				room = 0 // the rest give way, so the bar keeps the table's order
				continue
			}
			room -= h.w
		}
		if used+h.w > width {
			break // not even the kept ones fit
		}
		used += h.w
		b.WriteString(th.Tag(th.Accent) + tview.Escape(h.key) + Reset + " " + tview.Escape(h.short) + "  ")
	}
	return b.String()
}

// HelpLines writes the key maps for a width: a heading per map, then per
// binding its keys and, beside them, its description wrapped.
func HelpLines(th *Theme, lang string, width int, maps ...*keymap.Map) []string {
	keyW := 0
	for _, m := range maps {
		for _, b := range m.Bindings {
			keyW = max(keyW, uniseg.StringWidth(b.Label()))
		}
	}
	keyW = min(keyW, max(8, width/4))
	var out []string
	for i, m := range maps {
		if i > 0 {
			out = append(out, "")
		}
		out = append(out, SegLine(th, width, Seg{th.Title, i18n.Word(lang, m.Name)}))
		for _, b := range m.Bindings {
			key := " " + FitWord(b.Label(), keyW) + "  "
			pad := strings.Repeat(" ", uniseg.StringWidth(key))
			for j, ln := range WrapLine(i18n.Word(lang, b.Desc), width-uniseg.StringWidth(key)) {
				k := pad
				if j == 0 {
					k = key
				}
				out = append(out, th.Tag(th.Accent)+tview.Escape(k)+Reset+th.Tag(th.Text)+tview.Escape(ln)+Reset)
			}
		}
	}
	return out
}

// PaneKeys is the transcript pane's own key table, without the keys the
// screen takes for itself, for the help.
func PaneKeys(taken *keymap.Map) *keymap.Map {
	return keymap.Without("Transcript pane", transcriptview.Bindings(), taken)
}
