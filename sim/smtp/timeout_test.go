package smtp

import (
	"io"
	"strings"
	"testing"
	"time"
)

// readToEOF reads what the server still sends until it closes the
// connection (or d passes, which fails the test).
func (w *wireConn) readToEOF(d time.Duration) string {
	w.t.Helper()
	w.c.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(w.r)
	if err != nil && !strings.Contains(err.Error(), "reset") {
		w.t.Fatalf("waiting for the server to close: %v (read %q)", err, b)
	}
	return string(b)
}

func TestATimeoutInDATAClosesTheSessionBeforeTheRestOfTheBody(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv, st, _ := localServer(t, MX, func(o *Options) { o.ReadTimeout = timeout })
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("MAIL FROM:<mallory@example.org>", "250 ")
	w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
	w.cmdExpect("DATA", "354 ")
	w.c.Write([]byte("Subject: slow\r\n\r\nfirst line\r\n"))
	time.Sleep(timeout + timeout/2)
	w.expect("421 4.4.2 ")
	// The rest of the "body" is a whole second transaction: none of it may
	// run as commands.
	w.c.Write([]byte("MAIL FROM:<mallory@example.org>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n" +
		"Subject: injected-from-body\r\n\r\nx\r\n.\r\nQUIT\r\n"))
	if rest := w.readToEOF(5 * time.Second); rest != "" {
		t.Errorf("after the timeout the server still said %q", rest)
	}
	for _, u := range []string{"alice", "carol"} {
		if msgs := inbox(t, st, u); len(msgs) != 0 {
			t.Errorf("%s got %d messages after a DATA timeout", u, len(msgs))
		}
	}
}

func TestAPartialLineAtTheTimeoutIsNotACommand(t *testing.T) {
	const timeout = 400 * time.Millisecond
	srv, st, _ := localServer(t, Submission, func(o *Options) { o.ReadTimeout = timeout })
	for _, tc := range []struct{ name, partial string }{
		{"a NOOP", "NOOP"},
		{"an AUTH that would log in", "AUTH PLAIN AGFsaWNlAHB3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := greeted(t, srv.Addr)
			start := time.Now()
			w.c.Write([]byte(tc.partial))
			got := w.readToEOF(5 * time.Second)
			took := time.Since(start)
			if !strings.HasPrefix(got, "421 4.4.2 ") || strings.Count(got, "\r\n") != 1 {
				t.Errorf("server said %q, want one 421 4.4.2 line and the close", got)
			}
			if took < timeout || took > timeout+timeout/10+50*time.Millisecond {
				t.Errorf("closed after %v, want %v (+10%%)", took, timeout)
			}
		})
	}
	if msgs := inbox(t, st, "alice"); len(msgs) != 0 {
		t.Errorf("alice has %d messages", len(msgs))
	}
}

func TestATricklingClientIsClosedAtTheTimeout(t *testing.T) {
	const timeout = 400 * time.Millisecond
	srv, _, _ := localServer(t, MX, func(o *Options) { o.ReadTimeout = timeout })
	w, _ := greeted(t, srv.Addr)
	start := time.Now()
	done := make(chan string)
	var took time.Duration
	go func() {
		got := w.readToEOF(5 * time.Second)
		took = time.Since(start)
		done <- got
	}()
	for _, b := range []byte("MAIL FROM:<slow@example.org>") {
		if _, err := w.c.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := <-done
	if !strings.HasPrefix(got, "421 4.4.2 ") || strings.Count(got, "\r\n") != 1 {
		t.Errorf("server said %q, want one 421 4.4.2 line and the close", got)
	}
	if took > timeout+timeout/10+50*time.Millisecond {
		t.Errorf("a client sending a byte every 50ms lived %v with a %v timeout", took, timeout)
	}
}

func TestMXRefusesControlCharactersAndBadUTF8InAddresses(t *testing.T) {
	srv, st, _ := localServer(t, MX, nil)
	w, _ := greeted(t, srv.Addr)
	for _, from := range []string{"a\x00b@example.org", "\xff\xfe@example.org", "x\x1b[2J@example.org"} {
		w.cmdExpect("MAIL FROM:<"+from+">", "501 ")
	}
	w.cmdExpect("MAIL FROM:<thư@example.org>", "250 ") // SMTPUTF8 is fine
	w.cmdExpect("RCPT TO:<alice\x00@example.com>", "501 ")
	w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
	if msgs := inbox(t, st, "alice"); len(msgs) != 0 {
		t.Errorf("%d messages", len(msgs))
	}
}
