package transcripts

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"mailsim/internal/textsafe"
)

// Markdown writes a compact handout: what the lesson shows, the state at
// the start, each step with its narrative, the transcript as C:/S: code
// blocks with the lesson's annotations, and what changed; the whole state
// again at each quiz and at the end; then (for a trainer) the answer key.
// The glossary's explanations of single lines are left to the HTML
// handout, which has room for them.
func Markdown(w io.Writer, t *Transcript, o ExportOptions) error {
	if o.BlockLines == 0 {
		o.BlockLines = 2 // the body's first lines: the HTML handout shows more
	}
	h := buildHandout(t, o)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(h.Title))
	if h.Summary != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(h.Summary))
	}
	fmt.Fprintf(&b, "_%s (%s)_\n\n", mdEscape(h.About), mdEscape(h.CopyLabel()))
	if len(h.Shows) > 0 {
		fmt.Fprintf(&b, "## %s\n", mdEscape(h.L.Shows))
		for _, c := range h.Shows {
			fmt.Fprintf(&b, "- %s\n", mdEscape(oneLine(c)))
		}
		b.WriteString("\n")
	}
	if h.Start != nil {
		fmt.Fprintf(&b, "## %s\n", mdEscape(h.L.AtStart))
		mdTable(&b, h.Start)
	}
	for _, s := range h.Steps {
		fmt.Fprintf(&b, "## %s\n", mdEscape(s.Head))
		wire := slices.ContainsFunc(s.Lines, func(l hLine) bool { return l.Who != "" })
		for i, p := range s.Say {
			if i == len(s.Say)-1 && !wire && len(s.Lines) > 0 {
				// a step that only checks: its lines end the paragraph
				b.WriteString(mdEscape(oneLine(p)))
				for _, l := range s.Lines {
					b.WriteString("\\\n" + mdEscape(l.Whole))
				}
				b.WriteString("\n\n")
				continue
			}
			fmt.Fprintf(&b, "%s\n\n", mdEscape(oneLine(p)))
		}
		if wire || len(s.Say) == 0 {
			mdWire(&b, s.Lines)
		}
		if len(s.Changes) > 0 {
			fmt.Fprintf(&b, "%s %s\n", mdEscape(h.L.WhatChanged), mdEscape(strings.Join(s.Changes, "; ")))
		}
		if q := s.Quiz; q != nil {
			fmt.Fprintf(&b, "**?** %s\n", mdEscape(q.Question))
			if h.Student {
				fmt.Fprintf(&b, "\n%s ____________________________________________\n\n", mdEscape(h.L.YourAnswer))
			}
			for _, c := range q.Choices {
				mark := ""
				if c.Correct {
					mark = " ✓"
				}
				fmt.Fprintf(&b, "- %s) %s%s\n", c.Letter, mdEscape(c.Text), mark)
			}
			if len(q.Choices) > 0 {
				b.WriteString("\n")
			}
			if q.Explain != "" {
				fmt.Fprintf(&b, "**%s** %s\n\n", mdEscape(h.L.Explanation), mdEscape(q.Explain))
			}
			for _, a := range q.Answers {
				fmt.Fprintf(&b, "_%s_\n\n", mdEscape(a))
			}
		}
		if s.State != nil {
			mdTable(&b, s.State)
		}
	}
	if h.Result != "" {
		fmt.Fprintf(&b, "**%s** %s\n\n", mdEscape(h.L.Result), mdEscape(h.Result))
	}
	if h.End != nil {
		fmt.Fprintf(&b, "## %s\n", mdEscape(h.L.AtEnd))
		mdTable(&b, h.End)
	}
	if len(h.Key) > 0 {
		fmt.Fprintf(&b, "## %s\n", mdEscape(h.L.AnswerKey))
		for _, k := range h.Key {
			fmt.Fprintf(&b, "- %s: %s **%s** %s\n", mdEscape(k.Step), mdEscape(k.Question), mdEscape(k.Answer), mdEscape(k.Explain))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, textsafe.Visible(strings.TrimRight(b.String(), "\n")+"\n"))
	return err
}

// mdCols is how wide a line of a markdown code block may grow when a
// short wire line takes its annotation beside it.
const mdCols = 120

// mdWire writes a step's transcript as an indented code block (four
// spaces: no fence lines), each wire line whole (a reader copies it), each
// of the lesson's annotations beside its line when both fit in mdCols,
// else under it.
func mdWire(b *strings.Builder, lines []hLine) {
	for _, l := range lines {
		pad := strings.Repeat(" ", 12)
		if l.Who != "" {
			pad = strings.Repeat(" ", width(l.Who)+1)
		}
		line := l.Whole
		switch {
		case l.Who != "":
			line = l.Who + " " + line
		case l.Class != "event" && l.Class != "good" && l.Class != "bad":
			line = pad + line
		}
		out := []string{line}
		for _, n := range l.Notes {
			if !strings.HasPrefix(n, "↳") { // the glossary's: the HTML handout has them
				continue
			}
			if last := out[len(out)-1]; width(last)+2+width(n) <= mdCols {
				out[len(out)-1] = last + "  " + n
			} else {
				out = append(out, pad+n)
			}
		}
		for _, o := range out {
			b.WriteString("    " + o + "\n")
		}
	}
}

// CopyLabel says whose copy the handout is.
func (h *handout) CopyLabel() string {
	if h.Student {
		return h.L.Student
	}
	return h.L.Trainer
}

// Ref is where a term is defined: "POP3, RFC 1939 §5".
func (g hTerm) Ref() string {
	if g.RFC == "" {
		return g.Proto
	}
	return g.Proto + ", " + g.RFC
}

func mdTable(b *strings.Builder, tb *table) {
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(mdEscape(c), "\n", " ") + " |")
		}
		b.WriteString("\n")
	}
	row(append([]string{tb.Where}, tb.Head...))
	b.WriteString("|" + strings.Repeat("---|", len(tb.Head)+1) + "\n")
	for _, r := range tb.Rows {
		row(append([]string{r.Where}, r.Cells...))
	}
	b.WriteString("\n")
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "|", `\|`, "#", `\#`)

func mdEscape(s string) string { return mdEscaper.Replace(s) }
