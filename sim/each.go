package sim

import (
	"strconv"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
)

// This file holds a send step that repeats its command over a range of
// numbers (lessons' Step.Each: `send: RETR {n}` with `each: 1-10000`), as a
// mail app downloading a whole mailbox does.
//
// Every exchange of a repeated send crosses the wire and is counted (the
// runner's traffic, the one count that stats checks and DeviceState show),
// and each reply must match the step's expect. Only the first and the last
// are emitted as wire events; those between are summed up in one check
// event, so a 10,000-message download reads as three exchanges in the
// transcript, the TUI, replays and exports.

// folding counts the exchanges of a repeated send that are not emitted,
// on connection conn.
type folding struct {
	conn uint64
	traffic
}

// sendEach runs a send step with Each: the command once per number.
func (r *Runner) sendEach(a *actor, st *lessons.Step) error {
	first, last, ok := lessons.EachRange(st.Each)
	if !ok {
		return errorf("each %q: want a range such as 2-9999", st.Each)
	}
	if a.sess == nil {
		return errorf("%s is not connected", a.spec.Name)
	}
	one := func(n int) error {
		s := *st
		s.Each = ""
		s.Command = strings.ReplaceAll(st.Command, "{n}", strconv.Itoa(n))
		if n != first {
			s.Note, s.Reply = nil, nil
		}
		if a.sess == nil {
			return errorf("%s: %s is not connected", s.Command, a.spec.Name)
		}
		if err := r.send(a, &s); err != nil {
			return errorf("%s: %s", s.Command, err)
		}
		return nil
	}
	if err := one(first); err != nil || last == first {
		return err
	}
	f := &folding{conn: a.sess.tap.ID()}
	r.mu.Lock()
	r.quiet = f
	r.mu.Unlock()
	var err error
	done := 0
	for n := first + 1; n < last && err == nil; n++ {
		if err = one(n); err == nil {
			done++
		}
	}
	r.mu.Lock()
	r.quiet = nil
	r.mu.Unlock()
	if done > 0 {
		cmd := func(n int) string { return strings.ReplaceAll(st.Command, "{n}", strconv.Itoa(n)) }
		r.checks[0]++
		r.emit(events.Event{Kind: events.EventCheck, OK: true, Actor: a.spec.Name, Conn: f.conn, Text: i18n.Textf(
			"%s … %s: %d more exchanges like the one above, summed up here: every reply began %s; %d commands sent (%d B), %d lines back (%d B, %s)",
			cmd(first+1), cmd(first+done), done, st.Expect, f.commands, f.out, f.lines, f.in, events.Octets(f.in))})
	}
	if err != nil {
		return err
	}
	return one(last)
}

// bigOctets is a count of many digits given again in kB or MB, " (6.48
// MB)", and nothing for a count short enough to read at a glance.
type bigOctets int

// In gives it in a language.
func (o bigOctets) In(lang string) string {
	if o < 10_000 {
		return ""
	}
	return " (" + events.Octets(o).In(lang) + ")"
}
