package pop3

// Real clients against the server: python3 poplib, curl, fetchmail and
// openssl s_client. Outside CI a missing client skips its test; under CI
// it fails it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
)

// run runs a client with a deadline and returns its standard output.
func run(t *testing.T, stdin string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %q: %w\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), args, err, out.String(), errb.String())
	}
	return out.String(), nil
}

func port(t *testing.T, addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const poplibScript = `
import poplib, sys
host, port = sys.argv[1], int(sys.argv[2])
p = poplib.POP3(host, port, timeout=10)
p.apop("mrose", "tanstaaf")
print("apop", p.stat())
p.quit()
p = poplib.POP3(host, port, timeout=10)
p.user("alice")
p.pass_("pw")
print("stat", p.stat())
print("list", [l.decode() for l in p.list()[1]])
print("uidl", [l.decode() for l in p.uidl()[1]])
print("top", [l.decode() for l in p.top(2, 1)[1]][-2:])
print("retr", [l.decode() for l in p.retr(2)[1]][-4:])
print("dele", p.dele(1).decode())
print("stat", p.stat())
print("rset", p.rset().decode())
print("dele", p.dele(3).decode())
print("quit", p.quit().decode())
`

func TestPythonPoplibUsesEveryCommand(t *testing.T) {
	py := testutil.NeedPython(t)
	ts := newTestServer(t)
	out, err := run(t, "", nil, py, "-c", poplibScript, "127.0.0.1", port(t, ts.Addr))
	if err != nil {
		t.Fatal(err)
	}
	s := func(n int) int { return wireSize(ts.raw(n)) }
	total := s(1) + s(2) + s(3) + s(4)
	want := strings.Join([]string{
		"apop (0, 0)",
		fmt.Sprintf("stat (4, %d)", total),
		fmt.Sprintf("list ['1 %d', '2 %d', '3 %d', '4 %d']", s(1), s(2), s(3), s(4)),
		"uidl ['1 0000000700000001', '2 0000000700000002', '3 0000000700000003', '4 0000000700000004']",
		"top ['', '.hidden starts with a dot']",
		"retr ['.hidden starts with a dot', '.', '..two dots', 'last line']",
		"dele +OK message 1 marked for deletion; it is removed at QUIT",
		fmt.Sprintf("stat (3, %d)", total-s(1)),
		fmt.Sprintf("rset +OK maildrop has 4 messages (%d octets)", total),
		"dele +OK message 3 marked for deletion; it is removed at QUIT",
		"quit +OK pop.example.com POP3 server signing off (3 messages left)",
	}, "\n") + "\n"
	if out != want {
		t.Errorf("poplib printed\n%s\nwant\n%s", out, want)
	}
	ts.wantUIDs("alice", 1, 2, 4)
}

func TestCurlListsRetrievesAndDeletes(t *testing.T) {
	curl := testutil.NeedTool(t, "curl")
	ts := newTestServer(t)
	base := "pop3://127.0.0.1:" + port(t, ts.Addr) + "/"
	curlArgs := func(path string, extra ...string) []string {
		return append([]string{"-s", "-S", "--max-time", "20", "-u", "alice:pw", base + path}, extra...)
	}

	out, err := run(t, "", nil, curl, curlArgs("")...)
	if err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for n := 1; n <= 4; n++ {
		fmt.Fprintf(&want, "%d %d\r\n", n, wireSize(ts.raw(n)))
	}
	if out != want.String() {
		t.Errorf("curl listed %q, want %q", out, want.String())
	}

	out, err = run(t, "", nil, curl, curlArgs("2")...)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(ts.raw(2)) {
		t.Errorf("curl retrieved\n%q\nwant\n%q", out, ts.raw(2))
	}

	// DELE has no body: curl needs -I (CURLOPT_NOBODY) not to wait for
	// one; it then sends DELE 1 and QUIT.
	if _, err := run(t, "", nil, curl, curlArgs("1", "-X", "DELE", "-I")...); err != nil {
		t.Fatal(err)
	}
	ts.wantUIDs("alice", 2, 3, 4)
}

func TestFetchmailKeepsThenFetchesOnlyWhatIsNewThenDeletes(t *testing.T) {
	fetchmail := testutil.NeedTool(t, "fetchmail")
	ts := newTestServer(t)
	home := t.TempDir()
	out := filepath.Join(home, "out")
	if err := os.Mkdir(out, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + home, "FETCHMAILHOME=" + home}
	rc := func(name, keep string) string {
		path := filepath.Join(home, name)
		text := fmt.Sprintf(`set no syslog
poll 127.0.0.1 service %s protocol pop3 uidl
  user "alice" password "pw" is "alice" here
  sslproto '' no sslcertck
  %s
  mda "/bin/sh -c 'cat > %s/msg.$$'"
`, port(t, ts.Addr), keep, out)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	fetch := func(rcfile string, okCodes ...int) {
		t.Helper()
		_, err := run(t, "", env, fetchmail, "-f", rcfile, "--nodetach", "--idfile", filepath.Join(home, "ids"))
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(okCodes, code) {
			t.Fatalf("fetchmail exited with %d, want one of %v: %v", code, okCodes, err)
		}
	}
	delivered := func() []string {
		t.Helper()
		files, err := filepath.Glob(filepath.Join(out, "msg.*"))
		if err != nil {
			t.Fatal(err)
		}
		var subjects []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, "Subject: ") {
					subjects = append(subjects, strings.TrimSpace(strings.TrimPrefix(l, "Subject: ")))
				}
			}
		}
		return subjects
	}

	keep := rc("keep.rc", "keep")
	fetch(keep, 0)
	if got := delivered(); len(got) != 4 {
		t.Fatalf("the first --keep run delivered %q, want 4 messages", got)
	}
	ts.wantUIDs("alice", 1, 2, 3, 4)

	fetch(keep, 0, 1) // 1: no new mail
	if got := delivered(); len(got) != 4 {
		t.Errorf("a second --keep run with UIDL delivered again: %q", got)
	}

	if _, err := ts.Store.Deliver("alice", []byte("From: d@example.org\r\nSubject: new one\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	fetch(rc("flush.rc", "no keep fetchall"), 0)
	if got := delivered(); len(got) != 4+5 {
		t.Errorf("the run without keep delivered %d messages in all, want 9: %q", len(got), got)
	}
	ts.wantUIDs("alice")
}

func TestOpensslStartsTLSWithSTLS(t *testing.T) {
	openssl := testutil.NeedTool(t, "openssl")
	ts := newTestServer(t, withTLS(t))
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := authority(t).SaveCA(ca); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, "CAPA\r\nQUIT\r\n", nil, openssl, "s_client", "-starttls", "pop3",
		"-connect", ts.Addr, "-CAfile", ca, "-verify_return_error", "-quiet")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out, "\r\n")
	if len(lines) < 3 || lines[0] != "+OK capability list follows" || !strings.Contains(out, "\r\nUSER\r\n") {
		t.Errorf("openssl got %q, want the capability list", out)
	}
	if strings.Contains(out, "\r\nSTLS\r\n") {
		t.Errorf("CAPA inside TLS still lists STLS: %q", out)
	}
	if !strings.Contains(out, "+OK pop.example.com POP3 server signing off\r\n") {
		t.Errorf("openssl got %q, want QUIT answered", out)
	}
}
