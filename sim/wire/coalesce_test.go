package wire

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// oneConnListener hands out one conn, then fails.
type oneConnListener struct {
	c    net.Conn
	done bool
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	if l.done {
		return nil, net.ErrClosed
	}
	l.done = true
	return l.c, nil
}
func (l *oneConnListener) Close() error   { return nil }
func (l *oneConnListener) Addr() net.Addr { return l.c.LocalAddr() }

func coalesced(t testing.TB, nc net.Conn) net.Conn {
	t.Helper()
	c, err := Coalesce(&oneConnListener{c: nc}).Accept()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCoalesce(t *testing.T) {
	t.Run("small writes go out as one, before a read", func(t *testing.T) {
		fc := &fakeConn{}
		c := coalesced(t, fc)
		for range 100 {
			if n, err := c.Write([]byte("* 1 FETCH (FLAGS ())\r\n")); n != 22 || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
		}
		c.Read(make([]byte, 1))
		if fc.writes != 1 || len(fc.data) != 2200 {
			t.Errorf("%d writes of %d bytes, want 1 of 2200", fc.writes, len(fc.data))
		}
		c.Close()
	})
	t.Run("buffered bytes go out on their own", func(t *testing.T) {
		fc := &fakeConn{}
		c := coalesced(t, fc)
		c.Write([]byte("* OK ready\r\n"))
		deadline := time.Now().Add(5 * time.Second)
		for {
			fc.mu.Lock()
			n := len(fc.data)
			fc.mu.Unlock()
			if n == 12 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("buffered write never flushed")
			}
			time.Sleep(time.Millisecond)
		}
		c.Close()
	})
	t.Run("deadlines and Close flush; order kept; errors reported", func(t *testing.T) {
		fc := &fakeConn{}
		c := coalesced(t, fc)
		big := strings.Repeat("z", 40<<10)
		c.Write([]byte("a"))
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if string(fc.data) != "a" {
			t.Errorf("after SetWriteDeadline: %q", fc.data)
		}
		c.Write([]byte(big))
		c.Write([]byte("b"))
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if string(fc.data) != "a"+big+"b" {
			t.Errorf("wrote %d bytes, not in order", len(fc.data))
		}
		if _, err := c.Write([]byte("late")); err == nil {
			t.Error("write after Close succeeded")
		}

		boom := errors.New("connection reset")
		c = coalesced(t, &fakeConn{fail: boom})
		c.Write([]byte("+OK\r\n"))
		c.Read(nil)
		if _, err := c.Write([]byte("+OK\r\n")); !errors.Is(err, boom) {
			t.Errorf("next write: %v", err)
		}
	})
	t.Run("what servers ask of the conn", func(t *testing.T) {
		fc := &fakeConn{}
		c := coalesced(t, fc)
		if s, ok := c.(interface{ TLS() bool }); !ok || s.TLS() {
			t.Error("a plain conn says TLS")
		}
		if c.RemoteAddr().String() != "127.0.0.1:50000" {
			t.Errorf("RemoteAddr %v", c.RemoteAddr())
		}
		if c.(interface{ NetConn() net.Conn }).NetConn() != fc {
			t.Error("NetConn is not the wrapped conn")
		}
		tc := coalesced(t, tls.Server(fc, &tls.Config{}))
		if !tc.(interface{ TLS() bool }).TLS() {
			t.Error("a conn over *tls.Conn does not say TLS")
		}
		tap := NewRecorder(nil, Options{}).Conn(&fakeConn{}, IMAP, ClientSide)
		if got, ok := AsConn(coalesced(t, tap)); !ok || got != tap {
			t.Error("AsConn does not find the tap under a coalesced conn")
		}
	})
	t.Run("over TCP", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l := Coalesce(ln)
		defer l.Close()
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				for range 3 {
					io.WriteString(c, "> "+line)
				}
			}
		}()
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		br := bufio.NewReader(nc)
		for _, cmd := range []string{"one\n", "two\n"} {
			io.WriteString(nc, cmd)
			for range 3 {
				nc.SetReadDeadline(time.Now().Add(5 * time.Second))
				if got, err := br.ReadString('\n'); got != "> "+cmd || err != nil {
					t.Fatalf("got %q, %v", got, err)
				}
			}
		}
	})
}

// BenchmarkCoalescedWrites is BenchmarkTapServerWrites without the tap's
// framing: the cost of Coalesce per write.
func BenchmarkCoalescedWrites(b *testing.B) {
	fc := &fakeConn{}
	c := coalesced(b, fc)
	line := []byte("* 1 FETCH (UID 1 FLAGS (\\Seen))\r\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c.Write(line)
		if i%4096 == 0 {
			fc.mu.Lock()
			fc.data = fc.data[:0]
			fc.mu.Unlock()
		}
	}
	c.Close()
	b.ReportMetric(float64(fc.writes)/float64(b.N), "syscalls/op")
}
