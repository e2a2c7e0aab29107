package model

import (
	"sync"
	"time"
)

// FlushEvery bounds how often a stream of events reaches the screen.
const FlushEvery = 50 * time.Millisecond

// Batcher gathers what other goroutines add, quickly and without ever
// blocking on the UI, and hands it as one batch to deliver from one
// goroutine (run), at most every flushEvery, in the order it was added.
// deliver is expected to wait until the UI has applied a batch (post), so
// that batches keep their order and a slow screen slows the flushes, not
// the producers. The lesson screen's driver outbox and the live view's
// feed are both batchers.
type Batcher[B any] struct {
	mu    sync.Mutex
	b     B
	kick  chan struct{}
	empty func(b *B) bool // a batch not worth a flush
	next  func(b *B) B    // the batch that follows b once b is taken
}

// NewBatcher makes a batcher; next may be nil (a zero B follows).
func NewBatcher[B any](empty func(*B) bool, next func(*B) B) *Batcher[B] {
	if next == nil {
		next = func(*B) B { var zero B; return zero }
	}
	return &Batcher[B]{kick: make(chan struct{}, 1), empty: empty, next: next}
}

// Add changes the pending batch with f, from any goroutine, and wakes the
// flusher. f runs under the batcher's lock: it must be quick.
func (x *Batcher[B]) Add(f func(b *B)) {
	x.mu.Lock()
	f(&x.b)
	x.mu.Unlock()
	select {
	case x.kick <- struct{}{}:
	default:
	}
}

// take returns the pending batch and starts the next.
func (x *Batcher[B]) take() B {
	x.mu.Lock()
	defer x.mu.Unlock()
	b := x.b
	x.b = x.next(&b)
	return b
}

// Run flushes until stop is closed: deliver is called with each batch
// that is not empty.
func (x *Batcher[B]) Run(stop <-chan struct{}, deliver func(B)) {
	for {
		select {
		case <-stop:
			return
		case <-x.kick:
		}
		if b := x.take(); !x.empty(&b) {
			deliver(b)
		}
		select {
		case <-stop:
			return
		case <-time.After(FlushEvery):
		}
	}
}
