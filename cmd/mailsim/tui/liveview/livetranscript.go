package liveview

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/classroom"
	"mailsim/sim/wire"
)

// liveRow is one row of a live transcript: a unit of the connection, the
// note under it, or the connection's first and last rows.
type liveRow struct {
	kind  liveRowKind
	entry int // index into entries, for rowUnit and rowNote
}

type liveRowKind int

const (
	rowOpened liveRowKind = iota // "⇄ 127.0.0.1:5555 connected to POP3 @ example.com"
	rowUnit                      // a line or a block
	rowNote                      // what the registry learnt from the unit above
	rowClosed                    // "✕ closed"
)

// liveTranscript is the transcript pane's Source over one connection's
// entries, as the registry keeps them (redacted). Rows are built lazily and
// kept; pausing the annotations rebuilds the index without the notes.
type liveTranscript struct {
	th      *widgets.Theme
	lang    string
	conn    classroom.ConnState
	entries []classroom.Entry
	rows    []liveRow
	cache   []*transcriptview.Row
	paused  bool
	kicked  bool // the trainer kicked it
}

func newLiveTranscript(th *widgets.Theme, lang string, cs classroom.ConnState, entries []classroom.Entry, paused bool) *liveTranscript {
	t := &liveTranscript{th: th, lang: lang, conn: cs, paused: paused}
	t.rows = append(t.rows, liveRow{kind: rowOpened, entry: -1})
	t.cache = append(t.cache, nil)
	t.append(entries)
	t.setClosed(!cs.Open)
	return t
}

// lastSeq is the Seq of the last entry held, -1 for none.
func (t *liveTranscript) lastSeq() int {
	if len(t.entries) == 0 {
		return -1
	}
	return t.entries[len(t.entries)-1].Seq
}

// append adds the entries newer than the last one held.
func (t *liveTranscript) append(es []classroom.Entry) {
	closed := t.hasClosedRow()
	if closed {
		t.rows, t.cache = t.rows[:len(t.rows)-1], t.cache[:len(t.cache)-1]
	}
	last := t.lastSeq()
	for _, e := range es {
		if e.Seq <= last {
			continue
		}
		last = e.Seq
		t.entries = append(t.entries, e)
		t.index(len(t.entries) - 1)
	}
	if closed {
		t.rows, t.cache = append(t.rows, liveRow{kind: rowClosed, entry: -1}), append(t.cache, nil)
	}
}

// index adds the rows of entry i.
func (t *liveTranscript) index(i int) {
	e := &t.entries[i]
	if e.Layer == wire.Cipher {
		if !e.Note.IsZero() { // "TLS started": shown even when paused, it is what happens
			t.rows, t.cache = append(t.rows, liveRow{kind: rowNote, entry: i}), append(t.cache, nil)
		}
		return
	}
	t.rows, t.cache = append(t.rows, liveRow{kind: rowUnit, entry: i}), append(t.cache, nil)
	if !t.paused && (!e.Note.IsZero() || !e.Redacted.IsZero()) {
		t.rows, t.cache = append(t.rows, liveRow{kind: rowNote, entry: i}), append(t.cache, nil)
	}
}

func (t *liveTranscript) hasClosedRow() bool {
	return len(t.rows) > 0 && t.rows[len(t.rows)-1].kind == rowClosed
}

// update takes the connection's new state (user, TLS, closed).
func (t *liveTranscript) update(cs classroom.ConnState) {
	t.conn = cs
	t.cache[0] = nil
	t.setClosed(!cs.Open)
}

func (t *liveTranscript) setClosed(closed bool) {
	switch {
	case closed && !t.hasClosedRow():
		t.rows, t.cache = append(t.rows, liveRow{kind: rowClosed, entry: -1}), append(t.cache, nil)
	case closed:
		t.cache[len(t.cache)-1] = nil
	}
}

// setPaused rebuilds the index with or without the notes.
func (t *liveTranscript) setPaused(p bool) {
	if p == t.paused {
		return
	}
	t.paused = p
	closed := t.hasClosedRow()
	t.rows, t.cache = t.rows[:1], t.cache[:1]
	for i := range t.entries {
		t.index(i)
	}
	if closed {
		t.rows, t.cache = append(t.rows, liveRow{kind: rowClosed, entry: -1}), append(t.cache, nil)
	}
}

// Len implements transcriptview.Source.
func (t *liveTranscript) Len() int { return len(t.rows) }

// Row implements transcriptview.Source.
func (t *liveTranscript) Row(i int) *transcriptview.Row {
	if i < 0 || i >= len(t.rows) {
		return nil
	}
	if r := t.cache[i]; r != nil {
		return r
	}
	r := t.build(t.rows[i])
	r.Ref = i
	t.cache[i] = r
	return r
}

// style is the protocol's colour: its first for the client's lines, its
// second for the server's.
func (t *liveTranscript) style(dir wire.Direction) tcell.Style {
	n := 0
	if dir == wire.ServerToClient {
		n = 1
	}
	return t.th.Fg(t.th.ActorColor(string(t.conn.Protocol), n))
}

func (t *liveTranscript) build(lr liveRow) *transcriptview.Row {
	cs := &t.conn
	switch lr.kind {
	case rowOpened:
		return &transcriptview.Row{Time: cs.Opened, Style: t.th.Dim,
			Text: widgets.ConnectText(t.lang, cs.Remote, connWhere(cs), tlsState(t.lang, cs))}
	case rowClosed:
		txt := "✕ " + i18n.Word(t.lang, "closed")
		st := t.th.Dim
		switch {
		case t.kicked:
			txt = "✕ " + i18n.Word(t.lang, "kicked by the trainer")
			st = t.th.Bad
		case cs.Err != "":
			txt += ": " + widgets.OneLine(cs.Err)
			st = t.th.Bad
		}
		return &transcriptview.Row{Time: cs.Closed, Text: txt, Style: st}
	}
	e := &t.entries[lr.entry]
	if lr.kind == rowNote {
		return &transcriptview.Row{Text: "↳ " + noteText(t.lang, e), Style: t.th.Dim}
	}
	r := widgets.UnitOfEntry(e).Row(t.lang, !t.paused && (!e.Note.IsZero() || !e.Redacted.IsZero()))
	r.Time, r.Style = e.Time, t.style(e.Dir)
	return r
}

// noteText is an entry's annotation: its note and what it hides.
func noteText(lang string, e *classroom.Entry) string {
	var parts []string
	if !e.Note.IsZero() {
		parts = append(parts, e.Note.In(lang))
	}
	if !e.Redacted.IsZero() {
		parts = append(parts, i18n.Word(lang, "hidden on screen")+": "+e.Redacted.In(lang))
	}
	return widgets.OneLine(strings.Join(parts, " · "))
}

// connWhere is "POP3S @ example.com" (or the protocol alone while the
// server is unknown).
func connWhere(cs *classroom.ConnState) string {
	role := strings.ToUpper(string(cs.Role))
	if role == "" {
		role = strings.ToUpper(string(cs.Protocol))
	}
	if cs.Provider != "" {
		role += " @ " + cs.Provider
	}
	return role
}

func tlsState(lang string, cs *classroom.ConnState) string {
	if cs.TLS {
		return "TLS"
	}
	return i18n.Word(lang, "plain text")
}

// liveMeaning explains row i of t for the Meaning pane (widgets.Meaning,
// as the lesson screen shows it): for a line, the line and its details,
// then the registry's note and the glossary's gloss, unless the
// annotations are paused; for the first and last rows, the connection.
func liveMeaning(th *widgets.Theme, lang string, g *lessons.Glossary, t *liveTranscript, i int) widgets.Meaning {
	if t == nil || i < 0 || i >= t.Len() {
		return widgets.Meaning{Notes: []widgets.Para{{Style: th.Dim, Text: i18n.Word(lang, "Select a connection above, then a line of its transcript.")}}}
	}
	cs := &t.conn
	lr := t.rows[i]
	switch lr.kind {
	case rowOpened, rowClosed:
		m := widgets.Meaning{Line: fmt.Sprintf("#%d %s %s %s", cs.ID, connWhere(cs), i18n.Word(lang, "from"), cs.Remote),
			Style: th.Fg(th.ProtoColor(string(cs.Protocol)))}
		if cs.User != "" {
			m.About = append(m.About, i18n.Word(lang, "logged in as")+" "+cs.User)
		}
		if cs.Client != "" {
			c := i18n.Word(lang, "client") + ": " + cs.Client
			if !cs.ClientHint.IsZero() {
				c += " (" + cs.ClientHint.In(lang) + ")"
			}
			m.About = append(m.About, c)
		}
		m.About = append(m.About, fmt.Sprintf("%d %s, %d %s", cs.Commands, i18n.Word(lang, "commands"), cs.BytesIn+cs.BytesOut, i18n.Word(lang, "octets")))
		if cs.TLS {
			m.Notes = []widgets.Para{{Style: th.OK, Text: i18n.Word(lang, "Encrypted: on the network the lines above are unreadable TLS records.")}}
		} else {
			m.Notes = []widgets.Para{{Style: th.Bad, Text: i18n.Word(lang, "No TLS: anyone on the network path can read these lines, passwords included.")}}
		}
		return m
	}
	e := &t.entries[lr.entry]
	u := widgets.UnitOfEntry(e)
	m := widgets.Meaning{Line: u.Headline(lang), Style: t.style(e.Dir), About: u.About(lang, true), Paused: t.paused}
	m.Notes = append(m.Notes, widgets.Para{Style: th.Text, Text: noteText(lang, e)})
	if g != nil && e.Kind == wire.Line && e.Layer != wire.Cipher {
		if ge, ok := g.Explain(string(t.conn.Protocol), e.Dir == wire.ClientToServer, e.Command, e.Text); ok {
			if text, rfc := widgets.GlossLine(&ge, lang); text != "" {
				m.Notes = append(m.Notes, widgets.Para{Style: th.Text, Text: "· " + text, Ref: rfc})
			}
		}
	}
	return m
}
