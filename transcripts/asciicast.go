package transcripts

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"mailsim/sim"
	"mailsim/sim/wire"
)

// AsciicastOptions configure the asciinema export.
type AsciicastOptions struct {
	ExportOptions
	// IdleLimit caps the pause between two events; 0 = 2 s.
	IdleLimit time.Duration
	// TypeDelay is the pause between characters a client types; 0 = 25 ms
	// (a line takes at most a second to type).
	TypeDelay time.Duration
	// Width and Height of the terminal; 0 = 100 × 32.
	Width, Height int
	NoColor       bool // no ANSI colours
}

// ANSI colours of the protocols, as in the TUI: POP3 amber, IMAP cyan,
// SMTP magenta.
var ansiColour = map[string]string{"pop3": "\x1b[33m", "imap": "\x1b[36m", "smtp": "\x1b[35m"}

// Asciicast writes an asciicast v2 recording (asciinema play, asciinema
// cat): the plain transcript appears at the recorded pace, pauses capped
// at o.IdleLimit, the client's lines typed out, and one marker per step.
func Asciicast(w io.Writer, t *Transcript, o AsciicastOptions) error {
	if o.IdleLimit == 0 {
		o.IdleLimit = 2 * time.Second
	}
	if o.TypeDelay == 0 {
		o.TypeDelay = 25 * time.Millisecond
	}
	if o.Width == 0 {
		o.Width = 100
	}
	if o.Height == 0 {
		o.Height = 32
	}
	bw := bufio.NewWriter(w)
	l := t.Lessonish()
	hdr := map[string]any{"version": 2, "width": o.Width, "height": o.Height, "timestamp": t.Created.Unix(),
		"idle_time_limit": o.IdleLimit.Seconds(), "title": fmt.Sprintf("mailsim · %s — %s", l.ID, strings.TrimSpace(l.Title.In(o.lang(t)))),
		"env": map[string]string{"TERM": "xterm-256color", "SHELL": "/bin/sh"}}
	if err := writeJSONLine(bw, hdr); err != nil {
		return err
	}
	var buf bytes.Buffer
	p := NewPlain(&buf, l, PlainOptions{Lang: o.lang(t), Eavesdropper: o.Eavesdropper, BlockLines: o.BlockLines})
	states := NewStates(t)
	clock := 0.0 // seconds into the cast
	var last time.Time
	emit := func(kind, text string) error {
		if text == "" {
			return nil
		}
		return writeJSONLine(bw, []any{round6(clock), kind, text})
	}
	for i := range t.Events {
		e := states.SimEvent(i)
		if !last.IsZero() {
			gap := min(max(e.Time.Sub(last), 0), o.IdleLimit)
			clock += gap.Seconds()
		}
		last = e.Time
		buf.Reset()
		p.Event(e)
		out := buf.String()
		if out == "" {
			continue
		}
		if e.Kind == sim.EventStep {
			title := strings.TrimSpace(e.Title.In(o.lang(t)))
			mark := fmt.Sprintf("Step %d/%d", e.Step+1, len(l.Steps))
			if title != "" {
				mark += " · " + title
			}
			if err := emit("m", mark); err != nil {
				return err
			}
		}
		first, rest, _ := strings.Cut(out, "\n")
		colour := ""
		if e.Kind == sim.EventWire && !o.NoColor {
			colour = ansiColour[string(e.Protocol)]
		}
		if e.Kind == sim.EventWire && e.Unit.Dir == wire.ClientToServer && e.Unit.Kind == wire.Line {
			// the prompt appears, then the client types its line
			prefix, typed, ok := strings.Cut(first, ": ")
			if ok {
				emit("o", colour+prefix+": ")
				step := o.TypeDelay
				if n := len([]rune(typed)); n > 0 && time.Duration(n)*step > time.Second {
					step = time.Second / time.Duration(n)
				}
				for _, r := range typed {
					clock += step.Seconds()
					if err := emit("o", string(r)); err != nil {
						return err
					}
				}
				first = ""
				if colour != "" {
					first = "\x1b[0m"
				}
				if err := emit("o", first+"\r\n"+crlf(rest)); err != nil {
					return err
				}
				continue
			}
		}
		if colour != "" {
			first = colour + first + "\x1b[0m"
		}
		if err := emit("o", first+"\r\n"+crlf(rest)); err != nil {
			return err
		}
	}
	buf.Reset()
	p.Final(states.Get(len(t.Snapshots)))
	clock += 0.5
	if err := emit("o", crlf(buf.String())); err != nil {
		return err
	}
	return bw.Flush()
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func round6(f float64) float64 { return float64(int64(f*1e6+0.5)) / 1e6 }

func writeJSONLine(w *bufio.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
