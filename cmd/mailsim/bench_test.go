package main

import (
	"time"

	"encoding/json"
	"mailsim/sim/authpolicy"
	"mailsim/sim/network"
	"mailsim/sim/roles"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench"},
		{"bench", "--proto", "nntp"},
		{"bench", "--proto", "imap", "--tls", "sometimes"},
		{"bench", "--proto", "imap", "--conns", "0"},
		{"bench", "--proto", "imap", "--conns", "many"},
		{"bench", "--proto", "imap", "--addr", "nohostport", "--user", "u"},
		{"bench", "--proto", "imap", "--addr", "127.0.0.1:143"},
		{"bench", "--proto", "imap", "--insecure"},
		{"bench", "--proto", "pop3", "--no-such-flag"},
		{"bench", "--proto", "pop3", "extra"},
		{"bench", "--serve", "--addr", "127.0.0.1:110"},
	} {
		_, errs, code := runCLI(t, args...)
		lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
		if code != 2 || len(lines) != 1 || !strings.HasPrefix(errs, "mailsim: bench") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and one line", args, code, errs)
		}
	}
}

func TestBenchHelp(t *testing.T) {
	out, _, code := runCLI(t, "bench", "--help")
	if code != 0 || !strings.Contains(out, "--proto") || !strings.Contains(out, "FETCH 1:* (FLAGS ENVELOPE)") {
		t.Errorf("exit %d, help:\n%s", code, out)
	}
}

func TestBenchInProcess(t *testing.T) {
	for _, c := range []struct {
		proto, tls string
		want       string
	}{
		{"imap", "none", "FETCH n BODY["},
		{"pop3", "starttls", "RETR"},
		{"smtp", "implicit", "message"},
	} {
		t.Run(c.proto, func(t *testing.T) {
			out, errs, code := runCLI(t, "bench", "--proto", c.proto, "--tls", c.tls, "--conns", "2", "--sessions", "1",
				"--messages", "20", "--fetches", "5")
			if code != 0 {
				t.Fatalf("exit %d: %s\n%s", code, errs, out)
			}
			for _, want := range []string{"errors: protocol 0, I/O 0", c.want, "cpu (load generator + in-process servers)"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestBenchJSONAndProfile(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	out, errs, code := runCLI(t, "bench", "--proto", "pop3", "--conns", "2", "--sessions", "1", "--messages", "20",
		"--json", "--cpuprofile", prof)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var v struct {
		Result struct {
			Messages       int64 `json:"messages"`
			ProtocolErrors int64 `json:"protocol_errors"`
		} `json:"result"`
		Server string `json:"server"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if v.Result.Messages != 40 || v.Server != "in-process" {
		t.Errorf("JSON: %s", out)
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("profile: %v", err)
	}
}

func TestBenchErrorsExitOne(t *testing.T) {
	// A server elsewhere that refuses the password: every session's login
	// is a protocol error, which must be reported and fail the run.
	n, err := network.Start(network.Options{Domains: []string{network.DomainCom}, Roles: []roles.Role{roles.POP3},
		Throttle: &authpolicy.Throttle{Base: time.Millisecond, Max: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	p, _ := n.Provider(network.DomainCom)
	p.Store.AddUser("solo", "right")
	srv, _ := p.Server(roles.POP3)
	out, errs, code := runCLI(t, "bench", "--proto", "pop3", "--addr", srv.Addr, "--conns", "1", "--sessions", "1",
		"--user", "solo", "--pass", "wrong")
	if code != 1 || !strings.Contains(errs, "bench: 1 errors (1 protocol, 0 I/O)") || !strings.Contains(out, "-ERR") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
}

func TestBenchFillMaildir(t *testing.T) {
	dir := t.TempDir()
	_, errs, code := runCLI(t, "bench", "--fill-maildir", dir, "--messages", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	files, _ := os.ReadDir(filepath.Join(dir, "cur"))
	if len(files) != 3 {
		t.Errorf("%d files in cur", len(files))
	}
}
