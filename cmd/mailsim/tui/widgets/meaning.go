package widgets

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/internal/i18n"
)

// Meaning is what the meaning pane says of the line selected in a
// transcript: the line (who sent it and its headline) with its details,
// then its annotations. The lesson screen and the classroom's live view
// both render it with Lines, so the pane reads the same in both.
type Meaning struct {
	Line  string      // "laptop USER alice"; "" for none (a hint, e.g. "Select a line")
	Style tcell.Style // the line's colour; it is drawn bold
	About []string    // details: "reply to RETR", "512 octets", the time
	Notes []Para      // what it means, in order: the note, the gloss, …
	// Paused: the annotations are paused (the live view's a key): the
	// notes are not shown, and the pane says so.
	Paused bool
}

// Para is a paragraph of a pane, in one style.
type Para struct {
	Style tcell.Style
	Text  string
	Ref   string // a reference kept on one row ("[RFC 1939 §5]"): after the text, on its last row when it fits
}

// Lines lays m out for a width: the line on one row (cut with "…": it is
// whole in the transcript), with its details beside it when they fit;
// then each note, wrapped; then the details that did not fit beside the
// line (they matter least).
func (m Meaning) Lines(th *Theme, lang string, w int) []string {
	var out []string
	para := func(st tcell.Style, text string) {
		for _, ln := range Wrap(text, w) {
			out = append(out, th.Tag(st)+tview.Escape(ln)+Reset)
		}
	}
	details := strings.Join(m.About, " · ")
	if m.Line != "" {
		line, bold := OneLine(m.Line), m.Style.Bold(true)
		if details != "" && uniseg.StringWidth(line)+2+uniseg.StringWidth(details) <= w {
			out = append(out, SegLine(th, w, Seg{Style: bold, Text: line}, Seg{Style: th.Dim, Text: "  " + details}))
			details = ""
		} else {
			out = append(out, SegLine(th, w, Seg{Style: bold, Text: line}))
		}
	}
	if m.Paused {
		para(th.Dim, i18n.Word(lang, "Annotations are paused (a resumes them)."))
	}
	for _, n := range m.Notes {
		t := strings.TrimSpace(n.Text)
		if m.Paused || t == "" {
			continue
		}
		para(n.Style, t)
		if n.Ref == "" {
			continue
		}
		last := Wrap(t, w)
		if lw := uniseg.StringWidth(last[len(last)-1]); lw+1+uniseg.StringWidth(n.Ref) <= w {
			out[len(out)-1] = strings.TrimSuffix(out[len(out)-1], Reset) + tview.Escape(" "+n.Ref) + Reset
		} else {
			para(n.Style, n.Ref)
		}
	}
	if details != "" {
		para(th.Dim, details)
	}
	return out
}
