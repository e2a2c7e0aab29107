package screentest

import (
	"context"
	"testing"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/transcripts"
)

// Record runs a lesson headless, as `mailsim record` does, and
// returns its transcript; answers are quiz answers (step -> choice).
func Record(t testing.TB, l *lessons.Lesson, answers map[int]int) *transcripts.Transcript {
	t.Helper()
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: l, Deterministic: true})
	r, err := sim.Start(l, sim.Options{Emit: rec.Event, Deterministic: true, Roles: model.RolesFor(l)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	for step, choice := range answers {
		rec.Answer(step, choice)
	}
	return rec.Transcript()
}
