package widgets

import "github.com/rivo/tview"

// Poster runs functions on an app's UI goroutine from other goroutines:
// the one way a batch (or anything else) reaches the screen.
type Poster struct {
	App  *tview.Application
	Stop <-chan struct{} // closed when the app has stopped
}

// Post runs f on the UI goroutine and redraws, from any other goroutine.
// It waits until f has run, so posts from one goroutine keep their order;
// the inner goroutine only lets it give up when the app ends (QueueUpdate
// would wait forever then). It must not be called from a handler.
func (p Poster) Post(f func()) {
	select {
	case <-p.Stop:
		return
	default:
	}
	done := make(chan struct{})
	go func() {
		p.App.QueueUpdateDraw(f)
		close(done)
	}()
	select {
	case <-done:
	case <-p.Stop:
	}
}
