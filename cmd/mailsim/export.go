package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"mailsim/transcripts"
)

var exportFormats = []string{"markdown", "html", "pdf", "asciicast", "pcap", "pcapng"}

// paperSizes are the --paper values, as CSS names them.
var paperSizes = map[string]string{"a4": "A4", "letter": "letter"}

func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "FILE|gallery:NAME --to markdown|html|pdf|asciicast|pcap|pcapng [-o OUT]", "Turn a saved transcript, or a gallery sample of real clients (gallery:NAME),\ninto a handout (markdown; html: one self-contained page that prints well; pdf:\nthat page printed by headless Chromium, Debian package chromium), for a trainer\nor a student (--for), a terminal recording paced for reading (asciicast v2:\nasciinema play OUT) or a packet capture (pcap: wireshark OUT, tshark -r OUT;\nsynthetic addresses, standard ports; pcapng: the same with the lesson's steps\nand notes as packet comments).", stdout)
	to := fs.String("to", "", "the format: "+strings.Join(exportFormats, ", "))
	out := fs.String("o", "-", "write to `OUT` (- = standard output)")
	lang := fs.String("lang", "", "show the texts in this language (default: the transcript's)")
	eaves := fs.Bool("eavesdropper", false, "markdown, html, pdf, asciicast: show what crossed the network (TLS as opaque records)")
	wpm := fs.Int("wpm", transcripts.DefaultWPM, "asciicast: the reading speed to pace it for, in `WORDS` a minute (narration and notes stay up for their reading time)")
	cols := fs.Int("cols", 100, "asciicast: the terminal's width in `COLUMNS`; every line is wrapped to it")
	paper := fs.String("paper", "a4", "pdf: the paper size, a4 or letter (html: the printer's)")
	keylog := fs.String("keylog", "", "pcap, pcapng: also write the TLS sessions' secrets to `FILE` (SSLKEYLOGFILE format: wireshark -o tls.keylog_file:FILE shows them decrypted)")
	audience := fs.String("for", string(transcripts.ForTrainer), "markdown, html, pdf: `WHO` the handout is for: trainer (quiz answers, explanations and an answer key) or student (each quiz a question with an empty box to answer in)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &exitError{2, "export: name one transcript file (made by `mailsim record`) or gallery:NAME (see `mailsim gallery`)"}
	}
	known := false
	for _, f := range exportFormats {
		known = known || f == *to
	}
	if !known {
		return &exitError{2, fmt.Sprintf("export: --to %q: want one of %s", *to, strings.Join(exportFormats, ", "))}
	}
	if !slices.Contains(transcripts.Audiences, transcripts.Audience(*audience)) {
		return &exitError{2, fmt.Sprintf("export: --for %q: want trainer or student", *audience)}
	}
	if *wpm < 20 || *wpm > 1000 {
		return &exitError{2, fmt.Sprintf("export: --wpm %d: want a reading speed from 20 to 1000 words a minute", *wpm)}
	}
	if *cols < 40 || *cols > 500 {
		return &exitError{2, fmt.Sprintf("export: --cols %d: want a terminal width from 40 to 500 columns", *cols)}
	}
	if _, ok := paperSizes[*paper]; !ok {
		return &exitError{2, fmt.Sprintf("export: --paper %q: want a4 or letter", *paper)}
	}
	if (*to == "pcap" || *to == "pcapng" || *to == "pdf") && *out == "-" && isTerminal(stdout) {
		return &exitError{2, fmt.Sprintf("export: a %s is binary: write it to a file with -o OUT.%s", *to, *to)}
	}
	if *to == "pdf" {
		if _, err := findChromium(); err != nil {
			return &exitError{1, err.Error()}
		}
	}
	if *keylog != "" && *to != "pcap" && *to != "pcapng" {
		return &exitError{2, "export: --keylog goes with --to pcap or pcapng"}
	}
	t, err := loadTranscript(pos[0])
	if err != nil {
		return &exitError{1, err.Error()}
	}
	if *keylog != "" {
		if err := writeKeyLog(*keylog, t, stderr); err != nil {
			return &exitError{1, "export: --keylog: " + err.Error()}
		}
	}
	eo := transcripts.ExportOptions{Lang: *lang, Eavesdropper: *eaves, For: transcripts.Audience(*audience)}
	write := func(w io.Writer) error {
		switch *to {
		case "markdown":
			return transcripts.Markdown(w, t, eo)
		case "html":
			return transcripts.HTML(w, t, eo)
		case "pdf":
			var page bytes.Buffer
			po := eo
			po.Paper = paperSizes[*paper]
			if err := transcripts.HTML(&page, t, po); err != nil {
				return err
			}
			return printPDF(ctx, page.Bytes(), w)
		case "asciicast":
			return transcripts.Asciicast(w, t, transcripts.AsciicastOptions{ExportOptions: eo, WPM: *wpm, Width: *cols})
		}
		var rep transcripts.PCAPReport
		var err error
		if *to == "pcapng" {
			rep, err = transcripts.PCAPNG(w, t, eo)
		} else {
			rep, err = transcripts.PCAP(w, t)
		}
		for _, s := range rep.Short {
			fmt.Fprintf(stderr, "mailsim: export: %s: only part of it was kept, so the capture holds only that part\n", s)
		}
		return err
	}
	if *out == "-" {
		return write(stdout)
	}
	if err := transcripts.WriteFileAtomic(*out, write); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writeKeyLog writes the transcript's TLS secrets for the capture.
func writeKeyLog(path string, t *transcripts.Transcript, stderr io.Writer) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	n, werr := transcripts.KeyLog(f, t)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil && n == 0 {
		fmt.Fprintf(stderr, "export: %s: the transcript holds no TLS secrets (only scripted lessons recorded by this version do)\n", path)
	}
	return werr
}
