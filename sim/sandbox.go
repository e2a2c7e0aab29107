package sim

import (
	"context"
	"fmt"
	"mailsim/lessons"
)

// The sandbox's way in: a learner's own line or connection, sent through
// the same actors and taps as the lesson's steps.

// SendLine sends a line on an actor's connection and reads the reply, as
// the sandbox does; events are emitted as for a lesson step.
func (r *Runner) SendLine(actorName, line string) error {
	a, ok := r.actors[actorName]
	if !ok {
		return fmt.Errorf("no actor %q", actorName)
	}
	st := &lessons.Step{Kind: lessons.Send, Actor: actorName, Command: line}
	err := r.send(a, st)
	r.endStep()
	return err
}

// Connect opens a connection for an actor outside the script, as the
// sandbox does; role "" means the actor's default role.
func (r *Runner) Connect(ctx context.Context, actorName, role string) error {
	a, ok := r.actors[actorName]
	if !ok {
		return fmt.Errorf("no actor %q", actorName)
	}
	err := r.connect(ctx, a, &lessons.Step{Kind: lessons.Connect, Actor: actorName, To: role})
	r.endStep()
	return err
}

// Connected reports whether an actor has an open connection, and to what.
func (r *Runner) Connected(actorName string) (host string, addr string, ok bool) {
	a, found := r.actors[actorName]
	if !found || a.sess == nil {
		return "", "", false
	}
	return a.sess.host, a.sess.tap.RemoteAddr().String(), true
}
