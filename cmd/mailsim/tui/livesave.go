package tui

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/classroom"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// liveSaveHelp is the help overlay's sentence for w.
const liveSaveHelp = "save this connection's transcript to USER-cID-TIME.mailsim.yaml here; passwords stay redacted"

// connEvents turns a connection's registry entries into the simulator's
// events: a connect, one wire event per entry, a close once it closed.
// The entries are already redacted by the registry.
func connEvents(cs classroom.ConnState, entries []classroom.Entry) []sim.Event {
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
	base := sim.Event{Step: -1, Actor: actor, Conn: cs.ID, Protocol: proto, Role: cs.Role, Host: host}
	evs := make([]sim.Event, 0, len(entries)+2)
	ev := base
	ev.Kind, ev.Time = sim.EventConnect, cs.Opened
	evs = append(evs, ev)
	for _, e := range entries {
		ev := base
		ev.Kind, ev.Time = sim.EventWire, e.Time
		ev.Unit = &wire.Unit{Conn: cs.ID, Seq: e.Seq, Time: e.Time, Dir: e.Dir, Layer: e.Layer, Kind: e.Kind,
			Text: e.Text, Len: e.Len, Lines: e.Lines, Command: e.Command, Tag: e.Tag, Cut: e.Cut}
		if e.Note != "" {
			ev.Note = lessons.Text{lessons.Fallback: e.Note}
		}
		evs = append(evs, ev)
	}
	if !cs.Open {
		ev := base
		ev.Kind, ev.Time = sim.EventClose, cs.Closed
		what := "closed"
		if cs.Err != "" {
			what = cs.Err
		}
		ev.Text = lessons.Text{lessons.Fallback: what}
		evs = append(evs, ev)
	}
	return evs
}

// connTranscript records connection id as a live transcript.
func connTranscript(reg *classroom.Registry, cs classroom.ConnState, lang string) *transcripts.Transcript {
	rec := transcripts.NewRecorder(transcripts.Meta{Live: true, Language: lang})
	for _, e := range connEvents(cs, reg.Transcript(cs.ID, 0)) {
		rec.Event(e)
	}
	return rec.Transcript()
}

// connSavePath is where w saves connection cs now:
// <user>-c<id>-<time>.mailsim.yaml in dir ("" = here).
func connSavePath(dir string, cs classroom.ConnState, now time.Time) string {
	user := cs.User
	if user == "" {
		user = "anonymous"
	}
	user = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '@', r == '-':
			return r
		}
		return '_'
	}, user)
	name := fmt.Sprintf("%s-c%d-%s.mailsim.yaml", user, cs.ID, now.Format("20060102-150405"))
	if dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// saveConn saves the selected connection's transcript (w) and says where
// in the header.
func (lv *liveUI) saveConn() {
	if lv.trans == nil {
		lv.notify(trl(lv.lang, "No connection selected."))
		return
	}
	cs, ok := lv.o.Registry.Conn(lv.trans.conn.ID)
	if !ok {
		cs = lv.trans.conn
	}
	path := connSavePath(lv.o.SaveDir, cs, time.Now())
	if err := transcripts.Save(path, connTranscript(lv.o.Registry, cs, lv.lang), transcripts.SaveOptions{}); err != nil {
		lv.notify(trl(lv.lang, "could not save") + ": " + oneLine(err.Error()))
		return
	}
	lv.notify(trl(lv.lang, "saved to") + " " + path)
}
