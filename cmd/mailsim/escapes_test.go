package main

import (
	"bufio"
	"fmt"
	"mailsim/sim/roles"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hostile puts terminal escape sequences where a crafted transcript can:
// the lesson title and a server line.
func hostile(t *testing.T) string {
	t.Helper()
	path := record(t, "pop3-basics")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), `title: {en: "POP3 basics: download, then delete"`,
		`title: {en: "POP3 basics\e]52;c;aGk=\a\e[2J"`, 1)
	s = strings.Replace(s, `text: "+OK send PASS"`, `text: "+OK send PASS\e]52;c;aGk=\a\r\u009b2J"`, 1)
	if s == string(data) {
		t.Fatal("the recording changed its layout: the test no longer injects anything")
	}
	out := filepath.Join(t.TempDir(), "hostile.yaml")
	if err := os.WriteFile(out, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantNoControls(t *testing.T, what, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s writes %q raw", what, bad)
		}
	}
	if !strings.Contains(out, "␛]52;c;aGk=␇") {
		t.Errorf("%s does not show the escape sequence as ␛]52;c;aGk=␇", what)
	}
}

func TestEscapeSequencesFromATranscriptAreShownNotObeyed(t *testing.T) {
	path := hostile(t)
	out, errs, code := runCLI(t, "replay", path, "--plain")
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, errs)
	}
	wantNoControls(t, "replay --plain", out)
	out, errs, code = runCLI(t, "export", path, "--to", "markdown")
	if code != 0 {
		t.Fatalf("export markdown: exit %d: %s", code, errs)
	}
	wantNoControls(t, "export --to markdown", out)
	// The asciicast is JSON: its strings must not carry the escapes either
	// (asciinema play writes them raw); its own colours stay.
	cast := filepath.Join(t.TempDir(), "out.cast")
	if _, errs, code := runCLI(t, "export", path, "--to", "asciicast", "-o", cast); code != 0 {
		t.Fatalf("export asciicast: exit %d: %s", code, errs)
	}
	data, _ := os.ReadFile(cast)
	if strings.Contains(string(data), `\u001b]52`) || strings.Contains(string(data), `\u0007`) {
		t.Error("the asciicast carries the escape sequence")
	}
	if !strings.Contains(string(data), "␛]52;c;aGk=␇") {
		t.Error("the asciicast does not show the escape sequence")
	}
}

func TestServesLogAndRecordingsShowAClientsEscapeSequences(t *testing.T) {
	recDir := ""
	s := startServe(t, func(o *serveOptions) {
		o.NoTUI = false // stdout is no terminal: the headless log
		recDir = filepath.Join(filepath.Dir(o.CAFile), "rec")
		o.RecordDir = recDir
	})
	acct := s.account(1)
	c, err := net.Dial("tcp", s.addr(roles.IMAP))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	for _, cmd := range []string{
		"a1 ID (\"name\" \"Thunder\x1b[2J\x1b]52;c;aGk=\x07bird\")",
		fmt.Sprintf("a2 LOGIN %s %s", acct.Name(), acct.Password),
		"a3 LOGOUT",
	} {
		fmt.Fprintf(c, "%s\r\n", cmd)
	}
	for {
		if _, err := r.ReadString('\n'); err != nil {
			break
		}
	}
	c.Close()
	waitFor(t, func() bool { return strings.Contains(s.out.String(), "aGk=") }) // the log line is in
	wantNoControls(t, "serve's log", s.out.String())
	wantNoControls(t, "the --record .log file", recording(t, recDir, ".log"))
}
