// Package fixedclock is the deterministic time of lessons and tests: the
// instant every fixed clock starts at, and a clock that ticks by a fixed
// step at each reading. It is a leaf (standard library only), shared by the
// lesson runner, the servers' tests and the transcript tests, so that they
// all agree on one start.
package fixedclock

import (
	"sync"
	"time"
)

// Start is when deterministic runs begin: a Wednesday morning in Hanoi,
// where the seed article was written.
var Start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))

// Clock is a deterministic clock: each reading is one tick after the
// previous one, the first being Start. Readings happen in causal order (a
// client reads a reply after the server wrote it), so runs repeat exactly.
// It is safe for concurrent use.
type Clock struct {
	mu   sync.Mutex
	now  time.Time
	tick time.Duration
}

// New returns a Clock at Start that moves by tick at each reading.
func New(tick time.Duration) *Clock { return &Clock{now: Start, tick: tick} }

// Now returns the next instant.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now
	c.now = c.now.Add(c.tick)
	return t
}
