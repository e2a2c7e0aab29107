package sim

import (
	"fmt"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"net"
	"strconv"
)

// A server step: a server goes down or comes back, and the sessions it
// ends.

// serverStep stops or starts a provider's server.
func (r *Runner) serverStep(ss *lessons.ServerSpec) error {
	if ss == nil {
		return fmt.Errorf("a server step needs its server")
	}
	role, err := roles.Parse(ss.Role)
	if err != nil {
		return err
	}
	domain := domainOr(ss.Domain)
	hostport := net.JoinHostPort(role.Host(domain), strconv.Itoa(role.StandardPort()))
	var text i18n.Text
	switch ss.State {
	case "down":
		// The actors connected to it lose their connection first, so the
		// transcript says who was cut off, in lesson order.
		for _, spec := range r.lesson.Actors {
			if a := r.actors[spec.Name]; a != nil && a.sess != nil && a.sess.role == role && domainOr(spec.Domain) == domain {
				r.closeSession(a, i18n.Textf("connection lost: the server went down"))
			}
		}
		if err := r.net.StopServer(domain, role); err != nil {
			return err
		}
		text = i18n.Textf("%s is down: the server has stopped, and connections to it are refused", hostport)
	case "up":
		if err := r.net.StartServer(domain, role); err != nil {
			return err
		}
		text = i18n.Textf("%s is up again, at the same address", hostport)
	default:
		return fmt.Errorf("server state %q: want down or up", ss.State)
	}
	r.emit(events.Event{Kind: events.EventCheck, OK: true, Role: role, Host: hostport, Text: text})
	return nil
}

// closeSession ends an actor's connection (the lesson closed it, or the
// other end cut it) and says why in an EventClose.
func (r *Runner) closeSession(a *actor, why i18n.Text) {
	s := a.sess
	s.conn.Close()
	a.sess = nil
	r.mu.Lock()
	eaves := r.eavesdrop[s.tap.ID()]
	r.mu.Unlock()
	r.emit(events.Event{Kind: events.EventClose, Actor: a.spec.Name, Conn: s.tap.ID(), Protocol: s.proto, Role: s.role, Host: s.host,
		Text: why, Eavesdrop: eaves})
}
