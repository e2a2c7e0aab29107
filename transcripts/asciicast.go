package transcripts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// AsciicastOptions configure the asciinema export.
type AsciicastOptions struct {
	ExportOptions
	// WPM is the reading speed the recording is paced for, in words per
	// minute; 0 = DefaultWPM.
	WPM int
	// TypeDelay is the pause between two characters a client types; 0 =
	// 45 ms (a line takes at most MaxTyping to type).
	TypeDelay time.Duration
	// Width and Height of the terminal, in columns and rows; 0 = 100 × 32.
	// Every line is wrapped to Width.
	Width, Height int
	NoColor       bool // no ANSI colours
}

// DefaultWPM suits a reader in a second language: about half the 200–250
// words a minute of a native reader of easy prose.
const DefaultWPM = 120

// The pacing of a recording: each thing shown is held on screen for its
// base time plus the time to read it (see Hold): the narration, the
// lesson's annotations and a quiz at the reading speed; protocol lines
// and the glossary's notes (reference, there to look up) at Skim times
// that speed.
const (
	Skim          = 4
	NarrationBase = 1500 * time.Millisecond // a step's marker and narration
	NoteBase      = 500 * time.Millisecond  // an annotation of a wire line
	LineBase      = 400 * time.Millisecond  // a line on the wire, an event, a change
	QuizThink     = 4 * time.Second         // the question stays up this much longer before its answer
	AnswerBase    = time.Second             // the answer and its explanation
	EndHold       = 3 * time.Second         // the state at the end
	MaxTyping     = 2500 * time.Millisecond // the longest a client takes to type a line
)

// Words counts what a reader reads in s: its words, or for text with
// long runs and no spaces (base64, a CAPABILITY list) one word per six
// characters, whichever is more.
func Words(s string) int {
	return max(len(strings.Fields(s)), (utf8.RuneCountInString(strings.TrimSpace(s))+5)/6)
}

// Hold is how long text stays on screen before the next thing appears:
// base plus Words(text) at wpm words a minute.
func Hold(base time.Duration, text string, wpm int) time.Duration {
	return base + time.Duration(Words(text))*time.Minute/time.Duration(wpm)
}

// ANSI colours of the protocols, as in the TUI: POP3 amber, IMAP cyan,
// SMTP magenta.
var ansiColour = map[string]string{"pop3": "\x1b[33m", "imap": "\x1b[36m", "smtp": "\x1b[35m"}

// Asciicast writes an asciicast v2 recording (asciinema play, asciinema
// cat) paced for reading, not at the recorded speed: a step's narration
// stays up for NarrationBase plus its reading time at o.WPM, a client's
// line is typed out, each reply line, annotation and change is held for
// its own reading time, and a quiz's question and choices stay up
// QuizThink longer before the answer appears. Each step starts with an
// asciinema marker (its title); every line is wrapped to o.Width columns.
func Asciicast(w io.Writer, t *Transcript, o AsciicastOptions) error {
	if o.WPM <= 0 {
		o.WPM = DefaultWPM
	}
	if o.TypeDelay == 0 {
		o.TypeDelay = 45 * time.Millisecond
	}
	if o.Width == 0 {
		o.Width = 100
	}
	if o.Height == 0 {
		o.Height = 32
	}
	lang := o.lang(t)
	bw := bufio.NewWriter(w)
	l := t.Heading()
	hdr := map[string]any{"version": 2, "width": o.Width, "height": o.Height, "timestamp": t.Created.Unix(),
		"title": textsafe.Visible(fmt.Sprintf("mailsim · %s — %s", l.ID, strings.TrimSpace(l.Title.In(lang)))),
		"env":   map[string]string{"TERM": "xterm-256color", "SHELL": "/bin/sh"}}
	if err := writeJSONLine(bw, hdr); err != nil {
		return err
	}
	c := &cast{w: bw, o: o}
	var buf bytes.Buffer
	p := NewPlain(&buf, l, PlainOptions{Lang: lang, Eavesdropper: o.Eavesdropper, BlockLines: o.BlockLines})
	for _, e := range t.Events {
		buf.Reset()
		if e.Kind == events.EventQuiz {
			c.quiz(e.Quiz, lang)
			continue
		}
		p.Event(e)
		out := strings.TrimSuffix(buf.String(), "\n")
		if out == "" {
			continue
		}
		lines := strings.Split(out, "\n")
		switch {
		case e.Kind == events.EventStep:
			title := strings.TrimSpace(e.Title.In(lang))
			if title != "" {
				title = " · " + title
			}
			c.marker(i18n.Wordf(lang, "Step %d/%d%s", e.Step+1, l.Steps, title))
			c.show(lines, "")
			c.hold(NarrationBase, strings.TrimSpace(e.Say.In(lang)))
		case e.Kind == events.EventWire:
			c.wire(e, lines)
		default:
			c.show(lines, "")
			c.skim(LineBase, out)
		}
	}
	buf.Reset()
	p.Final(t.Final())
	c.show(strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"), "")
	c.clock += EndHold
	c.emit("o", "")
	if c.err != nil {
		return c.err
	}
	return bw.Flush()
}

// cast writes the events of a recording, keeping its clock.
type cast struct {
	w     *bufio.Writer
	o     AsciicastOptions
	clock time.Duration
	err   error
}

func (c *cast) emit(kind, text string) {
	if c.err == nil {
		c.err = writeJSONLine(c.w, []any{round6(c.clock.Seconds()), kind, text})
	}
}

func (c *cast) marker(label string) { c.emit("m", textsafe.Visible(label)) }

func (c *cast) hold(base time.Duration, text string) { c.clock += Hold(base, text, c.o.WPM) }

func (c *cast) skim(base time.Duration, text string) { c.clock += Hold(base, text, Skim*c.o.WPM) }

// show writes lines at once, each wrapped to the width, in colour.
func (c *cast) show(lines []string, colour string) {
	var b strings.Builder
	for _, l := range lines {
		for _, piece := range c.wrap(l) {
			b.WriteString(c.paint(piece, colour) + "\r\n")
		}
	}
	c.emit("o", b.String())
}

func (c *cast) paint(s, colour string) string {
	if colour == "" || c.o.NoColor || s == "" {
		return s
	}
	return colour + s + "\x1b[0m"
}

// wrap cuts a printed line to the terminal's width: narration and
// annotations between words under their own indent, protocol lines
// anywhere with a continuation mark under the line's text.
func (c *cast) wrap(line string) []string {
	line = textsafe.Visible(line) // every line shown or typed passes here
	if width(line) <= c.o.Width {
		return []string{line}
	}
	body := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(body)]
	for _, mark := range []string{"│ ", "↳ ", "· ", "→ ", "? "} {
		if rest, ok := strings.CutPrefix(body, mark); ok {
			first := indent + mark
			cont := indent + strings.Repeat(" ", width(mark))
			if mark == "│ " {
				cont = first
			}
			return wrapText(rest, c.o.Width, first, cont, true)
		}
	}
	if prefix, text, ok := wirePrefix(line); ok {
		return wrapText(text, c.o.Width, prefix, strings.Repeat(" ", width(prefix))+Contd, false)
	}
	return wrapText(body, c.o.Width, indent, indent+"  ", true)
}

// wirePrefix splits "  laptop   C: USER alice" after "C: ".
func wirePrefix(line string) (prefix, text string, ok bool) {
	for _, dir := range []string{" C: ", " S: "} {
		if i := strings.Index(line, dir); i > 0 && !strings.Contains(strings.TrimSpace(line[:i]), " ") {
			return line[:i+len(dir)], line[i+len(dir):], true
		}
	}
	return "", "", false
}

// wire shows a unit: a client's line is typed, a reply shown; then each
// annotation is held for its reading time.
func (c *cast) wire(e events.Event, lines []string) {
	colour := ansiColour[string(e.Protocol)]
	n := 0 // the unit's own lines; the rest are annotations
	for n < len(lines) && !isNote(lines[n]) {
		n++
	}
	unit, notes := lines[:n], lines[n:]
	if u := e.Unit; len(unit) == 1 && u.Dir == wire.ClientToServer && u.Kind == wire.Line {
		c.typeLine(unit[0], colour)
	} else if len(unit) > 0 {
		c.show(unit, colour)
		c.skim(LineBase, unitText(unit))
	}
	for _, note := range notes {
		c.show([]string{note}, "")
		if strings.HasPrefix(strings.TrimLeft(note, " "), "↳ ") {
			c.hold(NoteBase, note)
		} else {
			c.skim(NoteBase, note)
		}
	}
}

// isNote: an annotation line ("↳ " the lesson's, "· " the glossary's).
func isNote(l string) bool {
	s := strings.TrimLeft(l, " ")
	return strings.HasPrefix(s, "↳ ") || strings.HasPrefix(s, "· ")
}

// unitText is what a reader reads of a unit: a body's first line (its
// size), not the message lines under it, which are glanced at.
func unitText(lines []string) string {
	if len(lines) > 1 && strings.Contains(lines[0], "┌ ") {
		return lines[0]
	}
	return strings.Join(lines, "\n")
}

// typeLine shows the prompt, then types the client's line a character at
// a time (faster for a line that would take longer than MaxTyping),
// wrapping where the width ends.
func (c *cast) typeLine(line, colour string) {
	pieces := c.wrap(line)
	prefix, _, ok := wirePrefix(line)
	if !ok {
		c.show([]string{line}, colour)
		c.hold(LineBase, line)
		return
	}
	typed := 0
	for i, p := range pieces {
		if i == 0 {
			p = strings.TrimPrefix(p, prefix)
		}
		typed += utf8.RuneCountInString(p)
	}
	step := c.o.TypeDelay
	if typed > 0 && time.Duration(typed)*step > MaxTyping {
		step = MaxTyping / time.Duration(typed)
	}
	on, off := "", ""
	if colour != "" && !c.o.NoColor {
		on, off = colour, "\x1b[0m"
	}
	c.emit("o", on+prefix)
	for i, p := range pieces {
		if i == 0 {
			p = strings.TrimPrefix(p, prefix)
		} else {
			c.emit("o", off+"\r\n"+on)
		}
		for _, r := range p {
			c.clock += step
			c.emit("o", string(r))
		}
	}
	c.emit("o", off+"\r\n")
	c.hold(LineBase, "")
}

// quiz shows the question and its choices, waits QuizThink plus their
// reading time, then shows the answer and the explanation.
func (c *cast) quiz(q *lessons.QuizSpec, lang string) {
	if q == nil {
		return
	}
	tr := func(x i18n.Text) string { return oneLine(x.In(lang)) }
	ask := []string{"  ? " + tr(q.Question)}
	var right []string
	for i, ch := range q.Choices {
		ask = append(ask, fmt.Sprintf("    %c) %s", 'a'+i, tr(ch.Text)))
		if ch.Correct {
			right = append(right, fmt.Sprintf("%c) %s", 'a'+i, tr(ch.Text)))
		}
	}
	c.show(ask, "")
	c.hold(QuizThink, strings.Join(ask, "\n"))
	answer := []string{"    → " + i18n.Word(lang, "Answer:") + " " + strings.Join(right, "; ") + " ✓"}
	if ex := tr(q.Explain); ex != "" {
		answer = append(answer, "    → "+i18n.Word(lang, "Why:")+" "+ex)
	}
	c.show(answer, "")
	c.hold(AnswerBase, strings.Join(answer, "\n"))
}

func round6(f float64) float64 { return float64(int64(f*1e6+0.5)) / 1e6 }

func writeJSONLine(w *bufio.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
