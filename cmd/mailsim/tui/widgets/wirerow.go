package widgets

import (
	"fmt"
	"strings"
	"time"

	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/classroom"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// WireUnit is one unit on the wire as the transcript and the meaning pane
// show it, whichever way it came: a lesson's event (a sim/wire Unit) or a
// live connection's entry (the classroom registry's, redacted). The lesson
// screen and the classroom live view build their wire rows and the details
// of their meaning pane from it, so the two show a line the same way.
type WireUnit struct {
	Dir     wire.Direction
	Layer   wire.Layer
	Kind    wire.Kind
	Text    string
	Len     int // octets on the wire
	Lines   int // a block's lines, as its row counts them
	Command string
	Time    time.Time
}

// UnitOfEvent is a lesson's wire event (e.Unit set), at the event's
// time; a block counts the lines of its text.
func UnitOfEvent(e *events.Event) WireUnit {
	u := e.Unit
	return WireUnit{Dir: u.Dir, Layer: u.Layer, Kind: u.Kind, Text: u.Text, Len: u.Len,
		Lines: len(blockLines(u.Text)), Command: u.Command, Time: e.Time}
}

// UnitOfEntry is a live connection's entry; a block counts the lines the
// tap counted.
func UnitOfEntry(e *classroom.Entry) WireUnit {
	return WireUnit{Dir: e.Dir, Layer: e.Layer, Kind: e.Kind, Text: e.Text, Len: e.Len, Lines: e.Lines, Command: e.Command, Time: e.Time}
}

func blockLines(text string) []string { return strings.Split(strings.TrimSuffix(text, "\n"), "\n") }

// rowText is the unit's text in a row: a line as it is, a block as its size.
func (u WireUnit) rowText(lang string) string {
	if u.Kind == wire.Block {
		return i18n.Wordf(lang, "%d lines, %d octets", u.Lines, u.Len)
	}
	return u.Text
}

// Row is the unit's transcript row: its direction, its text (a block
// folded under its size), and a mark when it has an annotation. The
// caller sets the time, actor and style.
func (u WireUnit) Row(lang string, noted bool) *transcriptview.Row {
	r := &transcriptview.Row{Dir: 'C', Text: u.rowText(lang)}
	if u.Dir == wire.ServerToClient {
		r.Dir = 'S'
	}
	if u.Kind == wire.Block {
		r.Block = blockLines(u.Text)
	}
	if noted {
		r.Mark = '•'
	}
	return r
}

// Headline is the unit as the meaning pane's first line writes it
// ("C: RETR 1").
func (u WireUnit) Headline(lang string) string {
	if u.Layer == wire.Cipher {
		return u.rowText(lang)
	}
	return u.Dir.String() + ": " + u.rowText(lang)
}

// About is the unit's details for the meaning pane: what it replies to,
// its size, that it crossed inside TLS, and (withTime) when.
func (u WireUnit) About(lang string, withTime bool) []string {
	var out []string
	if u.Dir == wire.ServerToClient && u.Command != "" {
		out = append(out, i18n.Word(lang, "reply to")+" "+u.Command)
	}
	out = append(out, fmt.Sprintf("%d %s", u.Len, i18n.Word(lang, "octets")))
	if u.Layer == wire.Inner {
		out = append(out, i18n.Word(lang, "inside TLS"))
	}
	if withTime && !u.Time.IsZero() {
		out = append(out, u.Time.Format("15:04:05.000"))
	}
	return out
}

// GlossLine is a glossary entry in one line, with its RFC in brackets;
// "" when it says nothing in lang.
func GlossLine(g *lessons.Entry, lang string) (text, rfc string) {
	if g == nil {
		return "", ""
	}
	text = OneLine(g.Text.In(lang))
	if text != "" && g.RFC != "" {
		rfc = "[" + g.RFC + "]"
	}
	return text, rfc
}

// ConnectText is the row of a connection opening, as the lesson screen and
// the live view write it: "⇄ connected to pop.example.com:110 (POP3, plain
// text)", with who connected first when the row does not say it
// otherwise ("⇄ 127.0.0.1:50312 connected to …").
func ConnectText(lang, who, where, how string) string {
	if who != "" {
		who += " "
	}
	return fmt.Sprintf("⇄ %s%s %s (%s)", who, i18n.Word(lang, "connected to"), where, how)
}
