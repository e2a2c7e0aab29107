package main

import (
	"context"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"mailsim/cmd/mailsim/tui"
	"mailsim/lessons"
	"mailsim/transcripts"
	"mailsim/transcripts/gallery"
)

// replayTUI steps through a transcript on screen, in lang ("" = the
// transcript's language).
func replayTUI(ctx context.Context, t *transcripts.Transcript, lang string) error {
	if !term.IsTerminal(int(os.Stdout.Fd())) || !term.IsTerminal(int(os.Stdin.Fd())) {
		return &exitError{2, "replay: the interactive replay needs a terminal; for plain text add --plain"}
	}
	g, err := lessons.LoadGlossary()
	if err != nil {
		return err
	}
	return tui.Replay(ctx, tui.ReplayOptions{Transcript: t, Glossary: g, Lang: lang})
}

func cmdReplay(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlags("replay", "FILE|gallery:NAME [--plain]", "Replay a saved transcript, or a sample of the gallery of real clients (gallery:NAME,\nsee `mailsim gallery`). With --plain, print it exactly as `mailsim run --plain`\nprinted the session; without, step through it on screen.", stdout)
	plain := fs.Bool("plain", false, "print the transcript as plain text")
	lang := fs.String("lang", "", "show the texts in this language (default: the transcript's)")
	stamps := fs.Bool("timestamps", false, "print each wire line's time")
	eaves := fs.Bool("eavesdropper", false, "show what crossed the network (TLS as opaque records)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &exitError{2, "replay: name one transcript file (made by `mailsim record`) or gallery:NAME (see `mailsim gallery`)"}
	}
	t, err := loadTranscript(pos[0])
	if err != nil {
		return &exitError{1, err.Error()}
	}
	if !*plain {
		return replayTUI(ctx, t, *lang)
	}
	return transcripts.Replay(stdout, t, transcripts.PlainOptions{Lang: *lang, Timestamps: *stamps, Eavesdropper: *eaves})
}

// loadTranscript reads what replay and export take: a transcript file, or
// a sample of the gallery of real clients (gallery:NAME).
func loadTranscript(name string) (*transcripts.Transcript, error) {
	if strings.HasPrefix(name, gallery.Prefix) {
		return gallery.Load(name)
	}
	return transcripts.Load(name)
}
