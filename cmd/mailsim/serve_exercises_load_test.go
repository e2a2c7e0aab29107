package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mailsim/exercises"
	"mailsim/internal/testutil"
	"mailsim/sim/classroom"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

// scripted is a minimal client for the exercise load: one command at a
// time, every reply checked, errors returned (it runs off the test's
// goroutine).
type scripted struct {
	c     net.Conn
	r     *bufio.Reader
	proto string // "pop3", "imap", "smtp": how a reply ends
	tag   int
}

func dialScripted(addr, proto string, implicit *tls.Config) (*scripted, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if implicit != nil {
		c = tls.Client(c, implicit)
	}
	s := &scripted{c: c, r: bufio.NewReader(c), proto: proto}
	if _, err := s.reply(""); err != nil { // the greeting
		c.Close()
		return nil, fmt.Errorf("%s greeting: %w", addr, err)
	}
	return s, nil
}

// starttls upgrades the connection after the server said yes.
func (s *scripted) starttls(cfg *tls.Config) {
	s.c = tls.Client(s.c, cfg)
	s.r = bufio.NewReader(s.c)
}

// reply reads one whole reply: a POP3 line, an SMTP reply with its
// continuation lines, or IMAP lines up to the tagged one (literals read).
func (s *scripted) reply(tag string) (string, error) {
	s.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var all []string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return strings.Join(all, "\n"), err
		}
		line = strings.TrimRight(line, "\r\n")
		all = append(all, line)
		switch s.proto {
		case "pop3":
			return line, nil
		case "smtp":
			if len(line) < 4 || line[3] != '-' {
				return strings.Join(all, "\n"), nil
			}
		case "imap":
			if i := strings.LastIndexByte(line, '{'); i >= 0 && strings.HasSuffix(line, "}") {
				n, _ := strconv.Atoi(line[i+1 : len(line)-1])
				if _, err := io.CopyN(io.Discard, s.r, int64(n)); err != nil {
					return "", err
				}
				continue
			}
			if tag == "" || strings.HasPrefix(line, tag+" ") {
				return strings.Join(all, "\n"), nil
			}
		}
	}
}

// do sends a command and checks its reply: the last line starts with want
// (after the IMAP tag, which do adds).
func (s *scripted) do(cmd, want string) (string, error) {
	tag := ""
	if s.proto == "imap" {
		s.tag++
		tag = "t" + strconv.Itoa(s.tag)
		cmd = tag + " " + cmd
	}
	if _, err := io.WriteString(s.c, cmd+"\r\n"); err != nil {
		return "", err
	}
	r, err := s.reply(tag)
	if err != nil {
		return r, fmt.Errorf("%s: %w", cmd, err)
	}
	last := r[strings.LastIndexByte(r, '\n')+1:]
	last = strings.TrimPrefix(last, tag+" ")
	if !strings.HasPrefix(last, want) {
		return r, fmt.Errorf("%s: want %s, got %q", cmd, want, r)
	}
	return r, nil
}

// retr reads a POP3 RETR and its message.
func (s *scripted) retr(n int) error {
	if _, err := s.do("RETR "+strconv.Itoa(n), "+OK"); err != nil {
		return err
	}
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return err
		}
		if line == ".\r\n" {
			return nil
		}
	}
}

// steps runs commands and their expected replies, stopping at the first error.
func (s *scripted) steps(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, err := s.do(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// exerciseRound is one student working through every built-in exercise:
// it returns how many messages to the student's example.org account the
// submission server accepted.
func exerciseRound(s *served, a classroom.Account, round int) (relayed int, err error) {
	ca := s.cls.Net.CA
	u, pw, me := a.Name(), a.Password, a.Address()
	close := func(c *scripted) { c.c.Close() }
	// relay (and mail for the rounds to come): submission, STARTTLS, AUTH
	sm, err := dialScripted(s.addr(roles.Submission), "smtp", nil)
	if err != nil {
		return 0, err
	}
	defer close(sm)
	if err := sm.steps("EHLO load.test", "250", "STARTTLS", "220"); err != nil {
		return 0, err
	}
	sm.starttls(ca.ClientConfig("smtp.example.com"))
	if err := sm.steps("EHLO load.test", "250", "AUTH PLAIN "+plain(u, pw), "235"); err != nil {
		return 0, err
	}
	for i := 0; i < 3; i++ { // three to the INBOX, the first also to example.org
		if err := sm.steps("MAIL FROM:<"+me+">", "250", "RCPT TO:<"+me+">", "250"); err != nil {
			return relayed, err
		}
		if i == 0 {
			if err := sm.steps("RCPT TO:<"+u+"@example.org>", "250"); err != nil {
				return relayed, err
			}
		}
		body := fmt.Sprintf("Subject: round %d.%d\r\nMessage-ID: <%s.%d.%d@load.test>\r\n\r\nhello\r\n.", round, i, u, round, i)
		if err := sm.steps("DATA", "354", body, "250"); err != nil {
			return relayed, err
		}
		if i == 0 {
			relayed++
		}
	}
	sm.steps("QUIT", "221")
	// pop3-keep
	p, err := dialScripted(s.addr(roles.POP3), "pop3", nil)
	if err != nil {
		return relayed, err
	}
	defer close(p)
	if err := p.steps("USER "+u, "+OK", "PASS "+pw, "+OK"); err != nil {
		return relayed, err
	}
	if err := p.retr(1); err != nil {
		return relayed, err
	}
	if err := p.steps("QUIT", "+OK"); err != nil {
		return relayed, err
	}
	// imap-seen, imap-delete, imap-archive: two clients
	var cl [2]*scripted
	for i := range cl {
		if cl[i], err = dialScripted(s.addr(roles.IMAP), "imap", nil); err != nil {
			return relayed, err
		}
		defer close(cl[i])
		if err := cl[i].steps(fmt.Sprintf("LOGIN %s %q", u, pw), "OK", "SELECT INBOX", "OK"); err != nil {
			return relayed, err
		}
	}
	one, two := cl[0], cl[1]
	if err := one.steps("FETCH 1 (BODY[])", "OK"); err != nil {
		return relayed, err
	}
	if r, err := two.do("FETCH 1 (FLAGS)", "OK"); err != nil || !strings.Contains(r, `\Seen`) {
		return relayed, fmt.Errorf("the second client does not see \\Seen: %q, %v", r, err)
	}
	if err := one.steps(`STORE 1 +FLAGS (\Deleted)`, "OK", "EXPUNGE", "OK"); err != nil {
		return relayed, err
	}
	if r, err := two.do("NOOP", "OK"); err != nil || !strings.Contains(r, "EXPUNGE") {
		return relayed, fmt.Errorf("the second client was not told of the expunge: %q, %v", r, err)
	}
	if round == 0 {
		if err := one.steps("CREATE Archive", "OK"); err != nil {
			return relayed, err
		}
	}
	if err := one.steps("MOVE 1 Archive", "OK", "LOGOUT", "OK"); err != nil {
		return relayed, err
	}
	two.steps("LOGOUT", "OK")
	// pop3-delete
	p2, err := dialScripted(s.addr(roles.POP3), "pop3", nil)
	if err != nil {
		return relayed, err
	}
	defer close(p2)
	if err := p2.steps("USER "+u, "+OK", "PASS "+pw, "+OK"); err != nil {
		return relayed, err
	}
	if err := p2.retr(1); err != nil {
		return relayed, err
	}
	if err := p2.steps("DELE 1", "+OK", "QUIT", "+OK"); err != nil {
		return relayed, err
	}
	// implicit-tls: 993, 995, 465
	for _, x := range []struct {
		role  roles.Role
		proto string
		host  string
		steps []string
	}{
		{roles.IMAPS, "imap", "imap.example.com", []string{fmt.Sprintf("LOGIN %s %q", u, pw), "OK", "LOGOUT", "OK"}},
		{roles.POP3S, "pop3", "pop.example.com", []string{"USER " + u, "+OK", "PASS " + pw, "+OK", "QUIT", "+OK"}},
		{roles.SMTPS, "smtp", "smtp.example.com", []string{"EHLO load.test", "250", "AUTH PLAIN " + plain(u, pw), "235", "QUIT", "221"}},
	} {
		c, err := dialScripted(s.addr(x.role), x.proto, ca.ClientConfig(x.host))
		if err != nil {
			return relayed, err
		}
		err = c.steps(x.steps...)
		c.c.Close()
		if err != nil {
			return relayed, err
		}
	}
	// open-relay on port 25
	mx, err := dialScripted(s.addr(roles.MX), "smtp", nil)
	if err != nil {
		return relayed, err
	}
	defer close(mx)
	return relayed, mx.steps("EHLO load.test", "250", "MAIL FROM:<"+me+">", "250", "RCPT TO:<someone@elsewhere.test>", "554", "QUIT", "221")
}

// 200 students work through every built-in exercise, over and over, for
// 60 s under CI (5 s otherwise): each completion is recorded exactly once,
// every student ends with all done, and no relayed message is lost.
func TestServeExercisesUnderTheLoadOf200Students(t *testing.T) {
	dur := 5 * time.Second
	if testutil.InCI() && !testing.Short() {
		dur = 60 * time.Second
	}
	const students = 200
	var tr *exercises.Tracker
	s := startServe(t, func(o *serveOptions) {
		o.Students = students
		o.Exercises = "builtin"
		o.Limits.MaxConns, o.Limits.MaxConnsPerIP = 4000, 4000
		o.Quota = 0
		o.tracked = func(t *exercises.Tracker) { tr = t }
	})
	var errs atomic.Int64
	var mu sync.Mutex
	relayed := map[string]int{}
	rounds := atomic.Int64{}
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for _, a := range s.cls.Accounts {
		if !a.Student || a.Domain != network.DomainCom {
			continue
		}
		wg.Add(1)
		go func(a classroom.Account) {
			defer wg.Done()
			for round := 0; round == 0 || time.Now().Before(deadline); round++ {
				n, err := exerciseRound(s, a, round)
				mu.Lock()
				relayed[a.Name()] += n
				mu.Unlock()
				rounds.Add(1)
				if err != nil {
					if errs.Add(1) <= 10 {
						t.Errorf("%s round %d: %v", a.Name(), round, err)
					}
					return
				}
			}
		}(a)
	}
	wg.Wait()
	elapsed := time.Since(start)

	// Every relayed message reaches example.org (the MTA may still be at it).
	org, _ := s.cls.Net.Provider(network.DomainOrg)
	lost := func() (int, string) {
		missing, example := 0, ""
		for u, n := range relayed {
			msgs, _, err := org.Store.Messages(u, mailstore.Inbox)
			if err != nil || len(msgs) != n {
				missing += n - len(msgs)
				example = fmt.Sprintf("%s has %d of %d (%v)", u, len(msgs), n, err)
			}
		}
		return missing, example
	}
	waitFor(t, func() bool { n, _ := lost(); return n == 0 })
	if n, ex := lost(); n != 0 {
		t.Errorf("%d relayed messages lost, e.g. %s", n, ex)
	}
	waitFor(t, func() bool { tr.Update(); return tr.Board().Completions >= students*len(tr.Exercises()) })
	tr.Update()
	b := tr.Board()
	done := 0
	for i := range b.Students {
		for j, ex := range b.Exercises {
			if b.Cells[i][j].Status == exercises.Done {
				done++
			} else {
				t.Errorf("%s has not done %s: %s", b.Students[i].Name, ex.ID, b.Cells[i][j].Status)
			}
		}
	}
	if want := students * len(b.Exercises); done != want || b.Completions != want {
		t.Errorf("%d done cells, %d completions recorded, want %d each", done, b.Completions, want)
	}
	total := 0
	for _, n := range relayed {
		total += n
	}
	t.Logf("%d students, %d rounds of all %d exercises in %v (9 client connections and 1 relay hop per round), %d messages relayed; %d completions",
		students, rounds.Load(), len(b.Exercises), elapsed.Round(time.Millisecond), total, b.Completions)
}
