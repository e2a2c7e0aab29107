package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mailsim/internal/textsafe"
	"mailsim/transcripts"
	"mailsim/transcripts/gallery"
	galleryrec "mailsim/transcripts/gallery/record"
)

const galleryHelp = `The gallery of real clients: sessions of real mail programs (fetchmail,
getmail6, mbsync, offlineimap, neomutt, curl, python, swaks, msmtp, s-nail)
recorded against mailsim's own servers. Replay one with
  mailsim replay gallery:NAME

  mailsim gallery              list the samples
  mailsim gallery record [NAME...] [--dir DIR]
                               run the real clients again and rewrite the
                               samples (all of them without NAME); each needs
                               its program installed (.ci/debian-packages)`

func cmdGallery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gallery", "[record [NAME...]]", galleryHelp, stdout)
	dir := fs.String("dir", filepath.Join("transcripts", "gallery"), "with record: write the samples into `DIR`")
	lang := langFlag(fs, "the titles")
	verbose := fs.Bool("verbose", false, "with record: show the clients' own output")
	pos, language, err := parseFlagsAndLang(fs, args, lang)
	if err != nil {
		return err
	}
	if len(pos) == 0 || pos[0] == "list" {
		for _, s := range gallery.Samples() {
			fmt.Fprintf(stdout, "  %-26s %-5s %s\n", s.Name, s.Protocol, textsafe.Visible(s.Title.In(language)))
		}
		return nil
	}
	if pos[0] != "record" {
		return &exitError{2, fmt.Sprintf("gallery: unknown action %q; want record (or nothing, to list)", pos[0])}
	}
	names := pos[1:]
	if len(names) == 0 {
		for _, s := range gallery.Samples() {
			names = append(names, s.Name)
		}
	}
	for _, n := range names {
		if _, ok := gallery.Find(n); !ok {
			return &exitError{2, fmt.Sprintf("gallery record: no sample %q; the gallery has %s", n, strings.Join(gallery.Names(), ", "))}
		}
	}
	if st, err := os.Stat(*dir); err != nil || !st.IsDir() {
		return &exitError{2, fmt.Sprintf("gallery record: --dir %s is not a folder (run it from the source tree, or give --dir)", *dir)}
	}
	var log io.Writer = io.Discard
	if *verbose {
		log = stderr
	}
	failed := 0
	for _, n := range names {
		s, _ := gallery.Find(n)
		t, err := galleryrec.Record(ctx, n, galleryrec.RecordOptions{Log: log})
		if errors.Is(err, galleryrec.ErrNoClient) {
			fmt.Fprintf(stderr, "mailsim: gallery record: %v; skipped\n", err)
			failed++
			continue
		}
		if err != nil {
			fmt.Fprintf(stderr, "mailsim: gallery record: %v\n", err)
			failed++
			continue
		}
		out := filepath.Join(*dir, s.File())
		if err := transcripts.Save(out, t, transcripts.SaveOptions{}); err != nil {
			return fmt.Errorf("gallery record: %w", err)
		}
		fmt.Fprintf(stdout, "recorded %s: %d events → %s\n", n, len(t.Events), out)
	}
	if failed > 0 {
		return &exitError{1, fmt.Sprintf("gallery record: %d of %d samples not recorded", failed, len(names))}
	}
	return nil
}
