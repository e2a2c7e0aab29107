package capture

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"mailsim/transcripts"
)

// FuzzImport: no capture makes the importer panic or hang; it gives a
// transcript that saves and loads back, or one line saying what is wrong.
// Seeds: synthetic sessions (POP3, IMAP, SMTP with secrets) and a lesson's
// export in pcap and pcapng (STARTTLS and implicit TLS, opened with the
// lesson's key log), whole and cut.
func FuzzImport(f *testing.F) {
	creds, _ := credentialsCapture(&testing.T{})
	f.Add(creds)
	f.Add(creds[:len(creds)/2])
	orig := recordLesson(f, "ports-and-tls")
	var p, ng, keys bytes.Buffer
	transcripts.PCAP(&p, orig)
	transcripts.PCAPNG(&ng, orig, transcripts.ExportOptions{})
	transcripts.KeyLog(&keys, orig)
	for _, c := range [][]byte{p.Bytes(), ng.Bytes()} {
		f.Add(c[:min(len(c), 6000)])
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// with the lesson's key log, so that mutated TLS records reach the decrypter
		o := Options{Name: "f.pcap", Limits: Limits{SessionBytes: 1 << 16}, KeyLog: bytes.NewReader(keys.Bytes())}
		tr, _, err := Import(bytes.NewReader(data), o)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("not one line of a *capture.Error: %q", err)
			}
			return
		}
		out, err := transcripts.Marshal(transcripts.Redact(tr))
		if err != nil {
			t.Fatalf("an imported transcript cannot be written: %v", err)
		}
		if _, err := transcripts.Unmarshal(out, "again.yaml"); err != nil {
			t.Fatalf("an imported transcript cannot be read back: %v", err)
		}
		transcripts.Replay(&bytes.Buffer{}, tr, transcripts.PlainOptions{})
	})
}
