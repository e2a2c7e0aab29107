package network

import (
	"bufio"
	"crypto/tls"
	"mailsim/sim/roles"
	"net"
	"strings"
	"testing"
	"time"
)

func startLimited(t *testing.T, lim Limits) *Network {
	t.Helper()
	n, err := Start(Options{Domains: []string{DomainCom}, Limits: &lim})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func addrOf(t *testing.T, n *Network, role roles.Role) string {
	t.Helper()
	s, ok := n.Providers[0].Server(role)
	if !ok {
		t.Fatalf("no %s server", role)
	}
	return s.Addr
}

// dialLine connects and returns the first line the server says.
func dialLine(t *testing.T, n *Network, role roles.Role) (net.Conn, string) {
	t.Helper()
	c, err := net.Dial("tcp", addrOf(t, n, role))
	if err != nil {
		t.Fatal(err)
	}
	if role.ImplicitTLS() {
		c = tls.Client(c, n.CA.ClientConfig(role.Host(DomainCom)))
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("%s: reading the first line: %v", role, err)
	}
	c.SetReadDeadline(time.Time{})
	return c, strings.TrimRight(line, "\r\n")
}

func TestTheConnectionOverTheCapIsRefusedInTheProtocolsWords(t *testing.T) {
	want := map[roles.Role]string{
		roles.POP3: "-ERR [SYS/TEMP] too many connections", roles.POP3S: "-ERR [SYS/TEMP] too many connections",
		roles.IMAP: "* BYE too many connections", roles.IMAPS: "* BYE too many connections",
		roles.Submission: "421 4.7.0 smtp.example.com too many connections", roles.SMTPS: "421 4.7.0 smtp.example.com too many connections",
		roles.MX: "421 4.7.0 mx.example.com too many connections",
	}
	for _, role := range roles.All {
		t.Run(string(role), func(t *testing.T) {
			refused := make(chan string, 1)
			n := startLimited(t, Limits{MaxConns: 5, Refused: func(r roles.Role, remote, reason string) { refused <- reason }})
			for i := 0; i < 5; i++ {
				c, greet := dialLine(t, n, role)
				defer c.Close()
				if strings.Contains(greet, "too many") {
					t.Fatalf("connection %d refused: %q", i+1, greet)
				}
			}
			c, line := dialLine(t, n, role)
			defer c.Close()
			if !strings.HasPrefix(line, want[role]) {
				t.Fatalf("6th connection got %q, want %q...", line, want[role])
			}
			if got := <-refused; got != "at most 5 at once" {
				t.Errorf("reason %q", got)
			}
			if n.Limiter().Open() != 5 || n.Limiter().Refused() != 1 {
				t.Errorf("open %d refused %d, want 5 and 1", n.Limiter().Open(), n.Limiter().Refused())
			}
		})
	}
}

func TestPerIPCapAndPlacesAreGivenBack(t *testing.T) {
	n := startLimited(t, Limits{MaxConnsPerIP: 2})
	a, _ := dialLine(t, n, roles.POP3)
	b, _ := dialLine(t, n, roles.IMAP)
	c, line := dialLine(t, n, roles.POP3)
	c.Close()
	if !strings.Contains(line, "at most 2 at once from 127.0.0.1") {
		t.Fatalf("third connection from one IP: %q", line)
	}
	a.Close()
	b.Close()
	deadline := time.Now().Add(5 * time.Second)
	for n.Limiter().Open() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	d, line := dialLine(t, n, roles.POP3)
	defer d.Close()
	if !strings.HasPrefix(line, "+OK") {
		t.Fatalf("after the others closed: %q", line)
	}
}

func TestSlowlorisIsDroppedByTheCommandTimeout(t *testing.T) {
	for _, role := range []roles.Role{roles.POP3, roles.IMAP, roles.Submission, roles.IMAPS} {
		t.Run(string(role), func(t *testing.T) {
			n := startLimited(t, Limits{CommandTimeout: 500 * time.Millisecond})
			slow, _ := dialLine(t, n, role)
			defer slow.Close()
			start := time.Now()
			gone := make(chan time.Duration, 1)
			go func() {
				for _, b := range []byte("CAPABILITY and more and more\r\n") {
					if _, err := slow.Write([]byte{b}); err != nil {
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				gone <- time.Since(start)
			}()
			// Meanwhile a normal client is served.
			ok, greet := dialLine(t, n, role)
			ok.Close()
			if strings.Contains(greet, "too many") || greet == "" {
				t.Fatalf("other client: %q", greet)
			}
			// The slow one is cut: its reads end well before it finishes.
			slow.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 4096)
			for {
				if _, err := slow.Read(buf); err != nil {
					break
				}
			}
			if d := time.Since(start); d > 2500*time.Millisecond {
				t.Fatalf("slow client still connected after %v", d)
			}
		})
	}
}

func TestIdleClientsAreDroppedAndActiveOnesAreNot(t *testing.T) {
	n := startLimited(t, Limits{IdleTimeout: 400 * time.Millisecond, CommandTimeout: 200 * time.Millisecond})
	c, _ := dialLine(t, n, roles.POP3)
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; i < 5; i++ { // a command every 200ms keeps it alive for a second
		time.Sleep(200 * time.Millisecond)
		if _, err := c.Write([]byte("NOOP\r\n")); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("command %d: %v", i+1, err)
		}
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	start := time.Now()
	bye, _ := r.ReadString('\n')
	_, err := r.ReadString('\n')
	if !strings.HasPrefix(bye, "-ERR") || err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("idle client: %q then err %v after %v", bye, err, time.Since(start))
	}
}

func TestCloseConnKicks(t *testing.T) {
	n := startLimited(t, Limits{})
	c, _ := dialLine(t, n, roles.IMAP)
	defer c.Close()
	if !n.CloseConn(addrOf(t, n, roles.IMAP), c.LocalAddr().String()) {
		t.Fatal("CloseConn did not find the connection")
	}
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Read(make([]byte, 64)); err == nil {
		t.Fatal("connection still open after CloseConn")
	}
	if n.CloseConn("nowhere", "nobody") {
		t.Fatal("CloseConn found a connection that does not exist")
	}
}
