package classroom

import (
	"strconv"

	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// ConnEvents turns a connection's registry entries into the simulator's
// events: a connect, one wire event per entry, a close once it closed.
// The entries are already redacted by the registry.
func ConnEvents(cs ConnState, entries []Entry) []events.Event {
	actor := cs.User
	if actor == "" {
		actor = cs.Remote
	}
	if actor == "" {
		actor = "client"
	}
	proto := cs.Protocol
	if proto == "" && cs.Role != "" {
		proto = cs.Role.Protocol()
	}
	host := cs.Local
	if cs.Role != "" && cs.Provider != "" {
		host = cs.Role.Host(cs.Provider) + ":" + strconv.Itoa(cs.Role.StandardPort())
	}
	base := events.Event{Step: -1, Actor: actor, Conn: cs.ID, Protocol: proto, Role: cs.Role, Host: host}
	evs := make([]events.Event, 0, len(entries)+2)
	ev := base
	ev.Kind, ev.Time = events.EventConnect, cs.Opened
	evs = append(evs, ev)
	for _, e := range entries {
		ev := base
		ev.Kind, ev.Time = events.EventWire, e.Time
		ev.Unit = &wire.Unit{Conn: cs.ID, Seq: e.Seq, Time: e.Time, Dir: e.Dir, Layer: e.Layer, Kind: e.Kind,
			Text: e.Text, Len: e.Len, Lines: e.Lines, Command: e.Command, Tag: e.Tag, Cut: e.Cut}
		ev.Note = e.Note
		evs = append(evs, ev)
	}
	if !cs.Open {
		ev := base
		ev.Kind, ev.Time = events.EventClose, cs.Closed
		what := "closed"
		if cs.Err != "" {
			what = cs.Err
		}
		ev.Text = i18n.Text{i18n.Fallback: what}
		evs = append(evs, ev)
	}
	return evs
}

// ConnTranscript makes a live transcript of one connection from its
// entries: what the live view's w saves and what the Recorder writes
// when a connection closes.
func ConnTranscript(cs ConnState, entries []Entry, lang string) *transcripts.Transcript {
	rec := transcripts.NewRecorder(transcripts.Meta{Live: true, Language: lang})
	for _, e := range ConnEvents(cs, entries) {
		rec.Event(e)
	}
	t := rec.Transcript()
	// The registry hid the secrets already; keep what it said each was,
	// and count the octets of what is kept, as transcripts.Redact does (a
	// Len beyond them would read as a unit cut short).
	what := map[int]i18n.Text{}
	for _, e := range entries {
		if !e.Redacted.IsZero() {
			what[e.Seq] = e.Redacted
		}
	}
	for i := range t.Events {
		if e := &t.Events[i]; e.Kind == events.EventWire && !what[e.Unit.Seq].IsZero() {
			u := *e.Unit
			u.Redacted, u.Len = what[u.Seq], len(u.Raw)
			e.Unit = &u
		}
	}
	return t
}
