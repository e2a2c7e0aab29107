package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
)

func TestVersionNamesTheModuleAndTheGoVersion(t *testing.T) {
	for _, flag := range []string{"--version", "-version"} {
		out, errs, code := runCLI(t, flag)
		if code != 0 || errs != "" {
			t.Fatalf("%s: exit %d, stderr %q", flag, code, errs)
		}
		if !strings.HasPrefix(out, "mailsim ") || !strings.Contains(out, runtime.Version()) || strings.Count(out, "\n") != 1 {
			t.Errorf("%s printed %q; want one line: mailsim VERSION [commit ...] GOVERSION", flag, out)
		}
	}
}

func TestEveryCommandRejectsAnUnknownFlagInOneLineThatSaysWhereTheHelpIs(t *testing.T) {
	cases := [][]string{{"--no-such-flag"}}
	for _, c := range commands {
		cases = append(cases, []string{c.name, "--no-such-flag"})
	}
	for _, args := range cases {
		out, errs, code := runCLI(t, args...)
		cmd := "mailsim"
		if len(args) > 1 {
			cmd += " " + args[0]
		}
		want := "unknown flag -no-such-flag; see " + cmd + " --help\n"
		if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasSuffix(errs, want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, no stdout, one line ending %q", args, code, out, errs, want)
		}
	}
	// A flag's bad value is one line too.
	_, errs, code := runCLI(t, "bench", "--proto", "pop3", "--conns", "many")
	if code != 2 || strings.Count(errs, "\n") != 1 {
		t.Errorf("bench --conns many: exit %d, stderr %q", code, errs)
	}
}

func TestEveryCommandsHelpGoesToStdoutAndExitsZero(t *testing.T) {
	for _, c := range commands {
		out, errs, code := runCLI(t, c.name, "--help")
		if code != 0 || errs != "" || !strings.HasPrefix(out, "Usage: mailsim "+c.name) {
			t.Errorf("%s --help: exit %d, stderr %q, stdout %q", c.name, code, errs, out)
		}
	}
	out, _, _ := runCLI(t, "--help")
	for _, c := range commands {
		if !strings.Contains(out, "\n  "+c.name) {
			t.Errorf("mailsim --help does not list %s:\n%s", c.name, out)
		}
	}
}

// groupHeadings are the group headings `mailsim lessons` printed, in order.
func groupHeadings(out string) []string {
	var h []string
	for _, line := range strings.Split(out, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") {
			h = append(h, line)
		}
	}
	return h
}

func TestLessonsListsGroupsInThePickersOrderInTheLearnersLanguage(t *testing.T) {
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var want []string // the picker's order, from the one table both use
	for _, l := range lessons.SortByGroup(list) {
		if len(want) == 0 || want[len(want)-1] != l.Group {
			want = append(want, l.Group)
		}
	}
	if want[0] != "pop3" {
		t.Fatalf("the group order starts with %s, want pop3", want[0])
	}
	heading := func(lang, g string) string { return strings.ToUpper(i18n.Word(lang, lessons.GroupTitle(g))) }

	out, _, code := runCLI(t, "lessons")
	if code != 0 {
		t.Fatal(code)
	}
	got := groupHeadings(out)
	for i, g := range want {
		if i >= len(got) || got[i] != heading("en", g) {
			t.Fatalf("English headings %q, want the order %q", got, want)
		}
	}
	if !strings.Contains(out, " steps ") || !strings.Contains(out, "POP3 basics") {
		t.Errorf("English listing:\n%s", out)
	}

	for _, how := range []string{"--lang vi", "LANG=vi_VN.UTF-8"} {
		var out string
		if how == "LANG=vi_VN.UTF-8" {
			vietnameseEnv(t)
			out, _, code = runCLI(t, "lessons")
		} else {
			out, _, code = runCLI(t, "lessons", "--lang", "vi")
		}
		if code != 0 {
			t.Fatalf("%s: exit %d", how, code)
		}
		got := groupHeadings(out)
		if len(got) != len(want) || got[3] != heading("vi", "compare") || got[3] == heading("en", "compare") {
			t.Errorf("%s: headings %q, want the Vietnamese headings in the picker's order", how, got)
		}
		if !strings.Contains(out, " bước ") || !strings.Contains(out, "POP3 cơ bản") {
			t.Errorf("%s: titles or words not in Vietnamese:\n%s", how, out)
		}
	}
}

func TestNewLessonPrintsTheRealFolderAndTheCommandItPrintsWorks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my lessons")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "demo.yaml")
	_, errs, code := runCLI(t, "new-lesson", "demo", "-o", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "mailsim run demo --lessons '" + dir + "'"
	if !strings.Contains(errs, want) || strings.Contains(errs, "DIR") {
		t.Fatalf("new-lesson said %q; want it to name the folder: %s", errs, want)
	}
	if _, errs, code := runCLI(t, "run", "demo", "--lessons", dir); code != 0 {
		t.Errorf("the printed command fails: exit %d: %s", code, errs)
	}
}

func TestValidateGivesTheLineAndColumnOfAYAMLSyntaxError(t *testing.T) {
	text, err := lessonTemplate("demo", true)
	if err != nil {
		t.Fatal(err)
	}
	// Indent one key of a late step by one space too few: yaml.v3 itself
	// reports the line where the list of steps begins.
	lines := strings.Split(text, "\n")
	stepsAt, badAt := 0, 0
	for i, l := range lines {
		if l == "steps:" {
			stepsAt = i + 1
		}
		if l == "  - send: STAT" {
			badAt = i + 2
			for strings.HasPrefix(strings.TrimSpace(lines[badAt-1]), "#") {
				badAt++
			}
			lines[badAt-1] = "   " + strings.TrimSpace(lines[badAt-1])
			break
		}
	}
	if stepsAt == 0 || badAt == 0 {
		t.Fatal("the template has changed: no steps: or no STAT step")
	}
	file := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errs, code := runCLI(t, "validate", file)
	want := file + ":" + strconv.Itoa(badAt) + ":4: YAML: did not find expected '-' indicator (in \"steps\", which begins at line " + strconv.Itoa(stepsAt) + ")\n"
	if code != 1 || errs != want {
		t.Errorf("exit %d, stderr\n%s\nwant\n%s", code, errs, want)
	}
}

func TestAMistypedLessonIDGetsASuggestion(t *testing.T) {
	for _, args := range [][]string{
		{"run", "pop3-basic"},
		{"record", "pop3-basic", "-o", filepath.Join(t.TempDir(), "x.yaml")},
		{"learn", "pop3-basic"},
	} {
		out, errs, code := runCLI(t, args...)
		want := args[0] + `: no lesson "pop3-basic"; did you mean pop3-basics? (see mailsim lessons)` + "\n"
		if code != 2 || out != "" || !strings.HasSuffix(errs, want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", args, code, errs, want)
		}
	}
	_, errs, _ := runCLI(t, "run", "thunderbird")
	if strings.Contains(errs, "did you mean") {
		t.Errorf("a guess for an id near nothing: %q", errs)
	}
}

func TestSavedTranscriptsBesideLessonsAreSkippedWithOneWarningLine(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := runCLI(t, "new-lesson", "demo", "-o", filepath.Join(dir, "demo.yaml")); code != 0 {
		t.Fatal(errs)
	}
	// Two real transcripts, saved where the learner keeps the lesson.
	for id, name := range map[string]string{"demo": "demo-1.mailsim.yaml", "pop3-basics": "pop3-basics-2.mailsim.yaml"} {
		if _, errs, code := runCLI(t, "record", id, "--lessons", dir, "-o", filepath.Join(dir, name)); code != 0 {
			t.Fatalf("record %s: %s", id, errs)
		}
	}
	out, errs, code := runCLI(t, "lessons", "--lessons", dir)
	wantWarn := "mailsim: " + dir + ": skipped files that are not a lesson (demo-1.mailsim.yaml, pop3-basics-2.mailsim.yaml)\n"
	if code != 0 || errs != wantWarn || !strings.Contains(out, "demo") {
		t.Errorf("lessons --lessons: exit %d\nstderr %q\nwant   %q", code, errs, wantWarn)
	}
	if _, errs, code := runCLI(t, "run", "demo", "--lessons", dir); code != 0 || strings.Count(errs, "\n") != 1 {
		t.Errorf("run --lessons: exit %d, stderr %q", code, errs)
	}
	out, errs, code = runCLI(t, "validate", dir)
	if code != 0 || !strings.Contains(out, "demo-1.mailsim.yaml: skipped, not a lesson") || !strings.Contains(out, "demo.yaml: ok") {
		t.Errorf("validate DIR: exit %d\n%s%s", code, out, errs)
	}
}
