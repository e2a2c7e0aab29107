package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"mailsim/internal/textsafe"
	"mailsim/transcripts"
	"mailsim/transcripts/capture"
)

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "FILE -o T.yaml [--keylog SSLKEYLOGFILE] [--no-redact]", "Turn a capture of your own mail program's sessions (pcap or pcapng, from Wireshark,\ntshark, dumpcap or tcpdump) into a transcript for `mailsim replay` and `mailsim export`.\nPOP3, IMAP and SMTP sessions are found on any port by what the server says first;\neach client address becomes an actor. Passwords are replaced by ••• unless --no-redact.", stdout)
	out := fs.String("o", "", "save the transcript to `FILE` (required)")
	keylog := fs.String("keylog", "", "open the TLS parts with the secrets in `FILE` (what Thunderbird, curl and Firefox write when SSLKEYLOGFILE is set)")
	noRedact := fs.Bool("no-redact", false, "keep passwords and SASL payloads in the transcript")
	lang := fs.String("lang", "", "the language to show the transcript in (en, vi)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &exitError{2, "import: name one capture file (pcap or pcapng)"}
	}
	if *out == "" {
		return &exitError{2, "import: say where to save the transcript: -o FILE"}
	}
	name := pos[0]
	f, err := os.Open(name)
	if err != nil {
		return &exitError{1, "import: " + pathError(err)}
	}
	defer f.Close()
	o := capture.Options{Name: name, Language: *lang}
	if *keylog != "" {
		k, err := os.Open(*keylog)
		if err != nil {
			return &exitError{1, "import: --keylog: " + pathError(err)}
		}
		defer k.Close()
		o.KeyLog = k
	}
	t, rep, err := capture.Import(f, o)
	if err != nil {
		var ce *capture.Error
		if errors.As(err, &ce) {
			return &exitError{1, textsafe.Visible(ce.Error())}
		}
		return &exitError{1, "import: " + err.Error()}
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(stderr, "mailsim: import: "+textsafe.Visible(name+": "+n))
	}
	if err := transcripts.Save(*out, t, transcripts.SaveOptions{KeepSecrets: *noRedact}); err != nil {
		return &exitError{1, "import: " + err.Error()}
	}
	secrets := "passwords redacted (--no-redact keeps them)"
	if *noRedact {
		secrets = "passwords kept (--no-redact)"
	}
	fmt.Fprintf(stdout, "imported %s: %d mail sessions from %d packets, %d actors → %s; %s\n",
		textsafe.Visible(name), rep.Sessions, rep.Packets, len(t.Actors), textsafe.Visible(*out), secrets)
	return nil
}

// pathError is an *os.PathError as "FILE: reason".
func pathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return err.Error()
}
