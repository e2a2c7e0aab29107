package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
	"mailsim/sim/mailstore"
)

// These tests drive the server with real clients: Python's imaplib, curl,
// mbsync and openssl s_client.

func TestPythonImaplib(t *testing.T) {
	py := testutil.NeedPython(t)
	ts := newTestServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "imaplib_session.py"), ts.Port)
	stdout, err := cmd.StdoutPipe()
	must(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	must(t, cmd.Start())
	var out []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out = append(out, line)
		if line == "IDLE-READY" {
			// The client is idling: a delivery must reach it.
			if _, err := ts.Store.Deliver("alice", testMessage(9)); err != nil {
				t.Error(err)
			}
		}
	}
	err = cmd.Wait()
	if err != nil || len(out) == 0 || out[len(out)-1] != "ALL-OK" {
		t.Fatalf("imaplib session failed: %v\nstdout:\n%s\nstderr:\n%s", err, strings.Join(out, "\n"), stderr.String())
	}
	t.Logf("imaplib: %d checks passed", len(out)-2)

	// The session's changes are in the store.
	snap := ts.Store.Snapshot()
	drafts, _ := snap.Mailbox("alice", "Drafts")
	trash, _ := snap.Mailbox("alice", "Trash")
	inbox, _ := snap.Mailbox("alice", "INBOX")
	if len(drafts.Messages) != 1 || len(trash.Messages) != 1 || len(inbox.Messages) != 3 {
		t.Errorf("after imaplib: INBOX %d, Drafts %d, Trash %d messages; want 3, 1, 1",
			len(inbox.Messages), len(drafts.Messages), len(trash.Messages))
	}
}

func curl(t *testing.T, args ...string) string {
	t.Helper()
	bin := testutil.NeedTool(t, "curl")
	args = append([]string{"--silent", "--show-error", "--max-time", "10"}, args...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestCurl(t *testing.T) {
	testutil.NeedTool(t, "curl")
	ts := newTestServer(t)
	base := "imap://127.0.0.1:" + ts.Port

	t.Run("lists mailboxes", func(t *testing.T) {
		out := curl(t, base+"/", "-u", "alice:pw")
		for _, mb := range []string{"INBOX", "Sent", "Drafts", "Trash"} {
			if !strings.Contains(out, mb) {
				t.Errorf("LIST output lacks %s:\n%s", mb, out)
			}
		}
	})
	t.Run("fetches a message by UID", func(t *testing.T) {
		out := curl(t, base+"/INBOX;UID=1", "-u", "alice:pw")
		if !strings.Contains(out, "Subject: Message 1") || !strings.Contains(out, "message number 1.") {
			t.Errorf("UID=1 fetch:\n%s", out)
		}
	})
	t.Run("runs a custom FETCH", func(t *testing.T) {
		out := curl(t, base+"/INBOX", "-u", "alice:pw", "-X", "FETCH 1 FLAGS")
		if !strings.Contains(out, "* 1 FETCH (FLAGS (\\Seen") {
			t.Errorf("FETCH 1 FLAGS after a UID fetch should show \\Seen:\n%s", out)
		}
	})
	t.Run("refuses a wrong password", func(t *testing.T) {
		bin := testutil.NeedTool(t, "curl")
		out, err := exec.Command(bin, "--silent", "--max-time", "10", base+"/", "-u", "alice:nope").CombinedOutput()
		if err == nil {
			t.Errorf("curl with a wrong password succeeded:\n%s", out)
		}
	})
}

// maildirFiles lists the message files of a maildir folder (new and cur).
func maildirFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, sub := range []string{"new", "cur"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range ents {
			out = append(out, filepath.Join(dir, sub, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// maildirFind returns the file of dir whose content holds text.
func maildirFind(t *testing.T, dir, text string) string {
	t.Helper()
	for _, f := range maildirFiles(t, dir) {
		b, err := os.ReadFile(f)
		must(t, err)
		if strings.Contains(string(b), text) {
			return f
		}
	}
	t.Fatalf("no message in %s holds %q", dir, text)
	return ""
}

func maildirFlags(path string) string {
	if i := strings.LastIndex(path, ":2,"); i >= 0 {
		return path[i+3:]
	}
	return ""
}

func TestMbsync(t *testing.T) {
	bin := testutil.NeedTool(t, "mbsync")
	ts := newTestServer(t)
	home := t.TempDir()
	mail := filepath.Join(home, "mail")
	must(t, os.MkdirAll(mail, 0o700))
	rc := fmt.Sprintf(`IMAPAccount sim
Host 127.0.0.1
Port %s
User alice
Pass pw
SSLType None
AuthMechs LOGIN

IMAPStore sim-remote
Account sim

MaildirStore sim-local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel sim
Far :sim-remote:
Near :sim-local:
Patterns *
Create Both
Expunge Both
Sync All
SyncState *
`, ts.Port, mail, mail)
	rcPath := filepath.Join(home, ".mbsyncrc")
	must(t, os.WriteFile(rcPath, []byte(rc), 0o600))
	sync := func(round string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-c", rcPath, "-a")
		cmd.Env = append(os.Environ(), "HOME="+home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mbsync (%s) failed: %v\n%s", round, err, out)
		}
		t.Logf("mbsync (%s):\n%s", round, out)
	}
	inbox := filepath.Join(mail, "INBOX")

	sync("first")
	if n := len(maildirFiles(t, inbox)); n != 3 {
		t.Fatalf("after the first sync the local INBOX has %d messages, want 3", n)
	}
	for _, mb := range []string{"Sent", "Drafts", "Trash"} {
		if _, err := os.Stat(filepath.Join(mail, mb, "cur")); err != nil {
			t.Errorf("mailbox %s was not created locally: %v", mb, err)
		}
	}

	// Local \Flagged on message 1 (maildir flag F); server \Seen on 3.
	f1 := maildirFind(t, inbox, "message number 1.")
	flags := []byte(maildirFlags(f1) + "F")
	sort.Slice(flags, func(i, j int) bool { return flags[i] < flags[j] })
	base := filepath.Base(f1)
	if i := strings.Index(base, ":2,"); i >= 0 {
		base = base[:i]
	}
	must(t, os.Rename(f1, filepath.Join(inbox, "cur", base+":2,"+string(flags))))
	_, err := ts.Store.SetFlags("alice", "INBOX", []uint32{3}, mailstore.FlagsAdd, []string{mailstore.FlagSeen}, nil)
	must(t, err)

	sync("second")
	m1, err := ts.Store.Message("alice", "INBOX", 1)
	must(t, err)
	if !m1.HasFlag(mailstore.FlagFlagged) {
		t.Errorf("local F flag did not reach the server: flags %v", m1.Flags)
	}
	if f3 := maildirFind(t, inbox, "message number 3."); !strings.Contains(maildirFlags(f3), "S") {
		t.Errorf("server \\Seen did not reach the maildir: %s", f3)
	}

	sync("third")
	msgs, _, err := ts.Store.Messages("alice", "INBOX")
	must(t, err)
	if n, local := len(msgs), len(maildirFiles(t, inbox)); n != 3 || local != 3 {
		t.Errorf("after three syncs: server INBOX %d, local INBOX %d messages; want 3 and 3 (no duplicates)", n, local)
	}
}

func TestOpenSSLStartTLS(t *testing.T) {
	bin := testutil.NeedTool(t, "openssl")
	ca, err := certs.NewAuthority()
	must(t, err)
	cfg, err := ca.ServerConfig("imap.example.com")
	must(t, err)
	ts := newTestServer(t, func(o *Options) {
		o.TLSConfig = cfg
		o.Plaintext = authpolicy.TLSOnly
	})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	must(t, ca.SaveCA(caFile))

	// Before STARTTLS the TLS-only policy offers no AUTH=PLAIN.
	c := dial(t, ts.Addr)
	u := c.ok("CAPABILITY")
	wantHas(t, u, "STARTTLS")
	if has(u, "AUTH=PLAIN") {
		t.Errorf("AUTH=PLAIN offered in clear text under TLSOnly: %q", u)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "s_client", "-starttls", "imap", "-connect", ts.Addr,
		"-CAfile", caFile, "-verify_return_error", "-quiet")
	cmd.Stdin = strings.NewReader("a1 CAPABILITY\r\na2 LOGIN alice pw\r\na3 LOGOUT\r\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{"* CAPABILITY IMAP4rev2", "AUTH=PLAIN", "a1 OK", "a2 OK", "a3 OK"} {
		if !strings.Contains(s, want) {
			t.Errorf("s_client output lacks %q:\n%s", want, s)
		}
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "* CAPABILITY") && strings.Contains(l, "STARTTLS") {
			t.Errorf("STARTTLS still offered inside TLS: %q", l)
		}
	}
}

// TestImplicitTLS checks the 993 role: a TLS listener, no STARTTLS, and
// passwords accepted under TLSOnly.
func TestImplicitTLS(t *testing.T) {
	ca, err := certs.NewAuthority()
	must(t, err)
	cfg, err := ca.ServerConfig("imap.example.com")
	must(t, err)
	st := mailstore.New(mailstore.Options{})
	must(t, st.AddUser("alice", "pw"))
	srv := NewServer(Options{Store: st, TLSConfig: cfg, ImplicitTLS: true, Plaintext: authpolicy.TLSOnly})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	must(t, err)
	go srv.Serve(ln)
	defer srv.Close()
	conn, err := tls.Dial("tcp", ln.Addr().String(), ca.ClientConfig("imap.example.com"))
	must(t, err)
	defer conn.Close()
	c := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	if g := c.readLine(); strings.Contains(g, "STARTTLS") || !strings.Contains(g, "AUTH=PLAIN") {
		t.Errorf("implicit TLS greeting: %q", g)
	}
	c.ok("LOGIN alice pw")
}
