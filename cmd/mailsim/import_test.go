package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// dumpcap captures traffic on the given ports of interface iface ("lo":
// Ethernet frames; "any": Linux cooked frames) into a pcapng file
// until stop is called. Capturing needs root or dumpcap's
// capabilities (CI runs as root); without them the test is skipped
// outside CI and fails under it.
func dumpcap(t *testing.T, iface, file string, ports ...int) (stop func()) {
	t.Helper()
	bin := testutil.NeedTool(t, "dumpcap")
	var filter []string
	for _, p := range ports {
		filter = append(filter, "tcp port "+strconv.Itoa(p))
	}
	cmd := exec.Command(bin, "-i", iface, "-f", strings.Join(filter, " or "), "-w", file)
	errs, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	var said strings.Builder
	go func() {
		sc := bufio.NewScanner(errs)
		for sc.Scan() {
			said.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "Capturing on") {
				ready <- ""
			}
		}
		ready <- said.String()
	}()
	select {
	case msg := <-ready:
		if msg != "" {
			cmd.Wait()
			if testutil.InCI() {
				t.Fatalf("dumpcap cannot capture on lo:\n%s", msg)
			}
			t.Skipf("dumpcap cannot capture on lo here (needs root or its capabilities):\n%s", msg)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("dumpcap did not start capturing")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		// dumpcap stops reading the kernel's buffer at SIGTERM: give it
		// time to read the last packets (the machine may be busy)
		time.Sleep(time.Second)
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}
	t.Cleanup(stop)
	return stop
}

// sessionViews is each connection of a transcript as its protocol lines
// (clear text and inside TLS; records are left out: the server's tap and
// the capture cut the same bytes into the same records, but a record the
// tap opened is summarised by what it held), one string per connection,
// sorted. A redacted unit shows no length.
func sessionViews(t *transcripts.Transcript) []string {
	by := map[uint64]*strings.Builder{}
	for _, e := range t.Events {
		if e.Kind != events.EventWire || e.Unit.Layer == wire.Cipher {
			continue
		}
		u := e.Unit
		b := by[e.Conn]
		if b == nil {
			b = &strings.Builder{}
			by[e.Conn] = b
		}
		n := strconv.Itoa(u.Len)
		if strings.Contains(u.Text, "•••") {
			// the live registry keeps the length that crossed, Redact the
			// length of what is left
			n = "(redacted)"
		}
		layer := map[wire.Layer]string{wire.Inner: "inner"}[u.Layer]
		kind := map[wire.Kind]string{wire.Block: "block", wire.Record: "record"}[u.Kind]
		fmt.Fprintf(b, "%s %s %s cmd=%q tag=%q len=%s cut=%v %q\n", u.Dir, layer, kind, u.Command, u.Tag, n, u.Cut, u.Text)
	}
	var out []string
	for _, b := range by {
		out = append(out, b.String())
	}
	sort.Strings(out)
	return out
}

// Real clients talk to `mailsim serve`, which records each connection
// (--record); dumpcap captures the same sessions on loopback, twice: on
// lo (Ethernet frames) and on any (Linux cooked frames). Imported,
// with the key log the TLS clients wrote (SSLKEYLOGFILE), the capture
// gives the same sessions, line for line, as mailsim's own recording:
// python poplib (POP3, USER/PASS), python imaplib (IMAP, LOGIN),
// fetchmail (POP3, keep), python
// smtplib (submission, STARTTLS, AUTH), curl (IMAP, STARTTLS; POP3 over
// implicit TLS on a port that does not say so).
func TestACaptureOfRealClientsImportsAsMailsimRecordedIt(t *testing.T) {
	py := testutil.NeedPython(t)
	curl := testutil.NeedTool(t, "curl")
	fm := testutil.NeedTool(t, "fetchmail")
	rec := t.TempDir()
	s := startServe(t, func(o *serveOptions) { o.RecordDir = rec })
	a, b := s.account(1), s.account(2)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys.log")
	ports := []int{s.port(roles.POP3), s.port(roles.IMAP), s.port(roles.Submission), s.port(roles.POP3S)}
	captures := map[string]string{"lo": filepath.Join(dir, "lo.pcapng"), "any": filepath.Join(dir, "any.pcapng")}
	stopLo := dumpcap(t, "lo", captures["lo"], ports...)
	stopAny := dumpcap(t, "any", captures["any"], ports...)
	env := append(os.Environ(), "SSLKEYLOGFILE="+keys)

	script := `
import imaplib, poplib, smtplib, ssl, sys
u, p, to, pp, ps, ca, pi = sys.argv[1:8]
q = poplib.POP3("127.0.0.1", int(pp))
q.user(u); q.pass_(p); q.stat(); q.retr(1); q.quit()
i = imaplib.IMAP4("127.0.0.1", int(pi))
i.login(u, p); i.select("INBOX"); i.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"); i.logout()
ctx = ssl.create_default_context(cafile=ca)
with smtplib.SMTP("localhost", int(ps)) as m:
    m.starttls(context=ctx); m.login(u, p)
    m.sendmail(u + "@example.com", [to], "Subject: captured\r\n\r\nhello from python\r\n")
print("ok")
`
	cmd := exec.Command(py, "-c", script, a.Name(), a.Password, b.Address(),
		strconv.Itoa(s.port(roles.POP3)), strconv.Itoa(s.port(roles.Submission)), s.ca, strconv.Itoa(s.port(roles.IMAP)))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python: %v\n%s", err, out)
	}
	cmd = exec.Command(curl, "-sS", "--ssl-reqd", "--cacert", s.ca, "--user", b.Name()+":"+b.Password,
		"--resolve", fmt.Sprintf("imap.example.com:%d:127.0.0.1", s.port(roles.IMAP)),
		fmt.Sprintf("imap://imap.example.com:%d/INBOX;UID=1", s.port(roles.IMAP)))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Welcome to the mail class") {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	// POP3 over TLS from the first byte, on a port that does not say so:
	// the importer decrypts it to find the greeting
	cmd = exec.Command(curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password,
		"--resolve", fmt.Sprintf("pop.example.com:%d:127.0.0.1", s.port(roles.POP3S)),
		fmt.Sprintf("pop3s://pop.example.com:%d/1", s.port(roles.POP3S)))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "Welcome to the mail class") {
		t.Fatalf("curl pop3s: %v\n%s", err, out)
	}
	home := t.TempDir()
	rc := filepath.Join(home, "fetchmailrc")
	os.WriteFile(rc, []byte(fmt.Sprintf("poll 127.0.0.1 protocol pop3 port %d user %q password %q sslproto '' keep mda \"/bin/sh -c 'cat >> %s'\"\n",
		s.port(roles.POP3), b.Name(), b.Password, filepath.Join(home, "mbox"))), 0o600)
	// as root, fetchmail locks /var/run/fetchmail.pid, which other tests may hold
	cmd = exec.Command(fm, "-f", rc, "--nosyslog", "--nodetach", "--all", "--pidfile", filepath.Join(home, "fetchmail.pid"))
	cmd.Env = append(os.Environ(), "HOME="+home, "FETCHMAILHOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fetchmail: %v\n%s", err, out)
	}

	var recorded []string
	waitFor(t, func() bool {
		recorded, _ = filepath.Glob(filepath.Join(rec, "*.yaml"))
		return len(recorded) >= 6
	})
	stopLo()
	stopAny()
	var want []string
	for _, f := range recorded {
		tr, err := transcripts.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, sessionViews(tr)...)
	}
	sort.Strings(want)

	for iface, pcap := range captures {
		t.Run("captured on "+iface, func(t *testing.T) {
			out := filepath.Join(dir, iface+".yaml")
			so, se, code := runCLI(t, "import", pcap, "--keylog", keys, "-o", out)
			if code != 0 || !strings.Contains(so, "6 mail sessions") {
				t.Fatalf("import: exit %d\n%s%s", code, so, se)
			}
			imported, err := transcripts.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			got := sessionViews(imported)
			if len(got) != len(want) {
				t.Fatalf("%d sessions imported, %d recorded", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("session %d differs:\nrecorded:\n%s\nimported:\n%s", i+1, want[i], got[i])
				}
			}
			if strings.Contains(string(mustRead(t, out)), a.Password) {
				t.Error("the imported transcript holds a password")
			}
			// and it replays
			so, se, code = runCLI(t, "replay", out, "--plain")
			if code != 0 || !strings.Contains(so, "STARTTLS") || !strings.Contains(so, "AUTH PLAIN •••") || !strings.Contains(so, "LOGIN "+a.Name()+" •••") {
				t.Errorf("replay: exit %d\n%s%s", code, so, se)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportSaysWhatIsWrongInOneLine(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a capture\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"import", text, "-o", filepath.Join(dir, "t.yaml")}, 1, "mailsim: " + text + ": not a pcap or pcapng capture"},
		{[]string{"import", filepath.Join(dir, "missing.pcap"), "-o", filepath.Join(dir, "t.yaml")}, 1, "no such file or directory"},
		{[]string{"import", text}, 2, "import: say where to save the transcript: -o FILE"},
		{[]string{"import", "-o", "x.yaml"}, 2, "import: name one capture file"},
		{[]string{"import", text, "-o", "x.yaml", "--keylog", filepath.Join(dir, "nokeys")}, 1, "--keylog: "},
	} {
		_, errs, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%q: exit %d, %q; want exit %d and one line with %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}
