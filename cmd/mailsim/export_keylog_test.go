package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mailsim/internal/testutil"
)

// The capture of a lesson shows its TLS sessions as an eavesdropper sees
// them; with the key log export --keylog writes beside it, tshark shows
// the same sessions decrypted: IMAP on 993 and after STARTTLS on 143,
// SMTP after STARTTLS on 587.
func TestTsharkDecryptsTheCaptureWithTheExportedKeyLog(t *testing.T) {
	tshark := testutil.NeedTool(t, "tshark")
	dir := t.TempDir()
	pcap, keys := filepath.Join(dir, "tls.pcap"), filepath.Join(dir, "tls.keys")
	if _, errs, code := runCLI(t, "export", record(t, "ports-and-tls"), "--to", "pcap", "-o", pcap, "--keylog", keys); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	log, _ := os.ReadFile(keys)
	if !strings.Contains(string(log), "CLIENT_TRAFFIC_SECRET_0 ") {
		t.Fatalf("key log:\n%s", log)
	}
	fields := func(filter, field string, keylog bool) string {
		args := []string{"-r", pcap, "-Y", filter, "-T", "fields", "-e", field}
		if keylog {
			args = append([]string{"-o", "tls.keylog_file:" + keys}, args...)
		}
		out, err := exec.Command(tshark, args...).Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		return strings.Join(strings.Fields(strings.ToUpper(string(out))), " ")
	}
	blind := fields("imap.request", "imap.request.command", false)
	seen := fields("imap.request", "imap.request.command", true)
	// The lesson logs in once in the clear on 143 (what not to do), once on
	// 993 and once on 143 after STARTTLS; it sends over SMTP in the clear,
	// on 465 and on 587 after STARTTLS.
	if blind != "LOGIN LOGOUT STARTTLS" {
		t.Errorf("without the keys tshark sees IMAP %q; want only the clear session and the STARTTLS", blind)
	}
	if !strings.Contains(seen, "STARTTLS LOGIN LOGOUT") || strings.Count(seen, "LOGIN") != 3 {
		t.Errorf("with the keys tshark sees IMAP %q; want the logins on 993 and after STARTTLS too", seen)
	}
	blindSMTP, seenSMTP := fields("smtp.req", "smtp.req.command", false), fields("smtp.req", "smtp.req.command", true)
	if strings.Count(seenSMTP, "AUTH") != strings.Count(blindSMTP, "AUTH")+2 || !strings.Contains(seenSMTP, "EHLO AUTH QUIT EHLO AUTH QUIT") {
		t.Errorf("SMTP without the keys %q, with %q; want AUTH on 465 and after STARTTLS on 587 seen with them", blindSMTP, seenSMTP)
	}
}

func TestExportKeyLogGoesWithPCAPOnly(t *testing.T) {
	_, errs, code := runCLI(t, "export", record(t, "pop3-basics"), "--to", "markdown", "--keylog", filepath.Join(t.TempDir(), "k"))
	if code != 2 || !strings.Contains(errs, "--keylog goes with --to pcap or pcapng") {
		t.Errorf("exit %d, %q", code, errs)
	}
}
