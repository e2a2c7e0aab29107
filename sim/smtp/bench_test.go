package smtp

import (
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// BenchmarkSubmit sends b.N messages over one authenticated submission
// connection, each delivered to a local mailbox.
func BenchmarkSubmit(b *testing.B) {
	srv, st, _ := localServer(b, Submission, nil)
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		b.Fatal(err)
	}
	c := gosmtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello("bench.example.com"); err != nil {
		b.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", "alice", "pw")); err != nil {
		b.Fatal(err)
	}
	msg := "From: alice@example.com\r\nTo: carol@example.com\r\nSubject: bench\r\n\r\n" + strings.Repeat("All work and no play.\r\n", 40)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.SendMail("alice@example.com", []string{"carol@example.com"}, strings.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if n := len(inbox(b, st, "carol")); n != b.N {
		b.Fatalf("carol has %d messages, want %d", n, b.N)
	}
}
