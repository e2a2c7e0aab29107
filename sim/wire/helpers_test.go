package wire

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// collector is a Sink that keeps everything.
type collector struct {
	mu     sync.Mutex
	opens  []ConnInfo
	units  []Unit
	closes map[uint64]error
	closed chan uint64
}

func newCollector() *collector {
	return &collector{closes: map[uint64]error{}, closed: make(chan uint64, 16)}
}

func (c *collector) Open(ci ConnInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.opens = append(c.opens, ci)
}

func (c *collector) Unit(u Unit) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.units = append(c.units, u)
}

func (c *collector) Close(id uint64, err error) {
	c.mu.Lock()
	c.closes[id] = err
	c.mu.Unlock()
	c.closed <- id
}

func (c *collector) all() []Unit {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Unit(nil), c.units...)
}

// waitClosed waits until connection id has been reported closed.
func (c *collector) waitClosed(t *testing.T, id uint64) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		c.mu.Lock()
		_, ok := c.closes[id]
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.closed:
		case <-timeout:
			t.Fatalf("connection %d was not reported closed", id)
		}
	}
}

// brief renders a unit the way the tables below spell expectations.
func brief(u Unit) string {
	return fmt.Sprintf("%s %s [%s] [%s] %q", u.Dir, u.Kind, u.Command, u.Tag, u.Text)
}

func briefs(us []Unit, layer Layer) []string {
	var out []string
	for _, u := range us {
		if u.Layer == layer {
			out = append(out, brief(u))
		}
	}
	return out
}

// chunk is what crossed the wire in one read or write.
type chunk struct {
	dir  Direction
	data string
}

func c2s(s string) chunk { return chunk{ClientToServer, s} }
func s2c(s string) chunk { return chunk{ServerToClient, s} }

// newTestSession returns a session that frames without a network.
func newTestSession(t testing.TB, p Protocol, o Options) (*session, *collector) {
	t.Helper()
	col := newCollector()
	a, b := net.Pipe()
	a.Close()
	b.Close()
	return NewRecorder(col, o).newSession(a, p, ServerSide, false), col
}

// frame feeds chunks into a fresh session, each chunk split into pieces by
// cuts (offsets into the chunk), closes it and returns the units, timeless.
func frame(t testing.TB, p Protocol, o Options, chunks []chunk, cuts func(i int, c chunk) []int) []Unit {
	t.Helper()
	s, col := newTestSession(t, p, o)
	for i, c := range chunks {
		last := 0
		for _, at := range cuts(i, c) {
			s.record(c.dir, false, []byte(c.data[last:at]))
			last = at
		}
		s.record(c.dir, false, []byte(c.data[last:]))
	}
	s.close()
	us := col.all()
	for i := range us {
		us[i].Time = time.Time{}
	}
	return us
}

func whole(int, chunk) []int { return nil }

func bytewise(_ int, c chunk) []int {
	cuts := make([]int, 0, len(c.data))
	for i := 1; i < len(c.data); i++ {
		cuts = append(cuts, i)
	}
	return cuts
}

func join(ss []string) string { return strings.Join(ss, "\n") }
