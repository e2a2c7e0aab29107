package loadgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SeedMessage is the i-th (1-based) of the small messages a benchmark
// fills a mailbox with: about 600 octets, CRLF line endings. The same
// messages go into mailsim's store and into another server's Maildir, so
// that both serve the same octets.
func SeedMessage(i int) []byte {
	date := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	var b strings.Builder
	fmt.Fprintf(&b, "Return-Path: <sender%d@example.org>\r\n", i%17)
	fmt.Fprintf(&b, "From: Sender %d <sender%d@example.org>\r\n", i%17, i%17)
	fmt.Fprintf(&b, "To: Bench User <bench@example.com>\r\n")
	fmt.Fprintf(&b, "Subject: Benchmark message %d\r\n", i)
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%d.bench@mailsim.invalid>\r\n", i)
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n")
	fmt.Fprintf(&b, "Hello,\r\n\r\nthis is message number %d of the benchmark mailbox.\r\n", i)
	for l := 0; l < 4; l++ {
		b.WriteString("The quick brown fox jumps over the lazy dog, line after line.\r\n")
	}
	b.WriteString("\r\n-- \r\nmailsim loadgen\r\n")
	return []byte(b.String())
}

// WriteMaildir writes messages 1..n as a Maildir (cur/, new/, tmp/) in
// dir, with LF line endings as Maildir stores them. Servers such as
// Dovecot then serve the same messages mailsim does.
func WriteMaildir(dir string, n int) error {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return err
		}
	}
	base := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		raw := strings.ReplaceAll(string(SeedMessage(i)), "\r\n", "\n")
		// Maildir names sort in delivery order; S= gives the size.
		name := fmt.Sprintf("%d.M%06dP1.mailsim,S=%d:2,", base.Unix()+int64(i), i, len(raw))
		path := filepath.Join(dir, "cur", name)
		if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
			return err
		}
		t := base.Add(time.Duration(i) * time.Minute)
		os.Chtimes(path, t, t)
	}
	return nil
}
