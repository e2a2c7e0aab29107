package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"mailsim/internal/testutil"
	"mailsim/sim/classroom"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

// lockedBuffer is a bytes.Buffer safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// served is a running in-process `mailsim serve`.
type served struct {
	cls    *classroom.Classroom
	ca     string
	dir    string
	out    *lockedBuffer
	stop   func()
	result chan error
}

// ephemeralPorts gives every role a free port.
func ephemeralPorts() map[roles.Role]int {
	m := map[roles.Role]int{}
	for _, r := range roles.All {
		m[r] = 0
	}
	return m
}

func startServe(t testing.TB, edit func(*serveOptions)) *served {
	t.Helper()
	dir := t.TempDir()
	o := defaultServeOptions()
	o.Ports = ephemeralPorts()
	o.CAFile = filepath.Join(dir, "ca.pem")
	o.Students = 4
	o.NoTUI = true
	o.LoginDelay = 10 * time.Millisecond
	o.ShutdownGrace = 3 * time.Second
	o.Lang = "en" // whatever the locale of the machine running the tests
	if edit != nil {
		edit(&o)
	}
	ready := make(chan *classroom.Classroom, 1)
	o.ready = func(c *classroom.Classroom) { ready <- c }
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{ca: o.CAFile, dir: dir, out: &lockedBuffer{}, stop: cancel, result: make(chan error, 1)}
	go func() { s.result <- serve(ctx, o, s.out, s.out) }()
	select {
	case s.cls = <-ready:
	case err := <-s.result:
		t.Fatalf("serve: %v\n%s", err, s.out)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-s.result:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop")
		}
	})
	return s
}

func (s *served) port(role roles.Role) int {
	p, _ := s.cls.Net.Provider(network.DomainCom)
	srv, _ := p.Server(role)
	return srv.Port()
}

func (s *served) addr(role roles.Role) string { return "127.0.0.1:" + strconv.Itoa(s.port(role)) }

func (s *served) account(i int) classroom.Account {
	for _, a := range s.cls.Accounts {
		if a.Student && a.Name() == fmt.Sprintf("student%02d", i) {
			return a
		}
	}
	panic("no student " + strconv.Itoa(i))
}

func (s *served) store() *mailstore.Store {
	p, _ := s.cls.Net.Provider(network.DomainCom)
	return p.Store
}

func (s *served) count(user string) int {
	msgs, _, err := s.store().Messages(user, mailstore.Inbox)
	if err != nil {
		panic(err)
	}
	return len(msgs)
}

func runTool(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Flags and config.

func TestServeFlags(t *testing.T) {
	o, err := parseServeArgs([]string{"--port", "imap=2143", "--port", "pop3=0", "--quota", "5MB", "--max-message", "1MiB", "--students", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.Ports[roles.IMAP] != 2143 || o.Ports[roles.POP3] != 0 || o.Ports[roles.IMAPS] != 1993 || o.Quota != 5e6 || o.MaxMessageBytes != 1<<20 || o.Students != 3 {
		t.Fatalf("options %+v", o)
	}
	cfg := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(cfg, []byte("listen: 127.0.0.1\nports: {imaps: 3993}\nstudents: 7\nlang: vi\nlimits: {max-conns: 9, idle-timeout: 1m, quota: 1MB}\n"), 0o644)
	o, err = parseServeArgs([]string{"--config", cfg, "--students", "2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.Ports[roles.IMAPS] != 3993 || o.Students != 2 || o.Limits.MaxConns != 9 || o.Limits.IdleTimeout != time.Minute || o.Quota != 1e6 || o.Lang != "vi" {
		t.Fatalf("config options %+v", o)
	}
	if o, err = parseServeArgs([]string{"--config", cfg, "--lang", "en"}, io.Discard); err != nil || o.Lang != "en" {
		t.Fatalf("--lang en after a config with lang: vi: %q, %v", o.Lang, err)
	}
	badCfg := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(badCfg, []byte("lang: fr\n"), 0o644)
	for _, bad := range [][]string{
		{"--port", "imap"}, {"--port", "nntp=119"}, {"--listen", "example.com"}, {"--quota", "lots"},
		{"--port", "imap=1110"}, {"--max-conns", "0"}, {"extra"}, {"--lang", "fr"}, {"--config", badCfg},
	} {
		_, err := parseServeArgs(bad, io.Discard)
		ee, ok := err.(*exitError)
		if !ok || ee.code != 2 || strings.Contains(ee.msg, "\n") {
			t.Errorf("%v: got %v, want a one-line exit 2", bad, err)
		}
	}
}

func TestServePrintsTheCardSavesTheCAAndWritesTheSheet(t *testing.T) {
	var sheet string
	s := startServe(t, func(o *serveOptions) {
		o.ClassMailbox = true
		sheet = filepath.Join(filepath.Dir(o.CAFile), "sheet.md")
		o.SheetFile = sheet
	})
	out := s.out.String()
	for _, want := range []string{"imap.example.com", "SSL/TLS", "STARTTLS", "student04@example.com", "class@example.com", s.ca, strconv.Itoa(s.port(roles.IMAPS))} {
		if !strings.Contains(out, want) {
			t.Errorf("card lacks %q:\n%s", want, out)
		}
	}
	if pem, err := os.ReadFile(s.ca); err != nil || !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("CA file: %v", err)
	}
	md, err := os.ReadFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	a := s.account(1)
	for _, want := range []string{"| Provider |", "SSL/TLS", a.Password, "`student01`", "class@example.com"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("sheet lacks %q", want)
		}
	}
}

func TestServeSpeaksTheTrainersLanguage(t *testing.T) {
	var sheet string
	s := startServe(t, func(o *serveOptions) {
		o.Lang = "vi"
		sheet = filepath.Join(filepath.Dir(o.CAFile), "sheet.md")
		o.SheetFile = sheet
	})
	out := s.out.String()
	for _, want := range []string{"Máy chủ (học viên kết nối tới 127.0.0.1):", "thư đến, IMAP", "Tài khoản (tên đăng nhập / mật khẩu):", "Phiếu kết nối cho học viên: " + sheet} {
		if !strings.Contains(out, want) {
			t.Errorf("the card lacks %q:\n%s", want, out)
		}
	}
	md, err := os.ReadFile(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "## 1. Tên máy chủ") || !strings.Contains(string(md), "| Nhà cung cấp |") {
		t.Errorf("the sheet is not in Vietnamese:\n%s", md)
	}
}

func TestServeAccountsFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "accounts.yaml")
	os.WriteFile(f, []byte(`users:
  - name: alice
    password: wonderland
    mailboxes:
      INBOX:
        - from: Bob <bob@example.org>
          subject: Lunch
          body: Noon?
  - name: bob
    domain: example.org
`), 0o644)
	s := startServe(t, func(o *serveOptions) { o.AccountsFile, o.Students = f, 0 })
	if s.count("alice") != 1 {
		t.Fatalf("alice has %d messages", s.count("alice"))
	}
	org, _ := s.cls.Net.Provider(network.DomainOrg)
	pw, ok := org.Store.Password("bob")
	if !ok || len(pw) != 10 || !strings.Contains(s.out.String(), pw) {
		t.Fatalf("bob's generated password %q not on the card", pw)
	}
}

// Real clients over TLS, trusting only the saved CA.

func TestServeRealClientsOverTLS(t *testing.T) {
	s := startServe(t, nil)
	a, b := s.account(1), s.account(2)
	t.Run("curl", func(t *testing.T) {
		curl := testutil.NeedTool(t, "curl")
		out := runTool(t, curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password,
			fmt.Sprintf("imaps://127.0.0.1:%d/INBOX;UID=1", s.port(roles.IMAPS)))
		if !strings.Contains(out, "Welcome to the mail class") {
			t.Fatalf("curl imaps: %s", out)
		}
		out = runTool(t, curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password,
			"--resolve", fmt.Sprintf("pop.example.com:%d:127.0.0.1", s.port(roles.POP3S)),
			fmt.Sprintf("pop3s://pop.example.com:%d/1", s.port(roles.POP3S)))
		if !strings.Contains(out, "Welcome to the mail class") {
			t.Fatalf("curl pop3s: %s", out)
		}
	})
	t.Run("python", func(t *testing.T) {
		py := testutil.NeedPython(t)
		script := `
import imaplib, poplib, smtplib, ssl, sys
ca, u, p, to, pi, pp, ps = sys.argv[1:8]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4_SSL("localhost", int(pi), ssl_context=ctx)
m.login(u, p); typ, data = m.select("INBOX"); assert typ == "OK", data
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"); assert b"Welcome" in data[0][1], data
m.logout()
q = poplib.POP3_SSL("localhost", int(pp), context=ctx)
q.user(u); q.pass_(p); n, _ = q.stat(); assert n >= 3, n; q.quit()
with smtplib.SMTP_SSL("localhost", int(ps), context=ctx) as s:
    s.login(u, p)
    s.sendmail(u + "@example.com", [to], "Subject: from python\r\n\r\nhello\r\n")
print("ok")
`
		out := runTool(t, py, "-W", "error", "-c", script, s.ca, a.Name(), a.Password, b.Address(),
			strconv.Itoa(s.port(roles.IMAPS)), strconv.Itoa(s.port(roles.POP3S)), strconv.Itoa(s.port(roles.SMTPS)))
		if strings.TrimSpace(out) != "ok" {
			t.Fatalf("python printed %q (warnings are errors)", out)
		}
	})
	t.Run("swaks", func(t *testing.T) {
		swaks := testutil.NeedTool(t, "swaks")
		before := s.count(b.Name())
		out := runTool(t, swaks, "--server", "localhost", "--port", strconv.Itoa(s.port(roles.SMTPS)), "--tls-on-connect",
			"--tls-verify", "--tls-ca-path", s.ca, "--auth", "PLAIN", "--auth-user", a.Name(), "--auth-password", a.Password,
			"--from", a.Address(), "--to", b.Address(), "--header", "Subject: from swaks")
		if !strings.Contains(out, "250 ") || s.count(b.Name()) != before+1 {
			t.Fatalf("swaks:\n%s", out)
		}
	})
	t.Run("fetchmail", func(t *testing.T) {
		fm := testutil.NeedTool(t, "fetchmail")
		dir := t.TempDir()
		mbox := filepath.Join(dir, "mbox")
		rc := filepath.Join(dir, "fetchmailrc")
		os.WriteFile(rc, []byte(fmt.Sprintf("poll localhost protocol pop3 port %d user %q password %q ssl sslcertck sslcertfile %q keep mda \"/bin/sh -c 'cat >> %s'\"\n",
			s.port(roles.POP3S), a.Name(), a.Password, s.ca, mbox)), 0o600)
		cmd := exec.Command(fm, "-f", rc, "--nosyslog", "--nodetach", "--all")
		cmd.Env = append(os.Environ(), "HOME="+dir, "FETCHMAILHOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("fetchmail: %v\n%s", err, out)
		}
		got, _ := os.ReadFile(mbox)
		if !bytes.Contains(got, []byte("Welcome to the mail class")) || bytes.Contains(out, []byte("certificate")) && bytes.Contains(out, []byte("fail")) {
			t.Fatalf("fetchmail:\n%s\nmbox:\n%s", out, got)
		}
	})
	t.Run("mbsync", func(t *testing.T) {
		mb := testutil.NeedTool(t, "mbsync")
		dir := t.TempDir()
		maildir := filepath.Join(dir, "mail") + "/"
		os.MkdirAll(maildir, 0o700)
		cfg := filepath.Join(dir, "mbsyncrc")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`IMAPAccount class
Host localhost
Port %d
User %s
Pass %s
SSLType IMAPS
CertificateFile %s

IMAPStore remote
Account class

MaildirStore local
Path %s
Inbox %sINBOX

Channel class
Far :remote:
Near :local:
Patterns INBOX
Create Near
SyncState *
`, s.port(roles.IMAPS), b.Name(), b.Password, s.ca, maildir, maildir)), 0o600)
		cmd := exec.Command(mb, "-c", cfg, "class")
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync: %v\n%s", err, out)
		}
		files, _ := filepath.Glob(filepath.Join(maildir, "INBOX", "*", "*"))
		if len(files) < 3 {
			t.Fatalf("mbsync fetched %d messages:\n%s", len(files), out)
		}
	})
	// Every client above logged in and was recognised as who it was.
	users := map[string]bool{}
	for _, c := range s.cls.Registry.Conns() {
		if c.User != "" {
			users[c.User] = true
		}
	}
	if len(users) > 0 && !users[a.Name()] {
		t.Errorf("registry users %v", users)
	}
}

// Quota, size limit and relaying, end to end.

func TestServeQuotaIsEnforcedEndToEnd(t *testing.T) {
	s := startServe(t, func(o *serveOptions) { o.Quota = 4000 })
	a, b := s.account(1), s.account(2)
	// IMAP APPEND over the quota: NO [OVERQUOTA].
	c, err := imapclient.DialInsecure(s.addr(roles.IMAP), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(a.Name(), a.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	big := []byte("Subject: big\r\n\r\n" + strings.Repeat("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", 100))
	ap := c.Append("INBOX", int64(len(big)), nil)
	ap.Write(big)
	ap.Close()
	_, err = ap.Wait()
	if err == nil || !strings.Contains(fmt.Sprint(err), "OVERQUOTA") {
		t.Fatalf("APPEND over quota: %v", err)
	}
	// SMTP to a full mailbox: a 5xx or 4xx naming the quota, nothing delivered.
	before := s.count(b.Name())
	sc := dialText(t, s.addr(roles.Submission))
	sc.expect(t, "220")
	sc.cmd(t, "EHLO test", "250")
	sc.cmd(t, "AUTH PLAIN "+plain(a.Name(), a.Password), "235")
	sc.cmd(t, "MAIL FROM:<"+a.Address()+">", "250")
	rcpt := sc.send(t, "RCPT TO:<"+b.Address()+">")
	if strings.HasPrefix(rcpt, "250") {
		sc.cmd(t, "DATA", "354")
		reply := sc.send(t, string(big)+".")
		if !strings.HasPrefix(reply, "552") && !strings.HasPrefix(reply, "452") {
			t.Fatalf("DATA over quota: %q", reply)
		}
	} else if !strings.HasPrefix(rcpt, "452") && !strings.HasPrefix(rcpt, "552") {
		t.Fatalf("RCPT to a full mailbox: %q", rcpt)
	}
	if s.count(b.Name()) != before {
		t.Fatal("a message was delivered over the quota")
	}
}

func TestServeIsNoOpenRelay(t *testing.T) {
	s := startServe(t, nil)
	mx := dialText(t, s.addr(roles.MX))
	mx.expect(t, "220")
	mx.cmd(t, "EHLO relay.test", "250")
	mx.cmd(t, "MAIL FROM:<spammer@elsewhere.test>", "250")
	if r := mx.send(t, "RCPT TO:<victim@elsewhere.test>"); !strings.HasPrefix(r, "5") {
		t.Fatalf("MX relayed to another domain: %q", r)
	}
	sub := dialText(t, s.addr(roles.Submission))
	sub.expect(t, "220")
	sub.cmd(t, "EHLO relay.test", "250")
	if r := sub.send(t, "MAIL FROM:<spammer@elsewhere.test>"); !strings.HasPrefix(r, "5") {
		if r = sub.send(t, "RCPT TO:<victim@elsewhere.test>"); !strings.HasPrefix(r, "5") {
			t.Fatalf("submission without AUTH accepted a relay: %q", r)
		}
	}
}

// Trainer actions, the registry, the recorder.

func TestServeBroadcastReachesIDLEClientsAndResetRestores(t *testing.T) {
	s := startServe(t, func(o *serveOptions) { o.RecordDir = filepath.Join(filepath.Dir(o.CAFile), "rec") })
	a := s.account(1)
	exists := make(chan uint32, 10)
	c, err := imapclient.DialTLS(s.addr(roles.IMAPS), &imapclient.Options{
		TLSConfig: s.cls.Net.CA.ClientConfig("imap.example.com"),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: func(d *imapclient.UnilateralDataMailbox) {
			if d.NumMessages != nil {
				exists <- *d.NumMessages
			}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(a.Name(), a.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return connWhere(s, a.Name(), "IDLE INBOX") != nil })
	n, err := s.cls.Broadcast("Break", "Ten minutes.")
	if err != nil || n != 4 {
		t.Fatalf("broadcast: %d, %v", n, err)
	}
	select {
	case got := <-exists:
		if got != 4 {
			t.Fatalf("EXISTS %d, want 4", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the IDLE client saw no EXISTS")
	}
	idle.Close()
	idle.Wait()
	cs := connWhere(s, a.Name(), "selected INBOX")
	if cs == nil || !cs.TLS || cs.Client != "Go imapclient" || cs.Role != roles.IMAPS {
		t.Fatalf("registry: %+v", cs)
	}
	if err := s.cls.ResetMailbox(a.Address()); err != nil {
		t.Fatal(err)
	}
	if s.count(a.Name()) != 3 {
		t.Fatalf("after reset: %d messages", s.count(a.Name()))
	}
	// Kick: the client's connection ends.
	if !s.cls.Kick(cs.ID) {
		t.Fatal("kick found no connection")
	}
	if err := c.Noop().Wait(); err == nil {
		t.Fatal("NOOP worked after the kick")
	}
	waitFor(t, func() bool { c, _ := s.cls.Registry.Conn(cs.ID); return !c.Open })
	// The recording holds the session, password redacted. The registry
	// may say closed before the recorder has written its last line.
	rec := recording(t, filepath.Join(s.dir, "rec"), "-imaps-"+a.Name()+".log")
	for _, want := range []string{"C: T1 LOGIN \"student01\" •••", "redacted: a password, 10 characters", "#  logged in as student01", "S: * 4 EXISTS", "#  state: IDLE INBOX", "closed"} {
		if !strings.Contains(rec, want) {
			t.Errorf("recording lacks %q:\n%s", want, rec)
		}
	}
	if strings.Contains(rec, a.Password) {
		t.Error("recording holds the password")
	}
}

func connWhere(s *served, user, state string) *classroom.ConnState {
	for _, c := range s.cls.Registry.Conns() {
		if c.Open && c.User == user && c.State == state {
			return &c
		}
	}
	return nil
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	// Generous: a condition, not a timing, is what is tested, and CI's two
	// cores may be busy with other packages' tests.
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A line-oriented test client for POP3 and SMTP.

type textConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialText(t testing.TB, addr string) *textConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &textConn{c: c, r: bufio.NewReader(c)}
}

// reply reads one reply; SMTP continuation lines ("250-") are folded in.
func (tc *textConn) reply() (string, error) {
	tc.c.SetReadDeadline(time.Now().Add(20 * time.Second))
	var all []string
	for {
		line, err := tc.r.ReadString('\n')
		if err != nil {
			return strings.Join(all, "\n"), err
		}
		line = strings.TrimRight(line, "\r\n")
		all = append(all, line)
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(all, "\n"), nil
		}
	}
}

func (tc *textConn) expect(t testing.TB, prefix string) string {
	t.Helper()
	r, err := tc.reply()
	if err != nil || !strings.HasPrefix(r, prefix) {
		t.Fatalf("want %s, got %q (%v)", prefix, r, err)
	}
	return r
}

func (tc *textConn) send(t testing.TB, line string) string {
	t.Helper()
	if _, err := io.WriteString(tc.c, line+"\r\n"); err != nil {
		t.Fatal(err)
	}
	r, err := tc.reply()
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return r
}

func (tc *textConn) cmd(t testing.TB, line, prefix string) string {
	t.Helper()
	r := tc.send(t, line)
	if !strings.HasPrefix(r, prefix) {
		t.Fatalf("%s: want %s, got %q", line, prefix, r)
	}
	return r
}

func plain(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))
}

// Faults.

const faultScript = `
import os, socket, sys, base64, time
mode, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port)); f = s.makefile("rb")
def line(): return f.readline().decode()
def cmd(c): s.sendall((c + "\r\n").encode()); return line()
line()
if mode == "retr":
    cmd("USER " + user); assert cmd("PASS " + pw).startswith("+OK")
    assert cmd("DELE 1").startswith("+OK")
    s.sendall(b"RETR 2\r\n"); f.read(40)
elif mode == "append":
    assert cmd("a LOGIN " + user + " " + pw).startswith("a OK")
    assert cmd("b APPEND INBOX {100000}").startswith("+")
    s.sendall(b"Subject: half\r\n\r\n" + b"x" * 50000)
elif mode == "data":
    s.sendall(b"EHLO fault\r\n")
    while not line().startswith("250 "): pass
    auth = base64.b64encode(("\0" + user + "\0" + pw).encode()).decode()
    assert cmd("AUTH PLAIN " + auth).startswith("235")
    assert cmd("MAIL FROM:<" + user + "@example.com>").startswith("250")
    assert cmd("RCPT TO:<" + user + "@example.com>").startswith("250")
    assert cmd("DATA").startswith("354")
    s.sendall(b"Subject: half\r\n\r\nnot finished\r\n")
print("killing", flush=True)
time.sleep(0.2)
os.kill(os.getpid(), 9)
`

func TestServeKill9MidCommandChangesNothing(t *testing.T) {
	py := testutil.NeedPython(t)
	s := startServe(t, nil)
	for _, tc := range []struct {
		mode string
		role roles.Role
	}{{"retr", roles.POP3}, {"append", roles.IMAP}, {"data", roles.Submission}} {
		t.Run(tc.mode, func(t *testing.T) {
			a := s.account(1)
			before := s.count(a.Name())
			cmd := exec.Command(py, "-c", faultScript, tc.mode, strconv.Itoa(s.port(tc.role)), a.Name(), a.Password)
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the client was not killed: %v\n%s", err, out)
			}
			// The server notices the drop and changes nothing.
			waitFor(t, func() bool {
				for _, c := range s.cls.Registry.Conns() {
					if c.Open && c.Role == tc.role {
						return false
					}
				}
				return true
			})
			if got := s.count(a.Name()); got != before {
				t.Fatalf("%d messages after the kill, want %d", got, before)
			}
			// And the maildrop is free again.
			p := dialText(t, s.addr(roles.POP3))
			p.expect(t, "+OK")
			p.cmd(t, "USER "+a.Name(), "+OK")
			p.cmd(t, "PASS "+a.Password, "+OK")
			p.cmd(t, "QUIT", "+OK")
		})
	}
}

func TestServeDropsASlowlorisAndServesTheOthers(t *testing.T) {
	s := startServe(t, func(o *serveOptions) { o.Limits.CommandTimeout = 1500 * time.Millisecond })
	slow := dialText(t, s.addr(roles.POP3))
	slow.expect(t, "+OK")
	start := time.Now()
	dropped := make(chan time.Duration, 1)
	go func() {
		for _, b := range []byte("USER student01 and then some more bytes\r\n") {
			if _, err := slow.c.Write([]byte{b}); err != nil {
				break
			}
			time.Sleep(time.Second)
		}
	}()
	go func() {
		slow.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		io.Copy(io.Discard, slow.c)
		dropped <- time.Since(start)
	}()
	a := s.account(2)
	for i := 0; i < 3; i++ {
		p := dialText(t, s.addr(roles.POP3))
		p.expect(t, "+OK")
		p.cmd(t, "USER "+a.Name(), "+OK")
		p.cmd(t, "PASS "+a.Password, "+OK")
		p.cmd(t, "QUIT", "+OK")
		time.Sleep(300 * time.Millisecond)
	}
	select {
	case d := <-dropped:
		if d > 4*time.Second {
			t.Fatalf("slowloris dropped after %v", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("slowloris still connected")
	}
}

func TestServeFailedLoginsSlowDownOneIPOnly(t *testing.T) {
	s := startServe(t, func(o *serveOptions) { o.LoginDelay = time.Millisecond })
	p := dialText(t, s.addr(roles.POP3))
	p.expect(t, "+OK")
	// The quickest refusal stands for the delay's start: a single first
	// measurement can carry a busy machine's scheduling delay.
	var quickest, last time.Duration
	for i := 0; i < 100; i++ {
		if i%15 == 14 { // POP3 closes after 20 bad commands in a row: reconnect
			p.c.Close()
			p = dialText(t, s.addr(roles.POP3))
			p.expect(t, "+OK")
		}
		p.cmd(t, "USER student01", "+OK")
		start := time.Now()
		p.cmd(t, "PASS wrong", "-ERR")
		d := time.Since(start)
		if i == 0 || d < quickest {
			quickest = d
		}
		last = d
		if d > 40*time.Millisecond && d > 4*quickest {
			break // grown enough; the cap is 30s
		}
	}
	if last < 4*quickest || last < 16*time.Millisecond {
		t.Fatalf("delay did not grow: quickest %v, last %v", quickest, last)
	}
	// Another client is not slowed: from 127.0.0.1 too, but it succeeds, and
	// the throttle counts per account; what matters is it is answered at once.
	a := s.account(3)
	q := dialText(t, s.addr(roles.IMAP))
	q.expect(t, "* OK")
	start := time.Now()
	q.cmd(t, "a LOGIN "+a.Name()+" "+a.Password, "a OK")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a good login waited %v", d)
	}
}

func TestServeRefusesTheConnectionOverTheCapPolitely(t *testing.T) {
	s := startServe(t, func(o *serveOptions) { o.Limits.MaxConns = 5 })
	for i := 0; i < 5; i++ {
		dialText(t, s.addr(roles.IMAP)).expect(t, "* OK")
	}
	dialText(t, s.addr(roles.IMAP)).expect(t, "* BYE too many connections")
	dialText(t, s.addr(roles.POP3)).expect(t, "-ERR [SYS/TEMP] too many connections")
	dialText(t, s.addr(roles.Submission)).expect(t, "421 4.7.0")
}

// Ctrl-C: a real signal to a child `mailsim serve`.

func TestServeShutsDownPolitelyOnSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mailsim")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"serve", "--no-tui", "--lang", "en", "--students", "2", "--ca", filepath.Join(dir, "ca.pem")}
	for _, r := range roles.All {
		args = append(args, "--port", string(r)+"=0")
	}
	cmd := exec.Command(bin, args...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ports := map[string]string{}
	accounts := map[string]string{}
	sc := bufio.NewScanner(stdout)
	portRE := regexp.MustCompile(`^\s+\w+\.example\.com\s+(\S+)\s+(\d+)\s`)
	acctRE := regexp.MustCompile(`^\s+(student\d+)@example\.com\s+\S+\s+(\S+)`)
	for sc.Scan() {
		line := sc.Text()
		if m := portRE.FindStringSubmatch(line); m != nil {
			ports[m[1]] = m[2]
		}
		if m := acctRE.FindStringSubmatch(line); m != nil {
			accounts[m[1]] = m[2]
		}
		if strings.HasPrefix(line, "Serving.") {
			break
		}
	}
	rest := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stdout); rest <- string(b) }()
	pw := accounts["student01"]
	p := dialText(t, "127.0.0.1:"+ports["pop3"])
	p.expect(t, "+OK")
	p.cmd(t, "USER student01", "+OK")
	p.cmd(t, "PASS "+pw, "+OK")
	p.cmd(t, "DELE 1", "+OK")
	i := dialText(t, "127.0.0.1:"+ports["imap"])
	i.expect(t, "* OK")
	i.cmd(t, "a LOGIN student02 "+accounts["student02"], "a OK")
	m := dialText(t, "127.0.0.1:"+ports["submission"])
	m.expect(t, "220")
	m.cmd(t, "EHLO test", "250")

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if r, _ := p.reply(); !strings.HasPrefix(r, "-ERR [SYS/TEMP]") {
		t.Errorf("POP3 got %q at shutdown", r)
	}
	if r, _ := i.reply(); !strings.HasPrefix(r, "* BYE") {
		t.Errorf("IMAP got %q at shutdown", r)
	}
	if r, _ := m.reply(); !strings.HasPrefix(r, "421") {
		t.Errorf("SMTP got %q at shutdown", r)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not exit after SIGINT")
	}
	if out := <-rest; !strings.Contains(out, "Shutting down: telling 3 open sessions") {
		t.Errorf("shutdown output: %q", out)
	}
}

// Load: 200 concurrent clients mixing SMTP sends, IMAP FETCH/STORE/IDLE and
// POP3 RETR/DELE; every accepted message must be delivered exactly once.

func TestServeLoad(t *testing.T) {
	dur := 5 * time.Second
	if testutil.InCI() && !testing.Short() {
		dur = 60 * time.Second
	}
	const clients, popUsers, imapUsers = 200, 40, 40
	s := startServe(t, func(o *serveOptions) {
		o.Students = popUsers + imapUsers
		o.Limits.MaxConns, o.Limits.MaxConnsPerIP = 1000, 1000
		o.Quota = 0
	})
	var lat latencies
	var protoErrs atomic.Int64
	errf := func(format string, args ...any) {
		if protoErrs.Add(1) <= 10 {
			t.Errorf(format, args...)
		}
	}
	var mu sync.Mutex
	accepted := map[string]bool{}
	popped := map[string]int{}

	var peakHeap, peakSys atomic.Uint64
	stopMem := make(chan struct{})
	memDone := make(chan struct{})
	go func() {
		defer close(memDone)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapSys > peakHeap.Load() {
				peakHeap.Store(ms.HeapSys)
			}
			if ms.Sys > peakSys.Load() {
				peakSys.Store(ms.Sys)
			}
			select {
			case <-stopMem:
				return
			case <-tick.C:
			}
		}
	}()

	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	var seq atomic.Int64
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			switch {
			case w < popUsers: // one POP3 client per POP3 user: maildrops are exclusive
				a := s.account(w + 1)
				for time.Now().Before(deadline) {
					loadPOP3(s.addr(roles.POP3), a, &lat, errf, func(ids []string) {
						mu.Lock()
						for _, id := range ids {
							popped[id]++
						}
						mu.Unlock()
					})
					time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
				}
			case w < popUsers+80:
				a := s.account(popUsers + 1 + w%imapUsers)
				for time.Now().Before(deadline) {
					loadIMAP(s.addr(roles.IMAP), a, rng, &lat, errf)
				}
			default:
				a := s.account(1 + rng.IntN(popUsers+imapUsers))
				for time.Now().Before(deadline) {
					loadSMTP(s.addr(roles.Submission), a, func() string {
						return fmt.Sprintf("load-%d-%d@test", w, seq.Add(1))
					}, func() string { return s.account(1 + rng.IntN(popUsers+imapUsers)).Address() }, deadline, &lat, errf,
						func(id string) { mu.Lock(); accepted[id] = true; mu.Unlock() })
				}
			}
		}(w)
	}
	wg.Wait()
	close(stopMem)
	<-memDone

	// Exactly once: popped by one POP3 session that DELE'd and QUIT, or
	// still in the store.
	inStore := map[string]int{}
	for i := 1; i <= popUsers+imapUsers; i++ {
		msgs, _, _ := s.store().Messages(s.account(i).Name(), mailstore.Inbox)
		for _, m := range msgs {
			if id := messageID(m.Raw); strings.HasPrefix(id, "load-") {
				inStore[id]++
			}
		}
	}
	lost, dup := 0, 0
	for id := range accepted {
		switch n := popped[id] + inStore[id]; {
		case n == 0:
			lost++
		case n > 1:
			dup++
		}
	}
	for id, n := range popped {
		if !accepted[id] && n > 0 {
			// accepted but the client died before it read 250: not a loss
			continue
		}
	}
	if lost > 0 || dup > 0 {
		t.Errorf("of %d accepted messages: %d lost, %d delivered more than once", len(accepted), lost, dup)
	}
	if n := protoErrs.Load(); n > 0 {
		t.Errorf("%d protocol errors", n)
	}
	p50, p99, n := lat.percentiles()
	t.Logf("load: %d clients for %v: %d commands, %d messages accepted, %d popped; latency p50 %v p99 %v; peak HeapSys %d MiB, Sys %d MiB",
		clients, dur, n, len(accepted), len(popped), p50, p99, peakHeap.Load()>>20, peakSys.Load()>>20)
	if len(accepted) == 0 || len(popped) == 0 {
		t.Error("the load did not exercise delivery and POP3")
	}
}

func messageID(raw []byte) string {
	for _, line := range strings.Split(string(raw), "\r\n") {
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Message-ID") {
			return strings.Trim(strings.TrimSpace(v), "<>")
		}
	}
	return ""
}

type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) percentiles() (p50, p99 time.Duration, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0, 0, 0
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	return l.d[len(l.d)/2], l.d[len(l.d)*99/100], len(l.d)
}

// lineClient is a minimal POP3/SMTP client for the load, timing each command.
type lineClient struct {
	c   net.Conn
	r   *bufio.Reader
	lat *latencies
}

func dialLine(addr string, lat *latencies) (*lineClient, string, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, "", err
	}
	lc := &lineClient{c: c, r: bufio.NewReaderSize(c, 64<<10), lat: lat}
	g, err := lc.readReply()
	return lc, g, err
}

func (lc *lineClient) readReply() (string, error) {
	lc.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	var first string
	for {
		line, err := lc.r.ReadString('\n')
		if err != nil {
			return first, err
		}
		line = strings.TrimRight(line, "\r\n")
		if first == "" {
			first = line
		}
		if len(line) < 4 || line[3] != '-' {
			return first, nil
		}
	}
}

func (lc *lineClient) do(cmd string) (string, error) {
	start := time.Now()
	if _, err := io.WriteString(lc.c, cmd+"\r\n"); err != nil {
		return "", err
	}
	r, err := lc.readReply()
	lc.lat.add(time.Since(start))
	return r, err
}

// readBlock reads a POP3 multi-line body up to ".".
func (lc *lineClient) readBlock() ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := lc.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" {
			return b.Bytes(), nil
		}
		b.WriteString(strings.TrimPrefix(line, "."))
	}
}

func loadPOP3(addr string, a classroom.Account, lat *latencies, errf func(string, ...any), done func([]string)) {
	lc, g, err := dialLine(addr, lat)
	if err != nil || !strings.HasPrefix(g, "+OK") {
		errf("pop3 connect: %q %v", g, err)
		return
	}
	defer lc.c.Close()
	check := func(cmd string) string {
		r, err := lc.do(cmd)
		if err != nil || !strings.HasPrefix(r, "+OK") {
			errf("pop3 %s: %q %v", strings.Fields(cmd)[0], r, err)
			return ""
		}
		return r
	}
	if check("USER "+a.Name()) == "" || check("PASS "+a.Password) == "" {
		return
	}
	st := check("STAT")
	f := strings.Fields(st)
	if len(f) < 2 {
		return
	}
	n, _ := strconv.Atoi(f[1])
	var ids []string
	for i := 1; i <= n && i <= 20; i++ {
		start := time.Now()
		if check(fmt.Sprintf("RETR %d", i)) == "" {
			return
		}
		body, err := lc.readBlock()
		lat.add(time.Since(start))
		if err != nil {
			errf("pop3 RETR body: %v", err)
			return
		}
		id := messageID(bytes.ReplaceAll(body, []byte("\n"), []byte("\r\n")))
		id = strings.TrimSuffix(id, "\r")
		if !strings.HasPrefix(id, "load-") {
			continue // a starter message: keep it
		}
		if check(fmt.Sprintf("DELE %d", i)) == "" {
			return
		}
		ids = append(ids, id)
	}
	if check("QUIT") != "" {
		done(ids)
	}
}

func loadSMTP(addr string, a classroom.Account, newID, to func() string, deadline time.Time, lat *latencies, errf func(string, ...any), ok func(string)) {
	lc, g, err := dialLine(addr, lat)
	if err != nil || !strings.HasPrefix(g, "220") {
		errf("smtp connect: %q %v", g, err)
		return
	}
	defer lc.c.Close()
	check := func(cmd, want string) bool {
		r, err := lc.do(cmd)
		if err != nil || !strings.HasPrefix(r, want) {
			errf("smtp %.20s: %q %v", cmd, r, err)
			return false
		}
		return true
	}
	if !check("EHLO load.test", "250") || !check("AUTH PLAIN "+plain(a.Name(), a.Password), "235") {
		return
	}
	for i := 0; i < 5 && time.Now().Before(deadline); i++ {
		id := newID()
		if !check("MAIL FROM:<"+a.Address()+">", "250") || !check("RCPT TO:<"+to()+">", "250") || !check("DATA", "354") {
			return
		}
		msg := fmt.Sprintf("From: <%s>\r\nSubject: load %s\r\nMessage-ID: <%s>\r\n\r\n%s\r\n.", a.Address(), id, id, strings.Repeat("load test line\r\n", 20))
		if !check(msg, "250") {
			return
		}
		ok(id)
	}
	check("QUIT", "221")
}

func loadIMAP(addr string, a classroom.Account, rng *rand.Rand, lat *latencies, errf func(string, ...any)) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		errf("imap connect: %v", err)
		return
	}
	defer c.Close()
	timed := func(what string, f func() error) bool {
		start := time.Now()
		err := f()
		lat.add(time.Since(start))
		if err != nil {
			errf("imap %s: %v", what, err)
			return false
		}
		return true
	}
	if !timed("LOGIN", func() error { return c.Login(a.Name(), a.Password).Wait() }) {
		return
	}
	var sel *imap.SelectData
	if !timed("SELECT", func() (err error) { sel, err = c.Select("INBOX", nil).Wait(); return }) {
		return
	}
	for i := 0; i < 3 && sel.NumMessages > 0; i++ {
		n := uint32(1 + rng.IntN(int(sel.NumMessages)))
		if !timed("FETCH", func() error {
			_, err := c.Fetch(imap.SeqSetNum(n), &imap.FetchOptions{Envelope: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
			return err
		}) {
			return
		}
		if !timed("STORE", func() error {
			return c.Store(imap.SeqSetNum(n), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged}, Silent: true}, nil).Close()
		}) {
			return
		}
	}
	if rng.IntN(2) == 0 {
		idle, err := c.Idle()
		if err != nil {
			errf("imap IDLE: %v", err)
			return
		}
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		if !timed("DONE", func() error {
			if err := idle.Close(); err != nil {
				return err
			}
			return idle.Wait()
		}) {
			return
		}
	}
	timed("LOGOUT", func() error { return c.Logout().Wait() })
}
