package smtp

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

var replyLine = regexp.MustCompile(`^[2-5][0-9][0-9][ -]`)

// FuzzData sends arbitrary octets as a DATA body (sometimes stalling past
// the timeout halfway). Every reply must be a well-formed SMTP reply, the
// session must end within the deadline, at most one message may be
// delivered, and unless the body itself ends DATA (CRLF . CRLF) nothing in
// it may run as a command: carol, named only inside the body, gets nothing.
func FuzzData(f *testing.F) {
	for _, seed := range []struct {
		body  string
		stall bool
	}{
		{"Subject: hi\r\n\r\nhello\r\n", false},
		{"Subject: slow\r\n\r\nfirst\r\n", true},
		{"MAIL FROM:<m@example.org>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\nSubject: injected\r\n", true},
		{"..leading dot\r\n.\r\n", false},
		{"bare\nLF\r\n", false},
		{strings.Repeat("x", 3000) + "\r\n", false},
		{"\x00\xff\r\n", false},
	} {
		f.Add([]byte(seed.body), seed.stall)
	}
	const timeout = 300 * time.Millisecond
	srv, st, _ := localServer(f, MX, func(o *Options) {
		o.ReadTimeout = timeout
		o.Logf = func(string, ...any) {} // f.Logf may not be called from the target
	})
	f.Fuzz(func(t *testing.T, body []byte, stall bool) {
		before := len(inbox(t, st, "alice"))
		c, err := net.Dial("tcp", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		w := &wireConn{t: t, c: c, r: r}
		w.expect("220 ")
		w.cmdExpect("EHLO fuzz.example", "250 ")
		w.cmdExpect("MAIL FROM:<fuzz@example.org>", "250 ")
		w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
		w.cmdExpect("DATA", "354 ")
		half := len(body) / 2
		c.Write(body[:half])
		if stall {
			time.Sleep(timeout + timeout/2)
		}
		c.Write(body[half:])
		c.Write([]byte("\r\n.\r\nQUIT\r\n"))
		c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(r)
		if err != nil && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("the session did not end: %v", err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(out), "\r\n"), "\r\n") {
			if l != "" && !replyLine.MatchString(l) {
				t.Fatalf("malformed reply line %q in %q", l, out)
			}
		}
		ended := bytes.Contains(append([]byte("\r\n"), body...), []byte("\r\n.\r\n"))
		if got := len(inbox(t, st, "alice")) - before; got > 1 && !ended {
			t.Fatalf("%d messages delivered for one DATA", got)
		}
		if n := len(inbox(t, st, "carol")); n > 0 && !ended {
			t.Fatalf("carol got %d messages from a DATA body", n)
		}
	})
}
