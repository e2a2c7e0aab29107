package tui

import (
	"context"
	"errors"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/lessons"
	"mailsim/transcripts"
)

// ReplayOptions configure Replay.
type ReplayOptions struct {
	Transcript *transcripts.Transcript
	Glossary   *lessons.Glossary // accepted for symmetry with Options; the transcript carries its annotations
	Lang       string            // "" = the transcript's language
	Screen     tcell.Screen      // nil = the real terminal
}

// Replay shows a saved transcript on the lesson screen, with no servers
// running: the Session is fed every event of the file at once and starts
// before the first step, so stepping, going back, go-to-step and autoplay
// are the lesson screen's own, over the recorded events and snapshots.
// Search (/ n N) and the step markers ([ ]) come from a transcripts.Cursor.
func Replay(ctx context.Context, o ReplayOptions) error {
	u, err := newReplayUI(ctx, o, "")
	if err != nil {
		return err
	}
	return u.run()
}

func newReplayUI(ctx context.Context, o ReplayOptions, stateDir string) (*ui, error) {
	t := o.Transcript
	if t == nil {
		return nil, errors.New("replay: no transcript")
	}
	lang := o.Lang
	if lang == "" {
		lang = t.Lang()
	}
	if stateDir == "" {
		stateDir = model.DefaultStateDir()
	}
	u, err := newUI(ctx, Options{Glossary: o.Glossary, Lang: lang, Screen: o.Screen, StateDir: stateDir})
	if err != nil {
		return nil, err
	}
	u.host.OpenReplay(t, false)
	return u, nil
}
