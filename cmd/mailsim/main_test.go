package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailsim/lessons"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// runCLI runs the command line as main would and returns stdout, stderr
// and the exit code.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	code := 0
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
			if ee.msg != "" {
				errb.WriteString("mailsim: " + ee.msg + "\n")
			}
		} else {
			code = 1
			errb.WriteString("mailsim: " + err.Error() + "\n")
		}
	}
	return out.String(), errb.String(), code
}

func TestEveryBuiltinLessonMatchesItsGoldenTranscript(t *testing.T) {
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		t.Run(l.ID, func(t *testing.T) {
			out, errs, code := runCLI(t, "run", l.ID, "--plain", "--deterministic", "--timestamps")
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, errs, out)
			}
			golden := filepath.Join("testdata", "golden", l.ID+".txt")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./cmd/mailsim -run Golden -update` to create it)", err)
			}
			if out != string(want) {
				t.Errorf("transcript differs from %s (rerun with -update if the change is intended):\n%s", golden, firstDiff(string(want), out))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:", i+1) + "\n  want: " + w + "\n  got:  " + g
		}
	}
	return "(no difference?)"
}

func TestPop3BasicsEndsWithTheServerEmptyAndTheLaptopHoldingTheMail(t *testing.T) {
	out, errs, code := runCLI(t, "run", "pop3-basics", "--plain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	end := out[strings.LastIndex(out, "At the end:"):]
	if !strings.Contains(end, "server example.com alice/INBOX: empty") {
		t.Errorf("the server INBOX is not empty at the end:\n%s", end)
	}
	if !strings.Contains(end, "device laptop") || !strings.Contains(end, "3 messages local") {
		t.Errorf("the laptop does not hold 3 messages at the end:\n%s", end)
	}
}

func TestRunRefusesPlainFalseInOneLineThatNamesTheApp(t *testing.T) {
	out, errs, code := runCLI(t, "run", "pop3-basics", "--plain=false")
	if code != 2 || out != "" || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "mailsim learn pop3-basics") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line naming mailsim learn", code, out, errs)
	}
}

func TestAFailingExpectationExitsOne(t *testing.T) {
	dir := t.TempDir()
	lesson := `mailsim-lesson: 1
id: wrong-guess
group: pop3
title: A lesson that expects the wrong reply
summary: It expects -ERR where the server says +OK.
seed:
  users:
    - name: alice
      password: wonderland
actors:
  - name: laptop
    protocol: pop3
    client: a test
    user: alice
steps:
  - connect: laptop
    expect: "-ERR"
`
	os.WriteFile(filepath.Join(dir, "wrong.yaml"), []byte(lesson), 0o644)
	out, errs, code := runCLI(t, "run", "wrong-guess", "--lessons", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	if !strings.Contains(errs, "wrong.yaml:16:") || !strings.Contains(errs, `expected a reply starting with "-ERR"`) {
		t.Errorf("stderr = %q, want file:line and the expectation", errs)
	}
}

func TestValidateReportsFileLineColAndExitsOne(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("mailsim-lesson: 1\nid: x\ncolour: red\n"), 0o644)
	_, errs, code := runCLI(t, "validate", bad)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errs, bad+":3:1:") {
		t.Errorf("stderr = %q, want %s:3:1: ...", errs, bad)
	}
	out, _, code := runCLI(t, "validate", filepath.Join("..", "..", "lessons", "builtin", "pop3-basics.yaml"))
	if code != 0 || !strings.Contains(out, "ok") {
		t.Errorf("a good lesson: exit %d, %q", code, out)
	}
}

func TestBadFlagsGiveOneLineAndExitTwo(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"an unknown flag", []string{"run", "pop3-basics", "--colour"}, "run: unknown flag -colour; see mailsim run --help"},
		{"an unknown lesson", []string{"run", "no-such-lesson"}, `no lesson "no-such-lesson"`},
		{"run without a lesson", []string{"run"}, "name one lesson"},
		{"validate without files", []string{"validate"}, "name at least one lesson file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := runCLI(t, tt.args...)
			if code != 2 || out != "" {
				t.Errorf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", errs, tt.want)
			}
		})
	}
}

func TestHelpPrintsUsage(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"lessons", "--help"}, {"validate", "-h"}} {
		out, _, code := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "Usage") && !strings.Contains(out, "mailsim") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

func TestLessonsListsTheBuiltins(t *testing.T) {
	out, _, code := runCLI(t, "lessons")
	if code != 0 {
		t.Fatal(code)
	}
	for _, id := range []string{"pop3-basics", "pop3-keep-copy", "pop3-drop-before-quit"} {
		if !strings.Contains(out, id) {
			t.Errorf("lessons output lacks %s:\n%s", id, out)
		}
	}
}
