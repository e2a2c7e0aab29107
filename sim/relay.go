package sim

import (
	"context"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"net"
	"time"
)

// The relay hop: the MTA of one simulated provider dialling the other's.

// dialRelay opens an MTA's connection to another provider's MX through a
// client-side tap, so the relay hop is a connection of its own in the
// transcript, with the MTA as its actor.
func (r *Runner) dialRelay(ctx context.Context, who, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tap := r.rec.Conn(raw, wire.SMTP, wire.ClientSide)
	host := addr
	for _, nv := range r.net.Names() {
		if nv[1] == addr {
			host = nv[0]
		}
	}
	a := &actor{spec: lessons.Actor{Name: who, Protocol: "smtp"}}
	a.sess = &session{role: roles.MX, host: host, proto: wire.SMTP, tap: tap, conn: tap}
	r.mu.Lock()
	r.byConn[tap.ID()] = a
	r.relayConns[tap.ID()] = true
	r.mu.Unlock()
	r.emit(events.Event{Kind: events.EventConnect, Actor: who, Conn: tap.ID(), Protocol: wire.SMTP, Role: roles.MX, Host: host})
	return tap, nil
}
