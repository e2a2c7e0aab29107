package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"mailsim/exercises"
	"mailsim/sim/classroom"
	"mailsim/sim/network"
)

// loadExercises reads --exercises: "builtin" or a directory of files.
func loadExercises(spec string) ([]*exercises.Exercise, error) {
	if spec == "builtin" {
		return exercises.Builtin()
	}
	return exercises.LoadDir(spec)
}

// exerciseTwins gives every student an account with the same name and
// password at the other provider (example.org), so that an exercise can
// ask them to send mail to "your account at the other provider".
func exerciseTwins(accts []classroom.Account) []classroom.Account {
	var out []classroom.Account
	for _, a := range accts {
		if a.Student && a.Domain == network.DomainCom {
			t := a
			t.Domain = network.DomainOrg
			t.Starter.Mailboxes = nil
			out = append(out, t)
		}
	}
	return out
}

// classExercises is serve's exercise tracking: the tracker fed by the
// registry, and where the results go.
type classExercises struct {
	tracker *exercises.Tracker
	results string // --results FILE ("" = none)
	lang    string
	cancel  func()
}

// startExercises tracks exs over the classroom's sessions until stop.
func startExercises(ctx context.Context, exs []*exercises.Exercise, cls *classroom.Classroom, results, lang string) *classExercises {
	var domains []string
	for _, p := range cls.Net.Providers {
		domains = append(domains, p.Domain)
	}
	tr := exercises.NewTracker(exs, exercises.StudentsOf(cls.Accounts), domains, exercises.NetworkCounter(cls.Net), nil)
	unsub := cls.Registry.Subscribe(tr.Event)
	ctx, cancel := context.WithCancel(ctx)
	go tr.Run(ctx, 200*time.Millisecond)
	return &classExercises{tracker: tr, results: results, lang: lang, cancel: func() { cancel(); unsub() }}
}

// writeResults brings the board up to date and writes --results.
func (ce *classExercises) writeResults() (string, error) {
	if ce == nil || ce.results == "" {
		return "", nil
	}
	ce.tracker.Update()
	b := ce.tracker.Board()
	if err := b.WriteResults(ce.results, ce.lang); err != nil {
		return "", fmt.Errorf("writing the exercise results: %w", err)
	}
	csvPath, mdPath := exercises.ResultPaths(ce.results)
	return fmt.Sprintf("exercise results: %s and %s (%d completions)", csvPath, mdPath, b.Completions), nil
}

// stop ends the tracking and writes the results a last time.
func (ce *classExercises) stop(stdout io.Writer) error {
	if ce == nil {
		return nil
	}
	ce.cancel()
	msg, err := ce.writeResults()
	if msg != "" {
		fmt.Fprintln(stdout, msg)
	}
	return err
}

// appendSheet adds the exercises to the students' sheet.
func appendSheet(path string, exs []*exercises.Exercise, card classroom.Card, lang string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	werr := exercises.WriteSheet(f, exs, card.Servers, lang)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
