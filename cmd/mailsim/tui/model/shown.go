package model

import (
	"net"
	"strconv"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// Shown is what a lesson screen shows of the lesson it runs or replays:
// its id, title and summary, its actors, and per step the title, the
// narration, what the step does and its quiz. A live run builds it from
// the lesson (ShownOfLesson), a replay from the transcript
// (ShownOfTranscript), so that the screen needs no lesson to replay one.
type Shown struct {
	ID      string
	Title   i18n.Text
	Summary i18n.Text
	Actors  []ShownActor
	Steps   []ShownStep
	// Recording: a replay of real clients' session, not of a lesson (see
	// transcripts.Heading): its end is no "lesson complete".
	Recording bool
}

// ShownActor is a device of the lesson: the transcript pane colours its
// lines by its protocol, and the sandbox types as it.
type ShownActor struct {
	Name     string
	Protocol string // "pop3" | "imap" | "smtp"
}

// ShownStep is one step as the story pane tells it.
type ShownStep struct {
	Title  i18n.Text // the step's title; a part's first step has one
	Say    i18n.Text // the narration
	Action Action    // what the step does, in a line; zero for none
	Note   i18n.Text // the lesson's note on the line the step sends
	Quiz   *lessons.QuizSpec
}

// Verb is what a step's action does.
type Verb int

// The verbs of the story pane's action line.
const (
	NoAction Verb = iota
	Connects      // Actor ⇄ Object (host:port)
	Sends         // Actor ▸ Object (the command)
	Drops         // Actor ✕ connection lost
	Waits         // Actor … waits
	Delivers      // ✉ → Object (the recipient)
)

// Action is what a step does: who, the verb, and to what.
type Action struct {
	Actor  string
	Verb   Verb
	Object string
}

// ShownOfLesson is what a live run of l shows.
func ShownOfLesson(l *lessons.Lesson) *Shown {
	sh := &Shown{ID: l.ID, Title: l.Title, Summary: l.Summary}
	domains, protocols := map[string]string{}, map[string]string{}
	for _, a := range l.Actors {
		sh.Actors = append(sh.Actors, ShownActor{Name: a.Name, Protocol: a.Protocol})
		domains[a.Name], protocols[a.Name] = a.Domain, a.Protocol
	}
	for i := range l.Steps {
		st := &l.Steps[i]
		ss := ShownStep{Title: st.Title, Say: st.Say, Note: st.Note, Quiz: st.Quiz}
		switch st.Kind {
		case lessons.Connect:
			ss.Action = Action{Actor: st.Actor, Verb: Connects, Object: connectTarget(st, domains[st.Actor])}
		case lessons.Send:
			ss.Action = Action{Actor: st.Actor, Verb: Sends, Object: st.Command}
		case lessons.Data:
			ss.Action = Action{Actor: st.Actor, Verb: Sends, Object: dataObject}
		case lessons.Disconnect:
			bye := "QUIT"
			if protocols[st.Actor] == string(wire.IMAP) {
				bye = "LOGOUT" // what the simulator's IMAP device sends to leave
			}
			ss.Action = Action{Actor: st.Actor, Verb: Sends, Object: bye}
		case lessons.Drop:
			ss.Action = Action{Actor: st.Actor, Verb: Drops}
		case lessons.Wait:
			ss.Action = Action{Actor: st.Actor, Verb: Waits}
		case lessons.Deliver:
			if st.Deliver != nil {
				ss.Action = Action{Verb: Delivers, Object: st.Deliver.To}
			}
		}
		if st.Kind != lessons.Quiz {
			ss.Quiz = nil
		}
		sh.Steps = append(sh.Steps, ss)
	}
	return sh
}

// connectTarget is the host:port a connect step dials as the simulator
// names it (the step's own host, else the role's server at the actor's
// provider, on the role's standard port): the transcript's connect
// event says the same.
func connectTarget(st *lessons.Step, domain string) string {
	role, err := roles.Parse(st.To)
	if err != nil {
		return st.To
	}
	if domain == "" {
		domain = lessons.DefaultDomain
	}
	host := role.Host(domain)
	if st.Host != "" {
		host = st.Host
	}
	return net.JoinHostPort(host, strconv.Itoa(role.StandardPort()))
}

// dataObject is what a data step sends, as its action line says it.
const dataObject = "DATA …"

// ShownOfTranscript is what a replay of t shows: the lesson as far as the
// recording tells it. The step events carry the titles and narration, the
// quiz events the quizzes; the first connection, line or message body an
// actor the recording names sends in a step is its action, and that
// line's note its note (a transcript does not say which steps dropped a
// connection, waited or delivered).
func ShownOfTranscript(t *transcripts.Transcript) *Shown {
	h := t.Heading()
	sh := &Shown{ID: h.ID, Title: h.Title, Summary: h.Summary, Steps: make([]ShownStep, h.Steps), Recording: h.Recording}
	actor := map[string]bool{}
	for _, a := range t.Actors {
		sh.Actors = append(sh.Actors, ShownActor{Name: a.Name, Protocol: a.Protocol})
		actor[a.Name] = true
	}
	for i := range t.Events {
		e := &t.Events[i]
		if e.Step < 0 {
			continue
		}
		for len(sh.Steps) <= e.Step {
			sh.Steps = append(sh.Steps, ShownStep{})
		}
		st := &sh.Steps[e.Step]
		switch e.Kind {
		case events.EventStep:
			st.Title, st.Say = e.Title, e.Say
		case events.EventQuiz:
			st.Quiz = e.Quiz
		case events.EventConnect:
			if st.Action.Verb == NoAction && actor[e.Actor] {
				st.Action = Action{Actor: e.Actor, Verb: Connects, Object: e.Host}
			}
		case events.EventWire:
			u := e.Unit
			if st.Action.Verb != NoAction || !actor[e.Actor] || u.Dir != wire.ClientToServer || u.Layer == wire.Cipher {
				continue
			}
			switch u.Kind {
			case wire.Line:
				st.Action = Action{Actor: e.Actor, Verb: Sends, Object: u.Text}
				st.Note = e.Note // the lesson's own note of the line it sent, as the live story shows it
			case wire.Block: // a message body: a data step
				st.Action = Action{Actor: e.Actor, Verb: Sends, Object: dataObject}
				st.Note = e.Note
			}
		}
	}
	return sh
}
