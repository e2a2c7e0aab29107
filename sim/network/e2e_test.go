package network

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
)

// TestSwaksToImaplibAcrossTwoProviders sends with swaks to example.com's
// submission server, lets example.com's MTA relay to example.org's MX, and
// reads the message with python's imaplib from example.org's IMAPS server:
// the headers name both hops.
func TestSwaksToImaplibAcrossTwoProviders(t *testing.T) {
	swaks := testutil.NeedTool(t, "swaks")
	python := testutil.NeedPython(t)
	n, err := Start(Options{Roles: []roles.Role{roles.Submission, roles.MX, roles.IMAPS}, RunRelays: true,
		RetryDelays: []time.Duration{50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	com, _ := n.Provider(DomainCom)
	org, _ := n.Provider(DomainOrg)
	com.Store.AddUser("alice", "wonderland")
	org.Store.AddUser("bob", "builder")
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := n.CA.SaveCA(ca); err != nil {
		t.Fatal(err)
	}
	sub, _ := com.Server(roles.Submission)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, swaks, "--server", sub.Addr, "--tls", "--tls-verify", "--tls-ca-path", ca,
		"--tls-sni", "smtp.example.com", "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "wonderland",
		"--from", "alice@example.com", "--to", "bob@example.org", "--header", "Subject: two hops",
		"--body", "Hello Bob.").CombinedOutput()
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if info, _ := org.Store.Mailbox("bob", mailstore.Inbox); info.Messages > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the relay never delivered to bob@example.org")
		}
	}
	imaps, _ := org.Server(roles.IMAPS)
	host, port, _ := strings.Cut(imaps.Addr, ":")
	script := `
import imaplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[3])
m = imaplib.IMAP4_SSL(sys.argv[1], int(sys.argv[2]), ssl_context=ctx)
m.login("bob", "builder")
m.select("INBOX")
typ, data = m.fetch("1", "(BODY.PEEK[HEADER])")
sys.stdout.write(data[0][1].decode())
m.logout()
`
	out, err = exec.CommandContext(ctx, python, "-W", "error", "-c", script, host, port, ca).CombinedOutput()
	if err != nil {
		t.Fatalf("imaplib: %v\n%s", err, out)
	}
	hdr := string(out)
	mx := strings.Index(hdr, "by mx.example.org with ESMTPS")
	smtp := strings.Index(hdr, "by smtp.example.com with ESMTPSA")
	if mx < 0 || smtp < 0 || mx > smtp {
		t.Errorf("want a Received header by mx.example.org above one by smtp.example.com:\n%s", hdr)
	}
	if !strings.Contains(hdr, "Subject: two hops") {
		t.Errorf("headers lack the subject:\n%s", hdr)
	}
}
