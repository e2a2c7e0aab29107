package pop3

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"mailsim/sim/mailstore"
)

// BenchmarkRETR1000 retrieves a maildrop of 1,000 messages of about 2 KB
// in one session per iteration.
func BenchmarkRETR1000(b *testing.B) {
	store := mailstore.New(mailstore.Options{UIDValidity: 1})
	if err := store.AddUser("alice", "pw"); err != nil {
		b.Fatal(err)
	}
	line := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 2) + "\r\n"
	body := strings.Repeat(line, 2048/len(line))
	var total int64
	for i := 0; i < 1000; i++ {
		raw := fmt.Sprintf("From: bob@example.org\r\nSubject: message %d\r\n\r\n.starts with a dot\r\n%s", i, body)
		if _, err := store.Deliver("alice", []byte(raw)); err != nil {
			b.Fatal(err)
		}
		total += int64(len(raw))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(Options{Store: store})
	go srv.Serve(ln)
	defer srv.Close()

	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReaderSize(nc, 64<<10)
		expect := func(prefix string) {
			l, err := r.ReadString('\n')
			if err != nil || !strings.HasPrefix(l, prefix) {
				b.Fatalf("got %q, %v; want %s", l, err, prefix)
			}
		}
		expect("+OK")
		io.WriteString(nc, "USER alice\r\nPASS pw\r\n")
		expect("+OK")
		expect("+OK")
		for n := 1; n <= 1000; n++ {
			fmt.Fprintf(nc, "RETR %d\r\n", n)
			expect("+OK")
			for {
				l, err := r.ReadSlice('\n')
				if err != nil {
					b.Fatal(err)
				}
				if len(l) == 3 && l[0] == '.' {
					break
				}
			}
		}
		io.WriteString(nc, "QUIT\r\n")
		expect("+OK")
		nc.Close()
	}
}
