package sim

import (
	"fmt"
	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"strings"
)

// Traffic: the octets and commands each device moved, and the stats check
// that reports them.

// traffic is what crossed one actor's connections, as the protocol sees
// it (inside TLS where there is TLS).
type traffic struct {
	commands int // lines the actor sent: commands, and SASL or DONE lines
	lines    int // lines the servers sent back
	out, in  int // octets each way
}

// count adds a unit to its actor's traffic; r.mu is held.
func (r *Runner) count(name string, u wire.Unit) {
	t := r.traffic[name]
	if t == nil {
		t = &traffic{}
		r.traffic[name] = t
	}
	t.add(u)
}

// add counts a unit.
func (t *traffic) add(u wire.Unit) {
	if u.Dir == wire.ClientToServer {
		if u.Kind == wire.Line {
			t.commands++
		}
		t.out += u.Len
		return
	}
	t.lines += u.Lines
	t.in += u.Len
}

// stats emits, for each actor, what it has sent and received so far.
func (r *Runner) stats(names []string) error {
	var lines []i18n.Text
	r.mu.Lock()
	for _, name := range names {
		a, ok := r.actors[name]
		if !ok {
			r.mu.Unlock()
			return fmt.Errorf("no actor %q", name)
		}
		t := traffic{}
		if c := r.traffic[name]; c != nil {
			t = *c
		}
		proto := strings.ToUpper(a.spec.Protocol)
		lines = append(lines, i18n.Textf("%-8s %-5s %3d commands sent, %4d lines back; %6d B sent, %7d B received%s: %s at 10 Mbit/s",
			name, proto, t.commands, t.lines, t.out, t.in, bigOctets(t.in), events.Seconds(events.LinkTime(t.out+t.in))))
	}
	r.mu.Unlock()
	r.checks[0]++
	r.emit(events.Event{Kind: events.EventCheck, OK: true, Text: indentText(i18n.Textf("what each one has sent and received so far (the protocol's own lines and octets), and the time those octets alone take on a 10 Mbit/s link (a modelled time; round trips come on top):"), lines)})
	return nil
}
