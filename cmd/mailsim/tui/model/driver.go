package model

import (
	"context"
	"errors"
	"io/fs"
	"sync/atomic"

	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// errNotRunning answers a request for a lesson whose servers are not running.
var errNotRunning = errors.New("the lesson's servers are not running")

// Item is what the driver reports to the UI: an event, or the end of an
// operation. gen ties it to one run of one lesson, so that a restart drops
// what the old run still had in flight.
type Item struct {
	Gen  int
	Ev   *events.Event
	Done *Result
}

// Result is the end of a driver operation.
type Result struct {
	Op    string // "start", "step", "send", "rewind"
	Err   error
	Actor string // send: who sent
	Addr  string // send: the real loopback address the actor is connected to
	// start: for each actor, the loopback address of the server it
	// connects to by default (for the sandbox's `nc` line).
	Addrs map[string]string
}

// Outbox batches the driver's items for the UI, in the order they were
// pushed.
type Outbox = Batcher[[]Item]

func NewOutbox() *Outbox {
	return NewBatcher(func(items *[]Item) bool { return len(*items) == 0 }, nil)
}

// push queues an item for the UI, from the driver's goroutine.
func (d *Driver) push(it Item) { d.out.Add(func(items *[]Item) { *items = append(*items, it) }) }

// Driver owns the sim.Runner and runs it on its own goroutine: a step
// blocks on the network, which must never happen on the UI goroutine. The
// UI asks with start/step/send; the runner's events and each operation's end
// come back through the outbox.
type Driver struct {
	ctx      context.Context
	cmds     chan func()
	out      *Outbox
	glossary *lessons.Glossary
	files    func(*lessons.Lesson) fs.FS

	r   *sim.Runner // driver goroutine only
	gen int         // the run r belongs to
}

func NewDriver(ctx context.Context, out *Outbox, g *lessons.Glossary, files func(*lessons.Lesson) fs.FS) *Driver {
	return &Driver{ctx: ctx, cmds: make(chan func(), 16), out: out, glossary: g, files: files}
}

// Loop runs commands until ctx ends, then closes the runner.
func (d *Driver) Loop(done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case f := <-d.cmds:
			f()
		case <-d.ctx.Done():
			d.closeRunner()
			return
		}
	}
}

// do queues f for the driver goroutine without ever blocking the caller (a
// UI handler); it reports false when the queue is full.
func (d *Driver) do(f func()) bool {
	select {
	case d.cmds <- f:
		return true
	default:
		return false
	}
}

func (d *Driver) closeRunner() {
	if d.r != nil {
		d.r.Close()
		d.r = nil
	}
}

func (d *Driver) finish(gen int, res *Result) { d.push(Item{Gen: gen, Done: res}) }

// Start closes the current run and starts lesson l as run gen.
func (d *Driver) Start(l *lessons.Lesson, gen int) bool {
	return d.do(func() { d.run(l, gen, 0, "start") })
}

// Rewind starts lesson l again on fresh servers as run gen and runs its
// first steps steps without showing them: the servers, connections and
// devices are then as the lesson left them there, whatever the sandbox
// did since. Lessons are deterministic up to timing, so the steps give
// the same results as the first time.
func (d *Driver) Rewind(l *lessons.Lesson, gen, steps int) bool {
	return d.do(func() { d.run(l, gen, steps, "rewind") })
}

// run replaces the current run by lesson l on fresh servers as run gen,
// runs its first quietSteps steps without emitting their events, and
// reports the end as op.
func (d *Driver) run(l *lessons.Lesson, gen, quietSteps int, op string) {
	d.closeRunner()
	d.gen = gen
	var files fs.FS
	if d.files != nil {
		files = d.files(l)
	}
	var quiet atomic.Bool
	quiet.Store(quietSteps > 0)
	emit := func(e events.Event) {
		if !quiet.Load() {
			d.push(Item{Gen: gen, Ev: &e})
		}
	}
	r, err := sim.Start(l, sim.Options{Emit: emit, Glossary: d.glossary, Files: files, Roles: RolesFor(l)})
	if err != nil {
		d.finish(gen, &Result{Op: op, Err: err})
		return
	}
	d.r = r
	for r.Next() < quietSteps && d.ctx.Err() == nil {
		r.Step(d.ctx) // a step that failed the first time fails again: it was shown then
	}
	quiet.Store(false)
	d.finish(gen, &Result{Op: op, Addrs: serverAddrs(r, l)})
}

// Stop closes the current run (the learner went back to the picker).
func (d *Driver) Stop() bool { return d.do(d.closeRunner) }

// Step runs the next step of run gen.
func (d *Driver) Step(gen int) bool {
	return d.do(func() {
		if d.r == nil || d.gen != gen {
			d.finish(gen, &Result{Op: "step", Err: errNotRunning})
			return
		}
		err := d.r.Step(d.ctx)
		d.finish(gen, &Result{Op: "step", Err: err})
	})
}

// Send sends a sandbox line as actor, connecting it first when needed.
func (d *Driver) Send(gen int, actor, line string) bool {
	return d.do(func() {
		if d.r == nil || d.gen != gen {
			d.finish(gen, &Result{Op: "send", Actor: actor, Err: errNotRunning})
			return
		}
		res := &Result{Op: "send", Actor: actor}
		if _, _, ok := d.r.Connected(actor); !ok {
			res.Err = d.r.Connect(d.ctx, actor, "")
		}
		if res.Err == nil && line != "" {
			res.Err = d.r.SendLine(actor, line)
		}
		if _, addr, ok := d.r.Connected(actor); ok {
			res.Addr = addr
		}
		d.finish(gen, res)
	})
}

// RolesFor lists the servers a lesson needs: every role of its actors'
// protocols and of the roles its steps connect to. Starting only those
// keeps start-up fast. nil (every role) when the lesson names none.
func RolesFor(l *lessons.Lesson) []roles.Role {
	want := map[roles.Role]bool{}
	for _, a := range l.Actors {
		for _, role := range roles.All {
			if string(role.Protocol()) == a.Protocol || (a.Protocol == "" && role == roles.POP3) {
				want[role] = true
			}
		}
	}
	for _, st := range l.Steps {
		if role, err := roles.Parse(st.To); err == nil {
			want[role] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	var out []roles.Role
	for _, role := range roles.All {
		if want[role] {
			out = append(out, role)
		}
	}
	return out
}

// serverAddrs maps each actor to the loopback address of the server its
// default role listens on at its provider.
func serverAddrs(r *sim.Runner, l *lessons.Lesson) map[string]string {
	out := map[string]string{}
	n := r.Network()
	for _, a := range l.Actors {
		domain := a.Domain
		if domain == "" {
			domain = lessons.DefaultDomain
		}
		p, ok := n.Provider(domain)
		if !ok {
			continue
		}
		if s, ok := p.Server(roles.Default(wire.Protocol(a.Protocol))); ok {
			out[a.Name] = s.Addr
		}
	}
	return out
}
