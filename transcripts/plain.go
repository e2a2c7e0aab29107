package transcripts

import (
	"fmt"
	"io"
	"strings"

	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/wire"
)

// PlainOptions configure the plain-text printer.
type PlainOptions struct {
	Lang       string // language of the texts; "" = English
	Timestamps bool   // print each wire line's time
	// Eavesdropper prints what crossed the network (TLS records as opaque
	// summaries) instead of what the endpoints read inside TLS.
	Eavesdropper bool
	// BlockLines is how many lines of a multi-line body to print before
	// folding the rest; 0 means 6.
	BlockLines int
}

// Plain prints events as an annotated transcript.
type Plain struct {
	w      io.Writer
	o      PlainOptions
	lesson *lessons.Lesson
	steps  int
	err    error
}

// NewPlain returns a printer for a lesson's events.
func NewPlain(w io.Writer, l *lessons.Lesson, o PlainOptions) *Plain {
	if o.Lang == "" {
		o.Lang = lessons.Fallback
	}
	if o.BlockLines == 0 {
		o.BlockLines = 6
	}
	return &Plain{w: w, o: o, lesson: l, steps: len(l.Steps)}
}

// Err is the first write error, if any.
func (p *Plain) Err() error { return p.err }

func (p *Plain) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

func (p *Plain) tr(t lessons.Text) string { return strings.TrimSpace(t.In(p.o.Lang)) }

// Event prints one event.
func (p *Plain) Event(e sim.Event) {
	switch e.Kind {
	case sim.EventStart:
		p.printf("mailsim · %s — %s\n", p.lesson.ID, p.tr(p.lesson.Title))
		if s := p.tr(p.lesson.Summary); s != "" {
			p.printf("%s\n", s)
		}
		p.printf("\nAt the start:\n")
		p.state(e.State, true)
	case sim.EventStep:
		title := p.tr(e.Title)
		if title != "" {
			title = " · " + title
		}
		p.printf("\nStep %d/%d%s\n", e.Step+1, p.steps, title)
		if s := p.tr(e.Say); s != "" {
			for _, l := range strings.Split(s, "\n") {
				p.printf("  │ %s\n", l)
			}
		}
	case sim.EventConnect:
		p.printf("  %s ⇄ %s (%s%s)\n", e.Actor, e.Host, strings.ToUpper(string(e.Protocol)), tlsNote(e.Role))
	case sim.EventClose:
		p.printf("  %s ✕ %s: %s\n", e.Actor, e.Host, p.tr(e.Text))
	case sim.EventWire:
		p.wire(e)
	case sim.EventCheck:
		mark := "✓"
		if !e.OK {
			mark = "✗"
		}
		p.printf("  %s %s\n", mark, p.tr(e.Text))
	case sim.EventFail:
		p.printf("  ✗ %s\n", p.tr(e.Text))
	case sim.EventQuiz:
		p.quiz(e.Quiz)
	case sim.EventState:
		p.delta(e.Delta)
	case sim.EventEnd:
		p.printf("\nResult: %s — %s\n", map[bool]string{true: "passed", false: "FAILED"}[e.OK], p.tr(e.Text))
	}
}

func tlsNote(r sim.Role) string {
	if r.ImplicitTLS() {
		return ", TLS from the first byte"
	}
	return ", plain text"
}

func (p *Plain) wire(e sim.Event) {
	u := e.Unit
	switch {
	case u.Layer == wire.Cipher && !p.o.Eavesdropper:
		return
	case u.Layer == wire.Inner && p.o.Eavesdropper:
		return
	}
	stamp := ""
	if p.o.Timestamps {
		stamp = e.Time.Format("15:04:05.000") + " "
	}
	prefix := fmt.Sprintf("  %s%-8s %s: ", stamp, e.Actor, u.Dir)
	indent := strings.Repeat(" ", len([]rune(prefix)))
	switch u.Kind {
	case wire.Block:
		lines := strings.Split(strings.TrimSuffix(u.Text, "\n"), "\n")
		p.printf("%s┌ %s\n", prefix, blockSummary(u, len(lines)))
		shown := lines
		if len(shown) > p.o.BlockLines {
			shown = shown[:p.o.BlockLines]
		}
		for _, l := range shown {
			p.printf("%s│ %s\n", indent, l)
		}
		if more := len(lines) - len(shown); more > 0 {
			p.printf("%s└ … %d more lines\n", indent, more)
		}
	default:
		p.printf("%s%s\n", prefix, u.Text)
	}
	if n := p.tr(e.Note); n != "" {
		p.printf("%s↳ %s\n", indent, oneLine(n))
	} else if e.Gloss != nil {
		if g := p.tr(e.Gloss.Text); g != "" {
			ref := ""
			if e.Gloss.RFC != "" {
				ref = " [" + e.Gloss.RFC + "]"
			}
			p.printf("%s· %s%s\n", indent, oneLine(g), ref)
		}
	}
}

func blockSummary(u *wire.Unit, lines int) string {
	return fmt.Sprintf("%d lines, %d octets", lines, u.Len)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (p *Plain) quiz(q *lessons.QuizSpec) {
	if q == nil {
		return
	}
	p.printf("  ? %s\n", p.tr(q.Question))
	for i, c := range q.Choices {
		mark := " "
		if c.Correct {
			mark = "*"
		}
		p.printf("    %s %c) %s\n", mark, 'a'+i, p.tr(c.Text))
	}
	if ex := p.tr(q.Explain); ex != "" {
		p.printf("    → %s\n", oneLine(ex))
	}
}

func (p *Plain) delta(changes []sim.Change) {
	if len(changes) == 0 {
		return
	}
	p.printf("  what changed:\n")
	for _, c := range changes {
		sign := map[sim.ChangeKind]string{sim.Added: "+", sim.Removed: "−", sim.FlagsChanged: "~", sim.Marked: "×", sim.Unmarked: "↺"}[c.Kind]
		extra := ""
		if c.Kind == sim.FlagsChanged {
			extra = " " + flagList(c.Flags)
		}
		p.printf("    %s %s: UID %d %q %s%s\n", sign, c.Where, c.UID, c.Subject, c.Kind, extra)
	}
}

// state prints every mailbox of the lesson's users and every device.
func (p *Plain) state(s *sim.State, full bool) {
	if s == nil {
		return
	}
	for _, ps := range s.Providers {
		for _, u := range ps.Snapshot.Users {
			for _, mb := range u.Mailboxes {
				p.printf("  server %s %s/%s: %s\n", ps.Domain, u.Name, mb.Name, countOf(len(mb.Messages)))
				if full {
					for _, m := range mb.Messages {
						mark := ""
						if ps.Marked[sim.MarkKey(u.Name, m.UID)] {
							mark = "  (marked for deletion)"
						}
						p.printf("    UID %-3d %-28.28s %-32.32q %6d B %s%s\n", m.UID, m.From, m.Subject, m.Size(), flagList(m.Flags), mark)
					}
				}
			}
		}
	}
	for _, d := range s.Devices {
		p.printf("  device %s (%s, %s): %s local\n", d.Name, p.tr(d.Client), strings.ToUpper(d.Protocol), countOf(len(d.Local)))
		if full {
			for _, m := range d.Local {
				p.printf("    UID %-3d %-28.28s %-32.32q %6d B\n", m.UID, m.From, m.Subject, m.Size)
			}
		}
	}
}

// Final prints the state at the end of the run in full.
func (p *Plain) Final(s *sim.State) {
	p.printf("\nAt the end:\n")
	p.state(s, true)
}

func countOf(n int) string {
	switch n {
	case 0:
		return "empty"
	case 1:
		return "1 message"
	}
	return fmt.Sprintf("%d messages", n)
}

func flagList(flags []string) string {
	if len(flags) == 0 {
		return "()"
	}
	return "(" + strings.Join(flags, " ") + ")"
}
