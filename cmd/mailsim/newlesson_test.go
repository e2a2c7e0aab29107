package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewLessonTemplateValidatesAndRuns(t *testing.T) {
	for _, langs := range []string{"en,vi", "en"} {
		t.Run(langs, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "my-first.yaml")
			_, errs, code := runCLI(t, "new-lesson", "my-first", "-o", file, "--langs", langs)
			if code != 0 {
				t.Fatalf("new-lesson: exit %d: %s", code, errs)
			}
			if out, errs, code := runCLI(t, "validate", file); code != 0 || out != file+": ok\n" {
				t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
			}
			if out, errs, code := runCLI(t, "validate", dir); code != 0 || out != file+": ok\n" {
				t.Fatalf("validate DIR: exit %d\n%s%s", code, out, errs)
			}
			out, errs, code := runCLI(t, "run", "my-first", "--lessons", dir, "--deterministic", "--lang", "en")
			if code != 0 || !strings.Contains(out, "Result: passed — 12 steps, 3 checks passed, 0 failed") {
				t.Fatalf("run: exit %d\n%s%s", code, out, errs)
			}
			if out, _, _ := runCLI(t, "lessons", "--lessons", dir); !strings.Contains(out, "my-first") {
				t.Errorf("lessons --lessons does not list it:\n%s", out)
			}
			out, _, code = runCLI(t, "run", "my-first", "--lessons", dir, "--lang", "vi")
			want := "Bài học đầu tiên"
			if langs == "en" {
				want = "My first lesson" // English texts, Vietnamese words around them
			}
			if code != 0 || !strings.Contains(out, want) || !strings.Contains(out, "Kết quả: đạt") {
				t.Errorf("run --lang vi: exit %d\n%s", code, out)
			}
		})
	}
}

func TestNewLessonWritesNAMEyamlAndNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, errs, code := runCLI(t, "new-lesson", "pop3-mine"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "pop3-mine.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runCLI(t, "new-lesson", "pop3-mine"); code != 1 || !strings.Contains(errs, "already exists") {
		t.Errorf("a second new-lesson: exit %d, %q", code, errs)
	}
	out, _, code := runCLI(t, "new-lesson", "pop3-other", "-o", "-")
	if code != 0 || !strings.HasPrefix(out, "mailsim-lesson: 1\n") || !strings.Contains(out, "id: pop3-other\n") {
		t.Errorf("-o -: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"new-lesson"}, {"new-lesson", "My Lesson"}, {"new-lesson", "x", "--langs", "fr"}} {
		if _, _, code := runCLI(t, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// A trainer's own lesson, in a folder of their own: it loads beside the
// built-in ones, and runs.
const trainerLesson = `mailsim-lesson: 1
id: trainer-imap-flags
group: imap
title: {en: "Flags follow the message", vi: "Cờ đi theo thư"}
summary: {en: "The phone reads a message; the server remembers.", vi: "Điện thoại đọc thư; máy chủ ghi nhớ."}
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - {from: bob@example.org, subject: Hello, body: "Hi Alice"}
actors:
  - name: phone
    protocol: imap
    client: {en: a phone, vi: một điện thoại}
    user: alice
steps:
  - connect: phone
    expect: OK
    covers: [imap.flow]
  - send: a1 LOGIN alice wonderland
    expect: OK
  - send: a2 SELECT INBOX
    expect: OK
  - send: a3 FETCH 1 BODY[]
    expect: OK
  - check: {server: alice/INBOX, uid: 1, flags: ['\Seen']}
  - disconnect: phone
`

func TestATrainersLessonLoadsAndRuns(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "flags.yaml"), []byte(trainerLesson), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errs, code := runCLI(t, "validate", dir); code != 0 {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code := runCLI(t, "run", "trainer-imap-flags", "--lessons", dir, "--lang", "vi")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, `✓ thư UID 1 có trong hộp thư INBOX của alice@example.com trên máy chủ, với các cờ (\Seen)`) {
		t.Errorf("the check's result:\n%s", out)
	}
	out, _, _ = runCLI(t, "lessons", "--lessons", dir)
	if !strings.Contains(out, "trainer-imap-flags") || !strings.Contains(out, "pop3-basics") {
		t.Errorf("lessons --lessons lists the built-ins and the trainer's:\n%s", out)
	}
}

// lineCol is the line and column of the first occurrence of marker in s.
func lineCol(s, marker string) (int, int) {
	i := strings.Index(s, marker)
	if i < 0 {
		return 0, 0
	}
	before := s[:i]
	return strings.Count(before, "\n") + 1, i - strings.LastIndex(before, "\n")
}

func TestValidateCatchesATrainersMistakesAtFileLineCol(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, marker, msg string
	}{
		{"a misspelt key", "    expect: OK\n    covers", "    expext: OK\n    covers", "expext", `unknown key "expext"`},
		{"a reply status IMAP cannot send", "  - send: a2 SELECT INBOX\n    expect: OK", "  - send: a2 SELECT INBOX\n    expect: +OK", "+OK", `cannot match a IMAP reply`},
		{"a text without its Vietnamese", "client: {en: a phone, vi: một điện thoại}", "client: a phone", "a phone", "client has no vi text"},
		{"an unknown claim", "covers: [imap.flow]", "covers: [imap.flaw]", "imap.flaw", `unknown claim "imap.flaw"`},
		{"an unknown actor", "  - connect: phone\n", "  - connect: tablet\n", "tablet", `unknown actor "tablet"`},
		{"a check of nobody", "{server: alice/INBOX, uid: 1", "{server: carol/INBOX, uid: 1", "carol/INBOX", "carol@example.com is not a seed user"},
		{"a seed file that is not there", `{from: bob@example.org, subject: Hello, body: "Hi Alice"}`, `{file: hello.eml}`, "hello.eml", `file "hello.eml": not found`},
		{"a built-in lesson's id", "id: trainer-imap-flags", "id: pop3-basics", "pop3-basics", `is a built-in lesson's`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(trainerLesson, tc.old) {
				t.Fatalf("the lesson lacks %q", tc.old)
			}
			text := strings.Replace(trainerLesson, tc.old, tc.new, 1)
			dir := t.TempDir()
			file := filepath.Join(dir, "mine.yaml")
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, errs, code := runCLI(t, "validate", file)
			if code != 1 {
				t.Fatalf("exit %d, want 1: %s", code, errs)
			}
			line, col := lineCol(text, tc.marker)
			at := fmt.Sprintf("%s:%d:%d: ", file, line, col)
			if !strings.Contains(errs, at) || !strings.Contains(errs, tc.msg) {
				t.Errorf("stderr = %q, want %s and %q", errs, at, tc.msg)
			}
			// run refuses the folder the same way.
			if _, errs, code := runCLI(t, "run", "trainer-imap-flags", "--lessons", dir); code == 0 || !strings.Contains(errs, at) {
				t.Errorf("run --lessons: exit %d, %q", code, errs)
			}
		})
	}
}

func TestValidateCatchesTwoLessonsWithOneID(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a.yaml", "b.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(trainerLesson), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, errs, code := runCLI(t, "validate", dir)
	line, col := lineCol(trainerLesson, "trainer-imap-flags")
	if want := fmt.Sprintf("%s:%d:%d: lesson id %q is already used by", filepath.Join(dir, "b.yaml"), line, col, "trainer-imap-flags"); code != 1 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, %q; want %q", code, errs, want)
	}
}
