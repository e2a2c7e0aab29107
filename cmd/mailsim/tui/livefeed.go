package tui

import (
	"sync"
	"time"

	"mailsim/sim/classroom"
	"mailsim/sim/mailstore"
)

// maxPendingEntries bounds the entries a feed holds between two flushes;
// past it the view reloads the selected transcript from the registry.
const maxPendingEntries = 20000

// liveBatch is what changed since the last flush.
type liveBatch struct {
	conns   bool              // the connection list changed
	sel     uint64            // the connection entries belong to
	entries []classroom.Entry // new units of connection sel, in order
	reload  bool              // too many entries came: read sel's transcript again
	closed  bool              // connection sel closed
	paused  *bool             // the annotations flag changed
	users   map[string]bool   // "user@domain" whose mailboxes changed
	notices []string          // lines for the status bar
	scores  bool              // the exercise scoreboard changed
}

func (b *liveBatch) empty() bool {
	return !b.conns && len(b.entries) == 0 && !b.reload && !b.closed && b.paused == nil && len(b.users) == 0 && len(b.notices) == 0 && !b.scores
}

// liveFeed gathers the registry's events and the stores' changes, which
// arrive on the servers' goroutines, and hands them to the UI in batches:
// one QueueUpdateDraw at a time, at most every flushEvery. Only the
// selected connection's units are kept; the list is re-read from the
// registry when it changed.
type liveFeed struct {
	mu   sync.Mutex
	b    liveBatch
	kick chan struct{}
}

func newLiveFeed() *liveFeed { return &liveFeed{kick: make(chan struct{}, 1)} }

func (f *liveFeed) poke() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// follow makes id the connection whose units are kept (0: none), and
// drops the units held for another.
func (f *liveFeed) follow(id uint64) {
	f.mu.Lock()
	if f.b.sel != id {
		f.b.sel, f.b.entries, f.b.reload, f.b.closed = id, nil, false, false
	}
	f.mu.Unlock()
}

// event is the registry's subscriber: quick, never blocking.
func (f *liveFeed) event(ev classroom.Event) {
	f.mu.Lock()
	switch ev.Kind {
	case classroom.UnitAdded:
		if ev.Conn.ID == f.b.sel && f.b.sel != 0 && !f.b.reload {
			if len(f.b.entries) >= maxPendingEntries {
				f.b.entries, f.b.reload = nil, true
			} else {
				f.b.entries = append(f.b.entries, ev.Entry)
			}
		}
		// Bytes and lines moved: the list shows them, but a unit alone
		// does not need a new list more often than a flush.
		f.b.conns = true
	case classroom.AnnotationsToggled:
		p := ev.Paused
		f.b.paused = &p
	case classroom.ConnClosed:
		if ev.Conn.ID == f.b.sel {
			f.b.closed = true
		}
		f.b.conns = true
	default:
		f.b.conns = true
	}
	f.mu.Unlock()
	f.poke()
}

// storeChange is a store's subscriber (it runs under the store's lock).
func (f *liveFeed) storeChange(domain string, c mailstore.Change) {
	f.mu.Lock()
	if f.b.users == nil {
		f.b.users = map[string]bool{}
	}
	f.b.users[c.User+"@"+domain] = true
	f.mu.Unlock()
	f.poke()
}

// notice queues a line for the status bar, from any goroutine.
func (f *liveFeed) notice(s string) {
	f.mu.Lock()
	f.b.notices = append(f.b.notices, time.Now().Format("15:04:05")+" "+s)
	f.mu.Unlock()
	f.poke()
}

// scoresChanged notes that the exercise scoreboard moved, from any goroutine.
func (f *liveFeed) scoresChanged() {
	f.mu.Lock()
	f.b.scores = true
	f.mu.Unlock()
	f.poke()
}

// take returns the batch and starts a new one.
func (f *liveFeed) take() liveBatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.b
	f.b = liveBatch{sel: b.sel}
	return b
}

// run flushes until stop is closed: deliver is called with each non-empty
// batch and must return once the UI has applied it (or the app ended).
func (f *liveFeed) run(stop <-chan struct{}, deliver func(liveBatch)) {
	for {
		select {
		case <-stop:
			return
		case <-f.kick:
		}
		if b := f.take(); !b.empty() {
			deliver(b)
		}
		select {
		case <-stop:
			return
		case <-time.After(flushEvery):
		}
	}
}
