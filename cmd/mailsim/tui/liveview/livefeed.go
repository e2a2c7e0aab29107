package liveview

import (
	"time"

	"mailsim/cmd/mailsim/tui/model"
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
	*model.Batcher[liveBatch]
}

func newLiveFeed() *liveFeed {
	return &liveFeed{model.NewBatcher((*liveBatch).empty,
		func(b *liveBatch) liveBatch { return liveBatch{sel: b.sel} })}
}

// follow makes id the connection whose units are kept (0: none), and
// drops the units held for another.
func (f *liveFeed) follow(id uint64) {
	f.Add(func(b *liveBatch) {
		if b.sel != id {
			b.sel, b.entries, b.reload, b.closed = id, nil, false, false
		}
	})
}

// event is the registry's subscriber: quick, never blocking.
func (f *liveFeed) event(ev classroom.Event) {
	f.Add(func(b *liveBatch) { b.addEvent(ev) })
}

// addEvent takes a registry event into the batch.
func (b *liveBatch) addEvent(ev classroom.Event) {
	switch ev.Kind {
	case classroom.UnitAdded:
		if ev.Conn.ID == b.sel && b.sel != 0 && !b.reload {
			if len(b.entries) >= maxPendingEntries {
				b.entries, b.reload = nil, true
			} else {
				b.entries = append(b.entries, ev.Entry)
			}
		}
		// Bytes and lines moved: the list shows them, but a unit alone
		// does not need a new list more often than a flush.
		b.conns = true
	case classroom.AnnotationsToggled:
		p := ev.Paused
		b.paused = &p
	case classroom.ConnClosed:
		if ev.Conn.ID == b.sel {
			b.closed = true
		}
		b.conns = true
	default:
		b.conns = true
	}
}

// storeChange is a store's subscriber (it runs under the store's lock).
func (f *liveFeed) storeChange(domain string, c mailstore.Change) {
	f.Add(func(b *liveBatch) {
		if b.users == nil {
			b.users = map[string]bool{}
		}
		b.users[c.User+"@"+domain] = true
	})
}

// notice queues a line for the status bar, from any goroutine.
func (f *liveFeed) notice(s string) {
	line := time.Now().Format("15:04:05") + " " + s
	f.Add(func(b *liveBatch) { b.notices = append(b.notices, line) })
}

// scoresChanged notes that the exercise scoreboard moved, from any goroutine.
func (f *liveFeed) scoresChanged() {
	f.Add(func(b *liveBatch) { b.scores = true })
}
