package main

import (
	"context"
	"fmt"
	"io"

	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
	"mailsim/transcripts"
)

func cmdRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("record", "LESSON -o FILE", "Run a lesson headless, as `run` does, and save its transcript (YAML, see\ndocs/TRANSCRIPTS.md) for `mailsim replay` and `mailsim export`. The transcript\nis saved even when a step fails (exit 1).", stdout)
	out := fs.String("o", "", "save the transcript to `FILE` (required)")
	dir := fs.String("lessons", "", "also load the lesson files in `DIR`")
	fixed := fs.Bool("deterministic", false, "use a fixed clock, so the transcript is the same every run (but its id)")
	redact := fs.Bool("redact", false, "replace passwords and SASL payloads by •••, as live sessions are")
	plain := fs.Bool("plain", false, "also print the transcript as `run --plain` does")
	lang := fs.String("lang", "", "the language to record the session as shown in (en, vi, ...)")
	stamps := fs.Bool("timestamps", false, "with --plain: print each wire line's time")
	eaves := fs.Bool("eavesdropper", false, "with --plain: show what crossed the network (TLS as opaque records)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &exitError{2, "record: name one lesson (see `mailsim lessons`)"}
	}
	if *out == "" {
		return &exitError{2, "record: say where to save the transcript: -o FILE"}
	}
	list, err := loadLessons(*dir, stderr)
	if err != nil {
		return err
	}
	l, err := findLesson("record", list, pos[0])
	if err != nil {
		return err
	}
	g, err := lessons.LoadGlossary()
	if err != nil {
		return err
	}
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: l, Language: *lang, Deterministic: *fixed})
	emit := rec.Event
	var pr *transcripts.Plain
	if *plain {
		pr = transcripts.NewPlain(stdout, transcripts.HeadingOf(l), transcripts.PlainOptions{Lang: *lang, Timestamps: *stamps, Eavesdropper: *eaves})
		emit = func(e events.Event) { rec.Event(e); pr.Event(e) }
	}
	r, err := sim.Start(l, sim.Options{Emit: emit, Glossary: g, Deterministic: *fixed, Files: l.SeedFS()})
	if err != nil {
		return err
	}
	runErr := r.RunAll(ctx)
	if pr != nil {
		pr.Final(r.State())
	}
	r.Close()
	t := rec.Transcript()
	if err := transcripts.Save(*out, t, transcripts.SaveOptions{Redact: *redact}); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if !*plain {
		fmt.Fprintf(stdout, "recorded %s: %d steps, %d events → %s\n", l.ID, len(l.Steps), len(t.Events), *out)
	}
	if runErr != nil {
		return &exitError{1, runErr.Error()}
	}
	return nil
}
