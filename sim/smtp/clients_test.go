package smtp

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
)

// run runs a real client with a time limit and returns its combined
// output and whether it exited 0.
func run(t *testing.T, stdin string, name string, args ...string) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out:\n%s", name, out.String())
	}
	return out.String(), err == nil
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// lastAccepted returns what the server recorded for the newest message.
func lastAccepted(t *testing.T, p *provider) Accepted {
	t.Helper()
	all := p.accepted.all()
	if len(all) == 0 {
		t.Fatal("the server accepted nothing")
	}
	return all[len(all)-1]
}

func TestSwaksRelaysAcrossProvidersOverSTARTTLS(t *testing.T) {
	swaks := testutil.NeedTool(t, "swaks")
	w := newWorld(t)
	out, ok := run(t, "", swaks, "--server", w.com.sub.Addr, "--tls", "--tls-verify", "--tls-ca-path", w.caFile,
		"--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "pw", "--ehlo", "laptop.example.com",
		"--from", "alice@example.com", "--to", "bob@example.org",
		"--header", "Subject: across the Internet", "--body", "Hello Bob.\n.\n..two dots\n")
	if !ok {
		t.Fatalf("swaks failed:\n%s", out)
	}
	if !strings.Contains(out, "250 2.0.0 Ok: queued as COM") {
		t.Errorf("swaks output lacks the queue ID:\n%s", out)
	}
	acc := lastAccepted(t, w.com)
	if acc.AuthUser != "alice" || !acc.TLS || len(acc.Queued) != 1 {
		t.Errorf("submission recorded %+v", acc)
	}

	// sim's TestSwaksToImaplibAcrossTwoProviders reads it with imaplib too.
	msg := waitMessages(t, w.org.store, "bob", 1)[0]
	raw := string(msg.Raw)
	hop2 := "Received: from smtp.example.com ([127.0.0.1])\r\n\tby mx.example.org with ESMTPS id ORG"
	hop1 := "Received: from laptop.example.com ([127.0.0.1])\r\n\tby smtp.example.com with ESMTPSA id " + acc.ID + "\r\n\tfor <bob@example.org>;"
	i, j := strings.Index(raw, hop2), strings.Index(raw, hop1)
	if i < 0 || j < 0 || i > j {
		t.Errorf("want the MX hop above the submission hop:\n%s", raw)
	}
	if !strings.HasPrefix(raw, "Return-Path: <alice@example.com>\r\n") {
		t.Errorf("no Return-Path:\n%s", raw)
	}
	if !strings.Contains(raw, "Hello Bob.\r\n.\r\n..two dots\r\n") {
		t.Errorf("body changed on the way:\n%s", raw)
	}
	if n := len(inbox(t, w.com.store, "alice")); n != 0 {
		t.Errorf("alice got %d messages (a bounce?)", n)
	}
}

func TestSwaksOverImplicitTLS(t *testing.T) {
	swaks := testutil.NeedTool(t, "swaks")
	w := newWorld(t)
	out, ok := run(t, "", swaks, "--server", w.com.smtps.Addr, "--tls-on-connect", "--tls-verify", "--tls-ca-path", w.caFile,
		"--auth", "LOGIN", "--auth-user", "alice@example.com", "--auth-password", "pw",
		"--from", "alice@example.com", "--to", "carol@example.com")
	if !ok {
		t.Fatalf("swaks failed:\n%s", out)
	}
	raw := string(waitMessages(t, w.com.store, "carol", 1)[0].Raw)
	if !strings.Contains(raw, "by smtp.example.com with ESMTPSA id") {
		t.Errorf("want an authenticated TLS hop:\n%s", raw)
	}
}

func TestSwaksIsRefusedRelayWithoutAuth(t *testing.T) {
	swaks := testutil.NeedTool(t, "swaks")
	w := newWorld(t)
	out, ok := run(t, "", swaks, "--server", w.com.mx.Addr, "--from", "spammer@example.net", "--to", "bob@example.org")
	if ok {
		t.Fatalf("swaks succeeded in relaying through an MX:\n%s", out)
	}
	if !strings.Contains(out, "554 5.7.1") {
		t.Errorf("swaks output lacks 554 5.7.1:\n%s", out)
	}
	out, ok = run(t, "", swaks, "--server", w.com.sub.Addr, "--from", "spammer@example.net", "--to", "bob@example.org")
	if ok || !strings.Contains(out, "530 5.7.0") {
		t.Errorf("submission without AUTH: ok=%v\n%s", ok, out)
	}
	if len(w.com.mta.Queue())+len(inbox(t, w.org.store, "bob")) != 0 {
		t.Error("something was relayed")
	}
}

func TestSwaksHitsTheSizeLimit(t *testing.T) {
	swaks := testutil.NeedTool(t, "swaks")
	srv, st, _ := localServer(t, MX, func(o *Options) { o.MaxMessageBytes = 64 << 10 })
	body := writeFile(t, "big.txt", strings.Repeat(strings.Repeat("z", 76)+"\n", 2000))
	out, ok := run(t, "", swaks, "--server", srv.Addr, "--from", "x@example.net", "--to", "alice@example.com", "--attach", "@"+body)
	if ok || !strings.Contains(out, "552 5.3.4") {
		t.Errorf("ok=%v, want 552 5.3.4:\n%s", ok, tail(out))
	}
	if n := len(inbox(t, st, "alice")); n != 0 {
		t.Errorf("alice has %d messages", n)
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}

func TestCurlAuthenticatesOverSTARTTLSAndImplicitTLS(t *testing.T) {
	curl := testutil.NeedTool(t, "curl")
	w := newWorld(t)
	msg := writeFile(t, "msg.eml", "From: alice@example.com\r\nTo: carol@example.com\r\nSubject: via curl\r\n\r\nSent with curl.\r\n")
	for i, url := range []string{"smtp://" + w.com.sub.Addr, "smtps://" + w.com.smtps.Addr} {
		out, ok := run(t, "", curl, "-sS", "--url", url, "--ssl-reqd", "--cacert", w.caFile,
			"--mail-from", "alice@example.com", "--mail-rcpt", "carol@example.com", "--user", "alice:pw", "-T", msg)
		if !ok {
			t.Fatalf("curl %s failed:\n%s", url, out)
		}
		// curl quietly skips AUTH if it is not offered: make sure it logged in.
		acc := lastAccepted(t, w.com)
		if acc.AuthUser != "alice" || !acc.TLS {
			t.Errorf("%s: server recorded %+v, want alice over TLS", url, acc)
		}
		raw := string(waitMessages(t, w.com.store, "carol", i+1)[i].Raw)
		if !strings.Contains(raw, "with ESMTPSA id "+acc.ID) || !strings.HasSuffix(raw, "\r\n\r\nSent with curl.\r\n") {
			t.Errorf("%s: stored:\n%s", url, raw)
		}
	}
}

func TestCurlWithLFLineEndingsIsToldToUseCRLF(t *testing.T) {
	curl := testutil.NeedTool(t, "curl")
	w := newWorld(t)
	msg := writeFile(t, "msg.eml", "Subject: unix file\n\nLF only.\n")
	// curl reports any final reply but 250 as "(8) Weird server reply";
	// -v shows the server's words.
	out, ok := run(t, "", curl, "-sS", "-v", "--url", "smtp://"+w.com.sub.Addr, "--ssl-reqd", "--cacert", w.caFile,
		"--mail-from", "alice@example.com", "--mail-rcpt", "carol@example.com", "--user", "alice:pw", "-T", msg)
	if ok || !strings.Contains(out, "< 550 5.5.2 ") || !strings.Contains(out, "--crlf") {
		t.Errorf("ok=%v, want a 550 refusal:\n%s", ok, out)
	}
	out, ok = run(t, "", curl, "-sS", "--crlf", "--url", "smtp://"+w.com.sub.Addr, "--ssl-reqd", "--cacert", w.caFile,
		"--mail-from", "alice@example.com", "--mail-rcpt", "carol@example.com", "--user", "alice:pw", "-T", msg)
	if !ok {
		t.Fatalf("curl --crlf failed:\n%s", out)
	}
	raw := string(waitMessages(t, w.com.store, "carol", 1)[0].Raw)
	if !strings.HasSuffix(raw, "Subject: unix file\r\n\r\nLF only.\r\n") {
		t.Errorf("stored:\n%q", raw)
	}
}

const pythonSubmit = `
import os, smtplib, ssl
from email.message import EmailMessage
ctx = ssl.create_default_context(cafile=os.environ["CA"])
m = EmailMessage()
m["From"] = "alice@example.com"
m["To"] = "carol@example.com"
m["Subject"] = "from python"
m.set_content("Sent with smtplib.\n.\n..\n")
with smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="py.example.com", timeout=20) as s:
    s.starttls(context=ctx)
    s.login("alice", "pw")
    s.send_message(m)
print("sent")
`

func TestPythonSmtplibSubmitsOverSTARTTLS(t *testing.T) {
	py := testutil.NeedPython(t)
	w := newWorld(t)
	cmd := exec.Command(py, "-c", pythonSubmit)
	cmd.Env = append(os.Environ(), "CA="+w.caFile, "PORT="+w.com.sub.Port)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	raw := string(waitMessages(t, w.com.store, "carol", 1)[0].Raw)
	for _, want := range []string{"Received: from py.example.com ([127.0.0.1])\r\n\tby smtp.example.com with ESMTPSA", "Sent with smtplib.\r\n.\r\n..\r\n"} {
		if !strings.Contains(raw, want) {
			t.Errorf("stored message lacks %q:\n%s", want, raw)
		}
	}
}

func TestOpenSSLVerifiesEachRole(t *testing.T) {
	openssl := testutil.NeedTool(t, "openssl")
	w := newWorld(t)
	tests := []struct {
		name, addr, host string
		starttls         bool
	}{
		{"587 role with STARTTLS", w.com.sub.Addr, "smtp.example.com", true},
		{"465 role with implicit TLS", w.com.smtps.Addr, "smtp.example.com", false},
		{"25 role with STARTTLS", w.com.mx.Addr, "mx.example.com", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"s_client", "-connect", tc.addr, "-CAfile", w.caFile, "-verify_return_error", "-verify_hostname", tc.host}
			if tc.starttls {
				args = append(args, "-starttls", "smtp")
			}
			out, ok := run(t, "", openssl, args...)
			if !ok || !strings.Contains(out, "Verify return code: 0 (ok)") {
				t.Errorf("ok=%v\n%s", ok, out)
			}
		})
	}
	// And a name the certificate does not hold fails.
	out, ok := run(t, "", openssl, "s_client", "-connect", w.com.sub.Addr, "-starttls", "smtp", "-CAfile", w.caFile,
		"-verify_return_error", "-verify_hostname", "smtp.example.org")
	if ok {
		t.Errorf("verification of the wrong name succeeded:\n%s", out)
	}
}
