package network

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
)

// loadClient is a raw IMAP client for the load test.
type loadClient struct {
	c   net.Conn
	r   *bufio.Reader
	tag int
}

func dialLoad(addr string) (*loadClient, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	lc := &loadClient{c: c, r: bufio.NewReader(c)}
	if l, err := lc.r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "* OK") {
		c.Close()
		return nil, fmt.Errorf("greeting %q: %v", l, err)
	}
	return lc, nil
}

// cmd sends a command (the tag is added) and returns the tagged status.
func (lc *loadClient) cmd(format string, args ...any) (string, error) {
	lc.tag++
	tag := "t" + strconv.Itoa(lc.tag)
	line := fmt.Sprintf(format, args...)
	if _, err := fmt.Fprintf(lc.c, "%s %s\r\n", tag, line); err != nil {
		return "", err
	}
	for {
		l, err := lc.r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(l, tag+" ") {
			return strings.TrimSpace(strings.TrimPrefix(l, tag+" ")), nil
		}
		if strings.HasPrefix(l, "* BYE") && line != "LOGOUT" {
			return strings.TrimSpace(l), nil
		}
	}
}

// TestLoadOnOneClassMailbox runs 160 normal sessions and 40 hostile ones
// (deep SEARCH trees, refused LITERAL+ APPENDs carrying commands, password
// guesses, trickled commands) against one shared class mailbox, then
// checks that every normal session finished, no message was lost or
// duplicated, the heap stayed bounded and the throttle slowed the guesser.
// It takes about 20 s (MAILSIM_LOAD_SECONDS changes it); -short skips it.
func TestLoadOnOneClassMailbox(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test runs 200 clients for 20 s; it runs without -short")
	}
	dur := 20 * time.Second
	if s, err := strconv.Atoi(os.Getenv("MAILSIM_LOAD_SECONDS")); err == nil && s > 0 {
		dur = time.Duration(s) * time.Second
	}
	const normal, hostile = 160, 40
	const heapBound = 256 << 20
	lim := Limits{MaxConns: 1000, MaxConnsPerIP: 1000, IdleTimeout: 30 * time.Second, CommandTimeout: 3 * time.Second}
	n, err := Start(Options{Domains: []string{DomainCom}, Limits: &lim, Roles: []roles.Role{roles.IMAP},
		Throttle: &authpolicy.Throttle{Base: 20 * time.Millisecond, Max: 320 * time.Millisecond, MaxPending: 40}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	store := n.Providers[0].Store
	for _, u := range []string{"class", "victim"} {
		if err := store.AddUser(u, u+"pw"); err != nil {
			t.Fatal(err)
		}
	}
	addr := addrOf(t, n, roles.IMAP)
	end := time.Now().Add(dur)

	var peak atomic.Uint64
	stopSampling := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		appended = map[string]bool{}
		sessions atomic.Int64
		failures []string
		delays   []time.Duration // the guesser's answers, in order
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
		mu.Unlock()
	}
	for w := 0; w < normal; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(end); k++ {
				lc, err := dialLoad(addr)
				if err != nil {
					fail("normal %d: %v", w, err)
					return
				}
				id := fmt.Sprintf("<w%d-%d@load.test>", w, k)
				msg := fmt.Sprintf("From: s%d@example.com\r\nSubject: load %d\r\nMessage-ID: %s\r\n\r\nhello\r\n", w, k, id)
				steps := []string{"LOGIN class classpw", "SELECT INBOX", fmt.Sprintf("APPEND INBOX {%d+}\r\n%s", len(msg), msg), "FETCH 1:* (FLAGS)", "LOGOUT"}
				for i, s := range steps {
					st, err := lc.cmd("%s", s)
					if err != nil || !strings.HasPrefix(st, "OK") {
						fail("normal %d: %s: %q %v", w, strings.Fields(s)[0], st, err)
						lc.c.Close()
						return
					}
					if i == 2 {
						mu.Lock()
						appended[id] = true
						mu.Unlock()
					}
				}
				lc.c.Close()
				sessions.Add(1)
			}
		}()
	}
	for h := 0; h < hostile; h++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				lc, err := dialLoad(addr)
				if err != nil {
					fail("hostile %d: %v", h, err)
					return
				}
				switch h % 4 {
				case 0:
					lc.cmd("LOGIN class classpw")
					lc.cmd("SELECT INBOX")
					if st, _ := lc.cmd("SEARCH %sALL", strings.Repeat("NOT ", 12000)); !strings.HasPrefix(st, "BAD") {
						fail("deep SEARCH: %q", st)
					}
				case 1:
					lc.cmd("LOGIN class classpw")
					body := "z1 CREATE Smuggled\r\nz3 STORE 1:* +FLAGS (\\Deleted)\r\n"
					if st, _ := lc.cmd("APPEND INBOX {999999999+}\r\n%s", body); !strings.HasPrefix(st, "NO [TOOBIG]") {
						fail("oversized LITERAL+: %q", st)
					}
				case 2:
					if h != 2 {
						time.Sleep(100 * time.Millisecond) // one guesser: its delays must grow
						break
					}
					start := time.Now()
					st, _ := lc.cmd("LOGIN victim guess")
					mu.Lock()
					delays = append(delays, time.Since(start))
					mu.Unlock()
					if !strings.HasPrefix(st, "NO") {
						fail("a wrong password: %q", st)
					}
				case 3:
					lc.c.Write([]byte("x NOO")) // trickled, never finished
					lc.r.ReadString('\n')
				}
				lc.c.Close()
			}
		}()
	}
	wg.Wait()
	close(stopSampling)
	for _, f := range failures {
		t.Error(f)
	}
	msgs, _, err := store.Messages("class", mailstore.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if seen[m.MessageID] {
			t.Errorf("message %s stored twice", m.MessageID)
		}
		seen[m.MessageID] = true
		if !appended[m.MessageID] {
			t.Errorf("message %s stored but its APPEND was not answered OK", m.MessageID)
		}
	}
	if len(msgs) != len(appended) {
		t.Errorf("%d messages stored, %d APPENDs answered OK", len(msgs), len(appended))
	}
	if _, _, err := store.Messages("class", "Smuggled"); err == nil {
		t.Error("a smuggled CREATE ran")
	}
	for _, m := range msgs {
		if m.HasFlag(mailstore.FlagDeleted) {
			t.Errorf("message %d got \\Deleted from a smuggled STORE", m.UID)
			break
		}
	}
	if p := peak.Load(); p > heapBound {
		t.Errorf("peak heap %d MB, bound %d MB", p>>20, heapBound>>20)
	}
	if len(delays) < 4 || delays[len(delays)-1] < 160*time.Millisecond {
		t.Fatalf("the guesser's delays did not grow: %v", delays)
	}
	t.Logf("%v: %d normal sessions finished, %d messages appended, peak heap %d MB, %d guesses, the last answered after %v",
		dur, sessions.Load(), len(msgs), peak.Load()>>20, len(delays), delays[len(delays)-1])
}
