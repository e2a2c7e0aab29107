package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// recording waits for the one recording whose name ends in suffix and
// returns its text once the connection has closed.
func recording(t *testing.T, dir, suffix string) string {
	t.Helper()
	var text string
	waitFor(t, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*"+suffix))
		if len(files) != 1 {
			return false
		}
		b, _ := os.ReadFile(files[0])
		text = string(b)
		return strings.Contains(text, "#  closed ")
	})
	return text
}

// runPythonOK runs a python script that prints "ok" (warnings are errors).
func runPythonOK(t *testing.T, script string, args ...string) {
	t.Helper()
	py := testutil.NeedPython(t)
	out := runTool(t, py, append([]string{"-W", "error", "-c", script}, args...)...)
	if strings.TrimSpace(out) != "ok" {
		t.Fatalf("python printed %q", out)
	}
}

// checkRecording fails unless text holds every want, in order and in any
// case (clients spell verbs as they like), and no password nor undecrypted
// record.
func checkRecording(t *testing.T, text string, password string, want ...string) {
	t.Helper()
	rest := strings.ToLower(text)
	for _, w := range want {
		w = strings.ToLower(w)
		i := strings.Index(rest, w)
		if i < 0 {
			t.Errorf("recording lacks %q (in order):\n%s", w, text)
			return
		}
		rest = rest[i+len(w):]
	}
	if password != "" && strings.Contains(text, password) {
		t.Errorf("recording holds the password:\n%s", text)
	}
	if strings.Contains(text, "not decrypted") || strings.Contains(text, "C~") || strings.Contains(text, "S~") {
		t.Errorf("recording shows TLS records instead of the plaintext:\n%s", text)
	}
}

// Real clients that log in after STARTTLS, which go-imap and go-smtp do by
// themselves: the recordings (named by the user) and the live view show
// the conversation inside TLS, login redacted.
func TestServeShowsInsideSTARTTLSOnEveryPort(t *testing.T) {
	var recDir string
	s := startServe(t, func(o *serveOptions) {
		recDir = filepath.Join(filepath.Dir(o.CAFile), "rec")
		o.RecordDir = recDir
		o.AccountsFile = filepath.Join(filepath.Dir(o.CAFile), "accounts.yaml")
		os.WriteFile(o.AccountsFile, []byte("users: [{name: bob, domain: example.org, password: bob-secret-1}]\n"), 0o600)
	})
	a := s.account(1)
	t.Run("imap 143, python imaplib", func(t *testing.T) {
		script := `
import imaplib, ssl, sys
ca, u, p, port = sys.argv[1:5]
m = imaplib.IMAP4("localhost", int(port))
m.starttls(ssl_context=ssl.create_default_context(cafile=ca))
m.login(u, p)
typ, data = m.select("INBOX"); assert typ == "OK", data
typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"); assert b"Welcome" in data[0][1], data
m.logout()
print("ok")
`
		runPythonOK(t, script, s.ca, a.Name(), a.Password, strconv.Itoa(s.port(roles.IMAP)))
		rec := recording(t, recDir, "-imap-"+a.Name()+".log")
		checkRecording(t, rec, a.Password,
			"STARTTLS", "#  TLS started", "inside TLS from here",
			`LOGIN `+a.Name()+` •••`, "redacted: a password", "#  logged in as "+a.Name(),
			"SELECT INBOX", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])", "Subject: Welcome", "LOGOUT")
		// The live view reads the same entries from the registry.
		for _, cs := range s.cls.Registry.Conns() {
			if cs.Role != roles.IMAP || cs.User != a.Name() {
				continue
			}
			inner := 0
			for _, e := range s.cls.Registry.Transcript(cs.ID, 0) {
				if e.Layer == wire.Inner && strings.Contains(e.Text, "LOGIN") && strings.Contains(e.Text, "•••") {
					inner++
				}
			}
			if inner != 1 || !cs.TLS {
				t.Errorf("registry: %d redacted LOGIN lines inside TLS, TLS %v", inner, cs.TLS)
			}
		}
	})
	t.Run("submission 587, python smtplib, then mx 25 between the providers", func(t *testing.T) {
		script := `
import smtplib, ssl, sys
ca, u, p, port = sys.argv[1:5]
with smtplib.SMTP("localhost", int(port)) as s:
    s.starttls(context=ssl.create_default_context(cafile=ca))
    s.login(u, p)
    s.sendmail(u + "@example.com", ["bob@example.org"], "Subject: across\r\n\r\nto the other provider\r\n")
print("ok")
`
		runPythonOK(t, script, s.ca, a.Name(), a.Password, strconv.Itoa(s.port(roles.Submission)))
		rec := recording(t, recDir, "-submission-"+a.Name()+".log")
		checkRecording(t, rec, a.Password,
			"C: STARTTLS", "#  TLS started", "inside TLS from here", "C: EHLO",
			"C: AUTH PLAIN •••", "redacted: AUTH PLAIN for "+a.Name(), "#  logged in as "+a.Name(),
			"C: MAIL FROM:<"+a.Name()+"@example.com>", "C: RCPT TO:<bob@example.org>", "C: DATA", "Subject: across", "message accepted", "C: QUIT")
		// The relay hop: example.com's MTA to example.org's MX, STARTTLS on 25.
		mx := recording(t, recDir, "-mx-anon.log")
		checkRecording(t, mx, "",
			"C: STARTTLS", "#  TLS started", "inside TLS from here", "C: EHLO",
			"C: MAIL FROM:<"+a.Name()+"@example.com>", "C: RCPT TO:<bob@example.org>", "Subject: across", "message accepted")
		if !strings.Contains(mx, "mx at example.org") {
			t.Errorf("the mx recording is not example.org's:\n%s", mx)
		}
	})
	// openssl forces the other TLS 1.3 suites, and its "k" command sends a
	// KeyUpdate: the tap follows the session onto its next keys.
	for i, suite := range []string{"TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"} {
		t.Run("imap 143, openssl s_client with "+suite+" and a key update", func(t *testing.T) {
			openssl := testutil.NeedTool(t, "openssl")
			b := s.account(3 + i)
			cmd := exec.Command(openssl, "s_client", "-crlf", "-starttls", "imap", "-tls1_3", "-ciphersuites", suite,
				"-CAfile", s.ca, "-verify_return_error", "-connect", s.addr(roles.IMAP))
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var out lockedBuffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// s_client takes "k" as a command only when it arrives alone.
			for _, line := range []string{"a LOGIN " + b.Name() + " " + b.Password, "k", "b SELECT INBOX", "c LOGOUT"} {
				waitFor(t, func() bool { return strings.Contains(out.String(), "OK") })
				io.WriteString(stdin, line+"\n")
				time.Sleep(300 * time.Millisecond)
			}
			stdin.Close()
			if err := cmd.Wait(); err != nil || !strings.Contains(out.String(), "a OK") || !strings.Contains(out.String(), "KEYUPDATE") {
				t.Fatalf("openssl: %v\n%s", err, out.String())
			}
			rec := recording(t, recDir, "-imap-"+b.Name()+".log")
			checkRecording(t, rec, b.Password, "inside TLS from here", "C: a LOGIN "+b.Name()+" •••", "#  logged in as "+b.Name(),
				"C: b SELECT INBOX", "S: b OK", "C: c LOGOUT")
		})
	}
	t.Run("submission 587, swaks AUTH LOGIN", func(t *testing.T) {
		swaks := testutil.NeedTool(t, "swaks")
		b := s.account(2)
		out := runTool(t, swaks, "--server", "localhost", "--port", strconv.Itoa(s.port(roles.Submission)), "--tls",
			"--tls-verify", "--tls-ca-path", s.ca, "--auth", "LOGIN", "--auth-user", b.Name(), "--auth-password", b.Password,
			"--from", b.Address(), "--to", a.Address(), "--header", "Subject: from swaks")
		if !strings.Contains(out, "250 ") {
			t.Fatalf("swaks:\n%s", out)
		}
		rec := recording(t, recDir, "-submission-"+b.Name()+".log")
		checkRecording(t, rec, b.Password,
			"C: STARTTLS", "inside TLS from here", "C: AUTH LOGIN", "redacted: AUTH LOGIN: base64 of the user name "+b.Name(),
			"redacted: AUTH LOGIN: base64 of a password", "#  logged in as "+b.Name(), "C: RCPT TO:<"+a.Address()+">", "Subject: from swaks")
	})
}
