package sim

import (
	"sync"
	"time"
)

// FixedStart is when deterministic runs begin: a Wednesday morning in
// Hanoi, where the seed article was written.
var FixedStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// tickClock is a deterministic clock: each reading is one step after the
// previous one. Readings happen in causal order (a client reads a reply
// after the server wrote it), so runs repeat exactly.
type tickClock struct {
	mu   sync.Mutex
	now  time.Time
	tick time.Duration
}

func newTickClock(tick time.Duration) *tickClock { return &tickClock{now: FixedStart, tick: tick} }

func (c *tickClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.tick)
	return t
}
