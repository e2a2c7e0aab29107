package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailsim/exercises"
	"mailsim/internal/testutil"
	"mailsim/sim/roles"
)

// standing reads one student's status on one exercise.
func standing(tr *exercises.Tracker, student, id string) exercises.Cell {
	tr.Update()
	c, ok := tr.Board().Cell(student, id)
	if !ok {
		panic("no cell " + student + "/" + id)
	}
	return c
}

// waitStanding waits until a student's status on an exercise is want.
func waitStanding(t *testing.T, tr *exercises.Tracker, student, id string, want exercises.Status) exercises.Cell {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := standing(tr, student, id)
		if c.Status == want {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s: %s, want %s; evidence %q", student, id, c.Status, want, c.Evidence)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runExit runs a tool that may fail and returns its output and exit code.
func runExit(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out), 0
}

// Real clients drive every built-in exercise to done (student01), some the
// wrong way to "tried" (student02), and a student who does nothing stays at
// "not yet" (student04). The results and the sheet follow.
func TestServeBuiltinExercisesWithRealClients(t *testing.T) {
	var tr *exercises.Tracker
	var results, sheet string
	s := startServe(t, func(o *serveOptions) {
		o.Exercises = "builtin"
		results = filepath.Join(filepath.Dir(o.CAFile), "out", "results")
		sheet = filepath.Join(filepath.Dir(o.CAFile), "sheet.md")
		o.ResultsFile, o.SheetFile = results, sheet
		o.tracked = func(t *exercises.Tracker) { tr = t }
	})
	a, b := s.account(1), s.account(2)
	port := func(r roles.Role) string { return strconv.Itoa(s.port(r)) }
	py := func(t *testing.T, script string, args ...string) {
		runPythonOK(t, script, append([]string{s.ca, port(roles.POP3), port(roles.IMAP), port(roles.Submission)}, args...)...)
	}

	t.Run("pop3-keep: fetchmail with keep", func(t *testing.T) {
		fm := testutil.NeedTool(t, "fetchmail")
		dir := t.TempDir()
		rc := filepath.Join(dir, "fetchmailrc")
		os.WriteFile(rc, []byte(fmt.Sprintf("poll localhost protocol pop3 port %d user %q password %q sslproto TLS1.2+ sslcertck sslcertfile %q keep mda \"/bin/sh -c 'cat >> %s'\"\n",
			s.port(roles.POP3), a.Name(), a.Password, s.ca, filepath.Join(dir, "mbox"))), 0o600)
		cmd := exec.Command(fm, "-f", rc, "--nosyslog", "--nodetach", "--all")
		cmd.Env = append(os.Environ(), "HOME="+dir, "FETCHMAILHOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("fetchmail: %v\n%s", err, out)
		}
		c := waitStanding(t, tr, a.Name(), "pop3-keep", exercises.Done)
		if !strings.Contains(strings.Join(c.Evidence, "\n"), "C: RETR 1") {
			t.Errorf("evidence %q", c.Evidence)
		}
	})
	pop3Delete := func(t *testing.T, u, p string) {
		py(t, `
import poplib, ssl, sys
ca, p3, _, _, u, p = sys.argv[1:7]
q = poplib.POP3("localhost", int(p3)); q.stls(ssl.create_default_context(cafile=ca))
q.user(u); q.pass_(p); q.retr(1); q.dele(1); q.quit()
print("ok")`, u, p)
		waitStanding(t, tr, u, "pop3-delete", exercises.Done)
	}
	t.Run("pop3-delete: python poplib; the same session is the wrong way for pop3-keep", func(t *testing.T) {
		pop3Delete(t, b.Name(), b.Password)
		waitStanding(t, tr, b.Name(), "pop3-keep", exercises.Tried)
	})
	t.Run("imap-seen and imap-delete: two python imaplib clients", func(t *testing.T) {
		py(t, `
import imaplib, ssl, sys
ca, _, pi, _, u, p = sys.argv[1:7]
def client():
    m = imaplib.IMAP4("localhost", int(pi)); m.starttls(ssl.create_default_context(cafile=ca)); m.login(u, p)
    typ, _ = m.select("INBOX"); assert typ == "OK"
    return m
one, two = client(), client()
typ, data = one.fetch("2", "(BODY[])"); assert typ == "OK", data
typ, data = two.fetch("2", "(FLAGS)"); assert b"\\Seen" in data[0], data
one.store("3", "+FLAGS", "(\\Deleted)"); typ, data = one.expunge(); assert typ == "OK", data
typ, data = two.noop(); assert typ == "OK"
one.logout(); two.logout()
print("ok")`, a.Name(), a.Password)
		c := waitStanding(t, tr, a.Name(), "imap-seen", exercises.Done)
		ev := strings.Join(c.Evidence, "\n")
		if strings.Count(ev, "session #") != 2 || !strings.Contains(ev, `\Seen`) {
			t.Errorf("evidence:\n%s", ev)
		}
		c = waitStanding(t, tr, a.Name(), "imap-delete", exercises.Done)
		if ev := strings.Join(c.Evidence, "\n"); !strings.Contains(ev, "EXPUNGE") {
			t.Errorf("evidence:\n%s", ev)
		}
	})
	t.Run("imap-archive: curl", func(t *testing.T) {
		curl := testutil.NeedTool(t, "curl")
		base := fmt.Sprintf("imaps://127.0.0.1:%d/", s.port(roles.IMAPS))
		runTool(t, curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password, base, "-X", "CREATE Archive")
		runTool(t, curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password, base+"INBOX", "-X", "MOVE 1 Archive")
		waitStanding(t, tr, a.Name(), "imap-archive", exercises.Done)
	})
	t.Run("relay: swaks with STARTTLS and AUTH; without STARTTLS is the wrong way", func(t *testing.T) {
		swaks := testutil.NeedTool(t, "swaks")
		common := []string{"--server", "localhost", "--port", port(roles.Submission), "--header", "Subject: two hops"}
		runTool(t, swaks, append(common, "--auth", "PLAIN", "--auth-user", b.Name(), "--auth-password", b.Password,
			"--from", b.Address(), "--to", b.Name()+"@example.org")...)
		waitStanding(t, tr, b.Name(), "relay", exercises.Tried)
		runTool(t, swaks, append(common, "--tls", "--tls-verify", "--tls-ca-path", s.ca, "--auth", "PLAIN", "--auth-user", a.Name(),
			"--auth-password", a.Password, "--from", a.Address(), "--to", a.Name()+"@example.org")...)
		c := waitStanding(t, tr, a.Name(), "relay", exercises.Done)
		ev := strings.Join(c.Evidence, "\n")
		if !strings.Contains(ev, "submission at example.com, STARTTLS") || !strings.Contains(ev, "mx at example.org") {
			t.Errorf("evidence:\n%s", ev)
		}
	})
	t.Run("implicit-tls: curl imaps and pop3s, swaks on smtps", func(t *testing.T) {
		curl, swaks := testutil.NeedTool(t, "curl"), testutil.NeedTool(t, "swaks")
		for _, u := range []string{"imaps://127.0.0.1:" + port(roles.IMAPS) + "/INBOX", "pop3s://127.0.0.1:" + port(roles.POP3S) + "/"} {
			runTool(t, curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password, u)
		}
		waitStanding(t, tr, a.Name(), "implicit-tls", exercises.Tried)
		runTool(t, swaks, "--server", "localhost", "--port", port(roles.SMTPS), "--tls-on-connect", "--tls-verify", "--tls-ca-path", s.ca,
			"--auth", "PLAIN", "--auth-user", a.Name(), "--auth-password", a.Password, "--from", a.Address(), "--to", b.Address())
		waitStanding(t, tr, a.Name(), "implicit-tls", exercises.Done)
	})
	t.Run("open-relay: swaks on port 25", func(t *testing.T) {
		swaks := testutil.NeedTool(t, "swaks")
		out, code := runExit(t, swaks, "--server", "localhost", "--port", port(roles.MX), "--from", a.Address(), "--to", "someone@elsewhere.test")
		if code == 0 || !strings.Contains(out, "554") {
			t.Fatalf("swaks exit %d:\n%s", code, out)
		}
		c := waitStanding(t, tr, a.Name(), "open-relay", exercises.Done)
		if !strings.Contains(strings.Join(c.Evidence, "\n"), "Relay access denied") {
			t.Errorf("evidence %q", c.Evidence)
		}
	})
	t.Run("pop3-delete for student01 too", func(t *testing.T) { pop3Delete(t, a.Name(), a.Password) })

	board := tr.Board()
	done := 0
	for i, st := range board.Students {
		for j, ex := range board.Exercises {
			c := board.Cells[i][j]
			if c.Status == exercises.Done {
				done++
			}
			if st.Name == "student01" && c.Status != exercises.Done && !t.Failed() {
				t.Errorf("student01 has not done %s: %s", ex.ID, c.Status)
			}
			if st.Name == "student02" && ex.ID == "open-relay" && c.Status != exercises.NotYet {
				t.Errorf("student02's relayed mail (MAIL FROM on example.org's port 25) counts as an open relay attempt: %s", c.Status)
			}
			if st.Name == "student04" && c.Status != exercises.NotYet {
				t.Errorf("student04, who did nothing, is %s on %s", c.Status, ex.ID)
			}
		}
	}
	if board.Completions != done {
		t.Errorf("%d completions recorded for %d done cells", board.Completions, done)
	}
	// The sheet lists the exercises with this classroom's ports.
	sh, _ := os.ReadFile(sheet)
	for _, want := range []string{"## Exercises", "### 6. Send mail to the other provider", fmt.Sprintf("| smtp.example.com | %d | STARTTLS |", s.port(roles.Submission))} {
		if !strings.Contains(string(sh), want) {
			t.Errorf("sheet lacks %q", want)
		}
	}
	// Stopping serve writes the results.
	s.stop()
	select {
	case err := <-s.result:
		if err != nil {
			t.Fatal(err)
		}
		s.result <- nil // for startServe's cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	f, err := os.Open(results + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 1+len(board.Students)*len(board.Exercises) {
		t.Fatalf("results.csv: %d rows, %v", len(rows), err)
	}
	md, _ := os.ReadFile(results + ".md")
	if !strings.Contains(string(md), "| Download with POP3 and delete from the server | 2 |") {
		t.Errorf("results.md:\n%s", md)
	}
}

func TestServeRefusesABadExerciseFileAtFileLineCol(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("mailsim-exercise: 1\nid: mine\ntitle: T\ntask: do it\ndone:\n  - session: {rol: imap}\n"), 0o644)
	_, errs, code := runCLI(t, "serve", "--exercises", dir, "--no-tui")
	want := filepath.Join(dir, "mine.yaml") + `:6:15: unknown key "rol" in session`
	if code != 2 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, %q; want 2 and %q", code, errs, want)
	}
	_, errs, code = runCLI(t, "serve", "--results", filepath.Join(dir, "r"), "--no-tui")
	if code != 2 || !strings.Contains(errs, "--results needs --exercises") {
		t.Errorf("exit %d, %q", code, errs)
	}
}
