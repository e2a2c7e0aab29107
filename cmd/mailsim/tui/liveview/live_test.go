package liveview

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/sim/classroom"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

// liveHarness runs the live view over an in-process classroom (POP3
// servers only) on a simulation screen.
type liveHarness struct {
	t    testing.TB
	scr  tcell.SimulationScreen
	lv   *liveUI
	cls  *classroom.Classroom
	reg  *classroom.Registry
	done chan error
	stop context.CancelFunc
}

func startLive(t testing.TB, w, h int) *liveHarness {
	t.Helper()
	return startLiveWith(t, w, h, nil)
}

// startLiveWith is startLive with a hook that may change the view's
// options once the classroom runs.
func startLiveWith(t testing.TB, w, h int, edit func(*ServeOptions)) *liveHarness {
	t.Helper()
	reg := classroom.NewRegistry(classroom.Options{})
	lim := network.Limits{MaxConns: 50, MaxConnsPerIP: 50, IdleTimeout: time.Minute, CommandTimeout: time.Minute}
	n, err := network.Start(network.Options{Roles: []roles.Role{roles.POP3}, ServerTap: reg, Limits: &lim})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	accts := classroom.Students(3, network.DomainCom)
	org, err := classroom.ParseAccounts([]byte("users: [{name: bob, domain: example.org, password: builder}]"))
	if err != nil {
		t.Fatal(err)
	}
	cls, err := classroom.New(n, reg, append(accts, org...), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	scr := tcell.NewSimulationScreen("UTF-8")
	ctx, cancel := context.WithCancel(context.Background())
	o := ServeOptions{Registry: reg, Classroom: cls, Network: n, Screen: scr}
	if edit != nil {
		edit(&o)
	}
	var card strings.Builder
	classroom.NewCard(cls, "127.0.0.1", "ca.pem").Write(&card, o.Lang)
	o.Card = card.String()
	lv := newLive(ctx, o)
	scr.SetSize(w, h)
	hs := &liveHarness{t: t, scr: scr, lv: lv, cls: cls, reg: reg, done: make(chan error, 1), stop: cancel}
	go func() { hs.done <- lv.run() }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-hs.done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
			hs.done <- nil
		case <-time.After(5 * time.Second):
			t.Error("the live view did not stop")
		}
	})
	return hs
}

func (h *liveHarness) text() string {
	var s string
	h.lv.App.QueueUpdateDraw(func() {})
	h.lv.App.QueueUpdate(func() { s = screentest.Text(h.scr) })
	return s
}

func (h *liveHarness) waitFor(subs ...string) string {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := h.text()
		missing := ""
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				missing = sub
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the screen never showed %q:\n%s", missing, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *liveHarness) press(keys string) {
	for _, c := range keys {
		h.scr.InjectKey(tcell.KeyRune, c, tcell.ModNone)
	}
}

func (h *liveHarness) key(k tcell.Key) { h.scr.InjectKey(k, 0, tcell.ModNone) }

func (h *liveHarness) addr() string {
	p, _ := h.cls.Net.Provider(network.DomainCom)
	s, _ := p.Server(roles.POP3)
	return s.Addr
}

func (h *liveHarness) password(user string) string {
	a, ok := h.cls.Account(user)
	if !ok {
		h.t.Fatalf("no account %s", user)
	}
	return a.Password
}

// pop3Login is a raw POP3 client after USER, PASS and STAT.
type pop3Client struct {
	c net.Conn
	r *bufio.Reader
}

func pop3Login(t testing.TB, addr, user, pass string) *pop3Client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &pop3Client{c: c, r: bufio.NewReader(c)}
	p.expect(t, "+OK")
	for _, cmd := range []string{"USER " + user, "PASS " + pass, "STAT"} {
		if _, err := io.WriteString(c, cmd+"\r\n"); err != nil {
			t.Fatal(err)
		}
		p.expect(t, "+OK")
	}
	return p
}

func (p *pop3Client) expect(t testing.TB, prefix string) string {
	t.Helper()
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := p.r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, prefix) {
		t.Fatalf("want %q, got %q (%v)", prefix, line, err)
	}
	return line
}

func TestLiveListShowsAPOP3SessionWithItsUserStateAndTranscript(t *testing.T) {
	h := startLive(t, 120, 40)
	h.waitFor("Connection card", "student01@example.com") // the card while nobody is connected
	pop3Login(t, h.addr(), "student01", h.password("student01"))
	s := h.waitFor("student01", "TRANSACTION", "S: +OK 3", "C: STAT", "logged in as student01", "POP3 @ example.com")
	if !strings.Contains(s, "PASS •••") || strings.Contains(s, h.password("student01")) {
		t.Errorf("the password is not hidden:\n%s", s)
	}
	// The meaning pane explains the selected (last) line from the glossary.
	h.waitFor("reply to STAT", "1939 §5", "3 messages, 1178 octets in all")
}

func TestLiveKickClosesTheSelectedConnectionAfterConfirming(t *testing.T) {
	h := startLive(t, 120, 40)
	p := pop3Login(t, h.addr(), "student02", h.password("student02"))
	h.waitFor("student02", "TRANSACTION")
	h.press("x")
	h.waitFor("Kick #1 (student02")
	h.press("n") // changed our mind: nothing happens
	time.Sleep(100 * time.Millisecond)
	if cs, _ := h.reg.Conn(1); !cs.Open {
		t.Fatal("n closed the connection")
	}
	h.press("xy")
	p.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := p.r.ReadString('\n'); err == nil {
		t.Error("the kicked client can still read")
	}
	h.waitFor("kicked by the trainer", "Kicked #1.")
	// POP3 deletes nothing when the connection drops.
	if n := h.count(network.DomainCom, "student02"); n != 3 {
		t.Errorf("student02 has %d messages after the kick, want 3", n)
	}
}

func (h *liveHarness) count(domain, user string) int {
	p, _ := h.cls.Net.Provider(domain)
	msgs, _, err := p.Store.Messages(user, mailstore.Inbox)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(msgs)
}

func TestLiveDeliverToEveryonePutsTheMessageInEveryMailbox(t *testing.T) {
	h := startLive(t, 120, 40)
	h.waitFor("q quit")
	h.press("b")
	h.waitFor("Deliver to everyone", "Subject:", "Server · student01@example.com")
	h.press("Quiz at ten")
	h.key(tcell.KeyEnter)
	h.waitFor("Deliver “Quiz at ten” to every account (4)?")
	h.press("y")
	h.waitFor("Delivered “Quiz at ten” to 4 accounts.")
	for _, p := range h.cls.Net.Providers {
		for _, u := range p.Store.Users() {
			msgs, _, err := p.Store.Messages(u, mailstore.Inbox)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) == 0 || msgs[len(msgs)-1].Subject != "Quiz at ten" {
				t.Errorf("%s@%s did not get the message", u, p.Domain)
			}
		}
	}
	// The server pane follows the store: the new message shows, marked new.
	s := h.waitFor("Quiz at ten", "student01/INBOX: 4 messages")
	if !strings.Contains(s, "+   4") {
		t.Errorf("the new message is not marked new:\n%s", s)
	}
}

func TestLiveResetAndUserPicker(t *testing.T) {
	h := startLive(t, 120, 40)
	h.press("u")
	h.waitFor("bob@example.org")
	for i := 0; i < 4; i++ { // the follow row, three students, bob
		h.key(tcell.KeyDown)
	}
	h.key(tcell.KeyEnter)
	h.waitFor("Server · bob@example.org")
	p, _ := h.cls.Net.Provider(network.DomainOrg)
	if _, err := p.Store.Deliver("bob", []byte("Subject: extra\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	h.waitFor("extra", "bob/INBOX: 1 message")
	h.press("r")
	h.waitFor("Reset bob@example.org to its starter state?")
	h.press("y")
	h.waitFor("bob@example.org is back to its starter mailbox.", "bob/INBOX: empty")
}

func TestLivePausingAnnotationsHidesTheNotes(t *testing.T) {
	h := startLive(t, 120, 40)
	pop3Login(t, h.addr(), "student03", h.password("student03"))
	h.waitFor("↳ logged in as student03", "annotations on")
	h.press("a")
	s := h.waitFor("annotations paused", "Annotations are paused")
	if strings.Contains(s, "↳ logged in") {
		t.Errorf("the notes still show while paused:\n%s", s)
	}
	if !h.reg.AnnotationsPaused() {
		t.Error("the registry's flag is not set")
	}
	h.press("a")
	h.waitFor("↳ logged in as student03", "annotations on")
}

func TestLiveFitsIn80x24(t *testing.T) {
	h := startLive(t, 80, 24)
	h.waitFor("Connection card", "b deliver", "q quit")
	pop3Login(t, h.addr(), "student01", h.password("student01"))
	s := h.waitFor("Connections", "Transcript", "Server · student01@example.com", "Meaning", "TRANSACTION", "student01", "C: STAT", "q quit")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines", len(lines))
	}
	// Every pane has its frame: the bottom border of the meaning pane sits
	// just above the hint bar.
	if !strings.HasPrefix(lines[22], "└") || !strings.HasPrefix(lines[23], "b deliver") {
		t.Errorf("the layout does not fill 80×24:\n%s", s)
	}
	// The help and the card fit too.
	h.press("?")
	h.waitFor("Help", "deliver a message to every account")
	h.key(tcell.KeyEscape)
	h.press("c")
	h.waitFor("Connection card · ↑↓ · Esc", "Servers (students connect to 127.0.0.1)")
	h.key(tcell.KeyEscape)
}

func TestLiveQuitKeyEndsTheView(t *testing.T) {
	h := startLive(t, 80, 24)
	h.waitFor("q quit")
	h.press("q")
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
		h.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("q did not end the view")
	}
}

func TestLiveFeedFlushesAtMostEvery50ms(t *testing.T) {
	f := newLiveFeed()
	f.follow(7)
	stop := make(chan struct{})
	var mu sync.Mutex
	var times []time.Time
	units := 0
	go f.Run(stop, func(b liveBatch) {
		mu.Lock()
		times = append(times, time.Now())
		units += len(b.entries)
		mu.Unlock()
	})
	start := time.Now()
	for i := 0; time.Since(start) < 300*time.Millisecond; i++ {
		f.event(classroom.Event{Kind: classroom.UnitAdded, Conn: classroom.ConnState{ID: 7}, Entry: classroom.Entry{Seq: i}})
		f.event(classroom.Event{Kind: classroom.UnitAdded, Conn: classroom.ConnState{ID: 8}, Entry: classroom.Entry{Seq: i}})
		if i%100 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(120 * time.Millisecond)
	close(stop)
	mu.Lock()
	defer mu.Unlock()
	if len(times) < 2 || len(times) > 8 {
		t.Errorf("%d flushes in 300 ms", len(times))
	}
	for i := 1; i < len(times); i++ {
		if d := times[i].Sub(times[i-1]); d < model.FlushEvery {
			t.Errorf("flush %d came %v after the previous one", i, d)
		}
	}
	if units == 0 {
		t.Error("no units of the followed connection came through")
	}
}

func TestTheLiveViewsNotesHintFollowsThePause(t *testing.T) {
	h := startLive(t, 120, 40)
	h.waitFor("a notes off")
	h.press("a")
	h.waitFor("a notes on", "annotations paused")
	h.press("a")
	h.waitFor("a notes off", "annotations on")
}

// TestLiveSpeaksVietnamese: the live view's words come from the catalog
// like the rest of the app's.
func TestLiveSpeaksVietnamese(t *testing.T) {
	h := startLiveWith(t, 120, 40, func(o *ServeOptions) { o.Lang = "vi" })
	h.waitFor("mailsim lớp học · 0 đang mở · 0 đã đóng", "chú thích bật", "Thẻ kết nối", "Kết nối")
	pop3Login(t, h.addr(), "student01", h.password("student01"))
	h.waitFor("mailsim lớp học · 1 đang mở · 0 đã đóng", "thô", "Người dùng")
	// What the registry learnt and what it hid are said in Vietnamese too.
	h.waitFor("↳ đã đăng nhập với tên student01", "một mật khẩu, ", " ký tự")
}

// TestTheLiveHintBarKeepsTheWayOutAt80Columns: the Vietnamese words are
// longer, so at 80 columns some hints give way, never help and quit.
func TestTheLiveHintBarKeepsTheWayOutAt80Columns(t *testing.T) {
	h := startLiveWith(t, 80, 24, func(o *ServeOptions) { o.Lang = "vi" })
	h.waitFor("b gửi", "? trợ giúp  q thoát")
}

// TestTheHintBarShowsTheOpenOverlaysKeys: while a dialog is open, keys
// go to it, so the hint bar shows its keys, not the view's.
func TestTheHintBarShowsTheOpenOverlaysKeys(t *testing.T) {
	h := startLive(t, 100, 30)
	h.waitFor("b deliver", "q quit")
	h.press("b")
	s := h.waitFor("Deliver to everyone", "Enter deliver  Esc cancel")
	if bar := s[strings.LastIndex(strings.TrimRight(s, "\n"), "\n")+1:]; strings.Contains(bar, "q quit") {
		t.Errorf("the hint bar offers the view's keys while the dialog is open: %q", bar)
	}
	h.key(tcell.KeyEscape)
	h.waitFor("b deliver", "q quit")
	h.press("?")
	h.waitFor("Help", "↑ scroll  Esc close")
}
