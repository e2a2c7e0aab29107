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
// whole hint. The words are translated here, when the bar is drawn, so
// the key tables stay in English.
func Hints(m *keymap.Map, th *Theme, lang string, width int) string {
	var b strings.Builder
	used := 0
	for _, x := range m.Bindings {
		if x.Short == "" || x.When != nil && !x.When() {
			continue
		}
		key, short := x.FirstKey(), i18n.Word(lang, x.Short)
		w := tview.TaggedStringWidth(key) + 1 + tview.TaggedStringWidth(short) + 2
		if used+w > width {
			break
		}
		b.WriteString(th.Tag(th.Accent) + tview.Escape(key) + Reset + " " + tview.Escape(short) + "  ")
		used += w
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
