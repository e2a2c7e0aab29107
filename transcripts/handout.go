package transcripts

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"mailsim/lessons"
	"mailsim/sim"
)

// ExportOptions configure the exports.
type ExportOptions struct {
	Lang string // "" = the transcript's language
	// Eavesdropper shows what crossed the network (TLS records) instead of
	// the lines inside TLS, as PlainOptions.Eavesdropper.
	Eavesdropper bool
	// BlockLines is how many lines of a multi-line body to show; 0 = 12.
	BlockLines int
}

func (o ExportOptions) lang(t *Transcript) string {
	if o.Lang == "" {
		return t.Lang()
	}
	return o.Lang
}

// handout is what the markdown and HTML exports show, built once.
type handout struct {
	L                     labels // the handout's own words, in its language
	Title, Summary, About string
	Start                 *table
	Steps                 []hStep
	End                   *table
	Result                string
}

// labels are the handout's headings and labels in its language.
type labels struct {
	Lang, AtStart, AtEnd, WhatChanged, Result string
}

func handoutLabels(lang string) labels {
	w := func(s string) string { return lessons.Word(lang, s) }
	html := lang
	if html == "" {
		html = "en"
	}
	return labels{Lang: html, AtStart: w("At the start"), AtEnd: w("At the end"), WhatChanged: w("What changed:"), Result: w("Result:")}
}

type hStep struct {
	Head    string   // "Step 2/19 · Step 1: connect"
	Say     []string // paragraphs
	Lines   []hLine
	Changes []string
	State   *table // after the step, when something changed
}

// hLine is one line of a step's transcript box.
type hLine struct {
	Class string // pop3, imap, smtp (wire lines); event, good, bad, quiz (others)
	Who   string // "laptop C:" ; "" for events
	Text  string
	Notes []string
}

type table struct {
	Head []string
	Rows [][]string
}

func buildHandout(t *Transcript, o ExportOptions) *handout {
	lang := o.lang(t)
	if o.BlockLines == 0 {
		o.BlockLines = 12
	}
	tr := func(x lessons.Text) string { return strings.TrimSpace(x.In(lang)) }
	l := t.Lessonish()
	word := func(s string) string { return lessons.Word(lang, s) }
	h := &handout{L: handoutLabels(lang), Title: fmt.Sprintf("mailsim · %s — %s", l.ID, tr(l.Title)), Summary: tr(l.Summary)}
	layout := "2 January 2006 15:04"
	if lang == "vi" {
		layout = "02/01/2006 15:04"
	}
	h.About = lessons.Wordf(lang, "Transcript %s, recorded %s.", t.ID, t.Created.Format(layout))
	if t.Redacted {
		h.About += " " + word("Passwords and SASL payloads are shown as •••.")
	}
	states := NewStates(t)
	var cur *hStep
	steps := len(l.Steps)
	for i := range t.Events {
		e := &t.Events[i]
		switch e.Kind {
		case "start":
			h.Start = stateTable(states.Get(e.Snapshot), lang)
		case "step":
			title := ""
			if s := tr(e.Title); s != "" {
				title = " · " + s
			}
			head := lessons.Wordf(lang, "Step %d/%d%s", e.Step+1, steps, title)
			h.Steps = append(h.Steps, hStep{Head: head, Say: paragraphs(tr(e.Say))})
			cur = &h.Steps[len(h.Steps)-1]
		case "end":
			h.Result = word(map[bool]string{true: "passed", false: "FAILED"}[e.OK]) + " — " + tr(e.What)
		}
		if cur == nil {
			continue
		}
		switch e.Kind {
		case "connect":
			tls := ", " + word("plain text")
			if sim.Role(e.Role).ImplicitTLS() {
				tls = ", " + word("TLS from the first byte")
			}
			cur.Lines = append(cur.Lines, hLine{Class: "event", Text: fmt.Sprintf("%s ⇄ %s (%s%s)", e.Actor, e.Host, strings.ToUpper(e.Protocol), tls)})
		case "close":
			cur.Lines = append(cur.Lines, hLine{Class: "event", Text: fmt.Sprintf("%s ✕ %s: %s", e.Actor, e.Host, tr(e.What))})
		case "wire":
			if e.Layer == "cipher" && !o.Eavesdropper || e.Layer == "inner" && o.Eavesdropper {
				continue
			}
			se := states.SimEvent(i)
			hl := hLine{Class: e.Protocol, Who: fmt.Sprintf("%-8s %s:", e.Actor, e.Dir)}
			if e.Unit == "block" {
				lines := strings.Split(strings.TrimSuffix(e.Text, "\n"), "\n")
				hl.Text = "┌ " + lessons.Wordf(lang, "%d lines, %d octets", len(lines), e.Len)
				cur.Lines = append(cur.Lines, hl)
				more := 0
				if len(lines) > o.BlockLines {
					lines, more = lines[:o.BlockLines], len(lines)-o.BlockLines
				}
				for _, s := range lines {
					cur.Lines = append(cur.Lines, hLine{Class: e.Protocol, Text: "│ " + s})
				}
				if more > 0 {
					cur.Lines = append(cur.Lines, hLine{Class: e.Protocol, Text: "└ " + lessons.Wordf(lang, "… %d more lines", more)})
				}
				hl = hLine{Class: e.Protocol}
			} else {
				hl.Text = e.Text
			}
			if n := tr(se.Note); n != "" {
				hl.Notes = append(hl.Notes, "↳ "+oneLine(n))
			} else if se.Gloss != nil {
				if g := tr(se.Gloss.Text); g != "" {
					ref := ""
					if se.Gloss.RFC != "" {
						ref = " [" + se.Gloss.RFC + "]"
					}
					hl.Notes = append(hl.Notes, "· "+oneLine(g)+ref)
				}
			}
			if hl.Text != "" || len(hl.Notes) > 0 {
				if hl.Text == "" && len(cur.Lines) > 0 { // notes of a block go under its last line
					last := &cur.Lines[len(cur.Lines)-1]
					last.Notes = append(last.Notes, hl.Notes...)
				} else {
					cur.Lines = append(cur.Lines, hl)
				}
			}
		case "check":
			c, mark := "good", "✓"
			if !e.OK {
				c, mark = "bad", "✗"
			}
			cur.Lines = append(cur.Lines, hLine{Class: c, Text: mark + " " + tr(e.What)})
		case "fail":
			cur.Lines = append(cur.Lines, hLine{Class: "bad", Text: "✗ " + tr(e.What)})
		case "quiz":
			if q := e.Quiz; q != nil {
				cur.Lines = append(cur.Lines, hLine{Class: "quiz", Text: "? " + tr(q.Question)})
				for k, c := range q.Choices {
					mark := " "
					if c.Correct {
						mark = "*"
					}
					cur.Lines = append(cur.Lines, hLine{Class: "quiz", Text: fmt.Sprintf("  %s %c) %s", mark, 'a'+k, tr(c.Text))})
				}
				if ex := tr(q.Explain); ex != "" {
					cur.Lines = append(cur.Lines, hLine{Class: "quiz", Text: "  → " + oneLine(ex)})
				}
				for _, a := range t.Answers {
					if a.Step == e.Step {
						right := "wrong"
						if a.Correct {
							right = "right"
						}
						cur.Lines = append(cur.Lines, hLine{Class: "quiz", Text: "  " + lessons.Wordf(lang, "answered %c): %s", 'a'+a.Choice, word(right))})
					}
				}
			}
		case "state":
			se := states.SimEvent(i)
			for _, c := range se.Delta {
				sign := map[sim.ChangeKind]string{sim.Added: "+", sim.Removed: "−", sim.FlagsChanged: "~", sim.Marked: "×", sim.Unmarked: "↺", sim.Downloaded: "↓"}[c.Kind]
				extra := ""
				switch c.Kind {
				case sim.FlagsChanged:
					extra = " " + flagList(c.Flags)
				case sim.Downloaded:
					extra = ": " + c.Detail
				}
				where := c.Where
				if name, ok := strings.CutPrefix(where, "device "); ok {
					where = lessons.Wordf(lang, "device %s", name)
				}
				cur.Changes = append(cur.Changes, fmt.Sprintf("%s %s: UID %d %q %s%s", sign, where, c.UID, c.Subject, word(c.Kind.String()), extra))
			}
			if len(se.Delta) > 0 {
				cur.State = stateTable(se.State, lang)
			}
		}
	}
	h.End = stateTable(t.Final(), lang)
	return h
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stateTable lays out every server mailbox and device copy.
func stateTable(s *sim.State, lang string) *table {
	if s == nil {
		return nil
	}
	w := func(s string) string { return lessons.Word(lang, s) }
	tb := &table{Head: []string{w("Where"), "UID", w("From"), w("Subject"), w("Size"), w("Flags / held")}}
	for _, ps := range s.Providers {
		for _, u := range ps.Snapshot.Users {
			for _, mb := range u.Mailboxes {
				where := lessons.Wordf(lang, "server %s %s/%s", ps.Domain, u.Name, mb.Name)
				if len(mb.Messages) == 0 {
					tb.Rows = append(tb.Rows, []string{where, "", "", w("(empty)"), "", ""})
				}
				for _, m := range mb.Messages {
					flags := flagList(m.Flags)
					if ps.Marked[sim.MarkKey(u.Name, m.UID)] {
						flags += " " + w("marked for deletion")
					}
					tb.Rows = append(tb.Rows, []string{where, fmt.Sprint(m.UID), m.From, m.Subject, fmt.Sprintf("%d B", m.Size()), flags})
				}
			}
		}
	}
	for _, d := range s.Devices {
		where := lessons.Wordf(lang, "device %s (%s)", d.Name, strings.ToUpper(d.Protocol))
		if len(d.Local) == 0 {
			tb.Rows = append(tb.Rows, []string{where, "", "", w("(nothing local)"), "", ""})
		}
		for _, m := range d.Local {
			held := w("whole message")
			if d.Protocol == "imap" {
				held = m.Parts
				if held == "" {
					held = w("summary only")
				}
				held = flagList(m.Flags) + " " + held
			}
			tb.Rows = append(tb.Rows, []string{where, fmt.Sprint(m.UID), m.From, m.Subject, fmt.Sprintf("%d B", m.Size), held})
		}
	}
	return tb
}

// Markdown writes a handout: steps, narrative, the transcript as C:/S:
// code blocks with their annotations, and the state as tables.
func Markdown(w io.Writer, t *Transcript, o ExportOptions) error {
	h := buildHandout(t, o)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(h.Title))
	if h.Summary != "" {
		fmt.Fprintf(&b, "%s\n\n", mdEscape(h.Summary))
	}
	fmt.Fprintf(&b, "_%s_\n\n", mdEscape(h.About))
	if h.Start != nil {
		fmt.Fprintf(&b, "## %s\n\n", mdEscape(h.L.AtStart))
		mdTable(&b, h.Start)
	}
	for _, s := range h.Steps {
		fmt.Fprintf(&b, "## %s\n\n", mdEscape(s.Head))
		for _, p := range s.Say {
			fmt.Fprintf(&b, "%s\n\n", mdEscape(p))
		}
		if len(s.Lines) > 0 {
			var code strings.Builder
			for _, l := range s.Lines {
				pad := ""
				if l.Who != "" {
					code.WriteString(l.Who + " ")
					pad = strings.Repeat(" ", len([]rune(l.Who))+1)
				} else if l.Class != "event" && l.Class != "good" && l.Class != "bad" && l.Class != "quiz" {
					pad = strings.Repeat(" ", 12)
					code.WriteString(pad)
				}
				code.WriteString(l.Text + "\n")
				for _, n := range l.Notes {
					code.WriteString(pad + n + "\n")
				}
			}
			fence := mdFence(code.String())
			fmt.Fprintf(&b, "%stext\n%s%s\n\n", fence, code.String(), fence)
		}
		if len(s.Changes) > 0 {
			fmt.Fprintf(&b, "%s\n\n", mdEscape(h.L.WhatChanged))
			for _, c := range s.Changes {
				fmt.Fprintf(&b, "- %s\n", mdEscape(c))
			}
			b.WriteString("\n")
		}
		if s.State != nil {
			mdTable(&b, s.State)
		}
	}
	if h.Result != "" {
		fmt.Fprintf(&b, "**%s** %s\n\n", mdEscape(h.L.Result), mdEscape(h.Result))
	}
	if h.End != nil {
		fmt.Fprintf(&b, "## %s\n\n", mdEscape(h.L.AtEnd))
		mdTable(&b, h.End)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdTable(b *strings.Builder, tb *table) {
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + strings.ReplaceAll(mdEscape(c), "\n", " ") + " |")
		}
		b.WriteString("\n")
	}
	row(tb.Head)
	b.WriteString("|" + strings.Repeat("---|", len(tb.Head)) + "\n")
	for _, r := range tb.Rows {
		row(r)
	}
	b.WriteString("\n")
}

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`, "|", `\|`, "#", `\#`)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdFence is a code fence longer than any run of backticks in s.
func mdFence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// HTML writes the handout as one self-contained page: inline CSS, no
// scripts, no external assets.
func HTML(w io.Writer, t *Transcript, o ExportOptions) error {
	return htmlPage.Execute(w, buildHandout(t, o))
}

var htmlPage = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="{{.L.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { background: #1c1c1c; color: #e4e4e4; font: 16px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2 { color: #fff; font-weight: 600; }
h2 { border-top: 1px solid #444; padding-top: 1rem; margin-top: 2rem; font-size: 1.2rem; }
.about { color: #999; font-style: italic; }
.say { max-width: 48rem; }
pre { background: #101010; border: 1px solid #333; border-radius: 4px; padding: .75rem 1rem; overflow-x: auto; font: 14px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
pre span { white-space: pre; }
.pop3 { color: #ffb000; }
.imap { color: #00d7d7; }
.smtp { color: #ff5fd7; }
.event { color: #aaa; }
.good { color: #5fd75f; }
.bad { color: #ff5f5f; font-weight: bold; }
.quiz { color: #d7d7ff; }
.note { color: #8a8a8a; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: 14px; }
th, td { border: 1px solid #444; padding: .2rem .6rem; text-align: left; }
th { background: #2a2a2a; }
.legend span { margin-right: 1.5rem; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Summary}}<p>{{.Summary}}</p>{{end}}
<p class="about">{{.About}}</p>
<p class="legend"><span class="pop3">■ POP3</span><span class="imap">■ IMAP</span><span class="smtp">■ SMTP</span></p>
{{with .Start}}<h2>{{$.L.AtStart}}</h2>{{template "table" .}}{{end}}
{{range .Steps}}<section>
<h2>{{.Head}}</h2>
{{range .Say}}<p class="say">{{.}}</p>
{{end}}{{if .Lines}}<pre>{{range .Lines}}<span class="{{.Class}}">{{if .Who}}{{.Who}} {{end}}{{.Text}}</span>
{{range .Notes}}<span class="note">    {{.}}</span>
{{end}}{{end}}</pre>
{{end}}{{if .Changes}}<p>{{$.L.WhatChanged}}</p>
<ul>{{range .Changes}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{with .State}}{{template "table" .}}{{end}}
</section>
{{end}}{{if .Result}}<p><strong>{{.L.Result}}</strong> {{.Result}}</p>{{end}}
{{with .End}}<h2>{{$.L.AtEnd}}</h2>{{template "table" .}}{{end}}
</body>
</html>
{{define "table"}}<table>
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}`))
