package main

import (
	"context"
	"io"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/term"

	"mailsim/cmd/mailsim/tui"
	"mailsim/lessons"
	"mailsim/transcripts"
	"mailsim/transcripts/gallery"
)

// openApp runs the TUI on the built-in lessons (plus those in dir).
func openApp(ctx context.Context, start, dir, lang string, present bool, stderr io.Writer) error {
	var warn strings.Builder
	list, err := loadLessons(dir, io.MultiWriter(stderr, &warn))
	if err != nil {
		return err
	}
	if start != "" {
		if _, err := findLesson("learn", list, start); err != nil {
			return err
		}
	}
	if !term.IsTerminal(int(os.Stdout.Fd())) || !term.IsTerminal(int(os.Stdin.Fd())) {
		return &exitError{2, "the app needs a terminal; for plain text use `mailsim run LESSON --plain`"}
	}
	g, err := lessons.LoadGlossary()
	if err != nil {
		return err
	}
	notice := strings.TrimPrefix(strings.TrimSpace(warn.String()), "mailsim: ")
	return tui.Run(ctx, tui.Options{Lessons: list, Glossary: g, Lang: lang, Start: start, Notice: notice, Present: present,
		Files: func(l *lessons.Lesson) fs.FS { return l.SeedFS() }, Replays: galleryReplays()})
}

// galleryReplays are the gallery's samples for the picker ("Real clients").
func galleryReplays() []tui.Replayable {
	var out []tui.Replayable
	for _, l := range gallery.Lessons() {
		out = append(out, tui.Replayable{Lesson: l, Load: func() (*transcripts.Transcript, error) { return gallery.Load(l.ID) }})
	}
	return out
}

func cmdLearn(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return learn(ctx, "learn", args, stdout, stderr)
}

// learn opens the app; cmd is "learn", or "" for mailsim without a command.
func learn(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags(cmd, "[LESSON]", "Open the app: pick a lesson, step through it, answer quizzes, try commands yourself.", stdout)
	dir := fs.String("lessons", "", "also load the lesson files in `DIR`")
	lang := langFlag(fs, "the lessons and the app")
	present := fs.Bool("present", false, "presenter mode, for a projector: no timestamps, a wider transcript, long lines wrapped (m toggles it, z zooms a pane)")
	pos, language, err := parseFlagsAndLang(fs, args, lang)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return &exitError{2, "learn: name at most one lesson"}
	}
	start := ""
	if len(pos) == 1 {
		start = pos[0]
	}
	return openApp(ctx, start, *dir, language, *present, stderr)
}
