package widgets

import (
	"context"
	"io"
	"log"

	"github.com/rivo/tview"
)

// RunApp runs app until it stops or ctx ends; stop is closed once it has,
// then shutdown (if not nil) runs. Nothing may write to the terminal while
// the app owns it, so the standard logger is silenced until shutdown is
// over (servers log as they close). The lesson app and the live view both
// run this way.
func RunApp(ctx context.Context, app *tview.Application, stop chan struct{}, shutdown func()) error {
	logw, logf := log.Writer(), log.Flags()
	log.SetOutput(io.Discard)
	defer func() { log.SetOutput(logw); log.SetFlags(logf) }()

	go func() {
		select {
		case <-ctx.Done():
			app.Stop()
		case <-stop:
		}
	}()
	err := app.Run()
	close(stop)
	if shutdown != nil {
		shutdown()
	}
	return err
}
