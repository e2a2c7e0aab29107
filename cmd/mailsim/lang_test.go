package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tests expect English unless they ask for another language, whatever
// the environment they run in says: a command's default language comes
// from LC_ALL, LC_MESSAGES or LANG.
func init() {
	if l, _ := pickLang(""); l != "en" {
		os.Setenv("LC_ALL", "C.UTF-8")
	}
}

// vietnameseEnv makes the environment ask for Vietnamese, as a learner's
// terminal in Vietnam would.
func vietnameseEnv(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "vi_VN.UTF-8")
}

func TestPickLang(t *testing.T) {
	for _, tc := range []struct {
		flag, lcAll, lcMessages, lang string
		want                          string
	}{
		{"", "", "", "", "en"},
		{"", "", "", "vi_VN.UTF-8", "vi"},
		{"", "", "", "en_US.UTF-8", "en"},
		{"", "C.UTF-8", "", "vi_VN.UTF-8", "en"},
		{"", "", "vi_VN", "en_US.UTF-8", "vi"},
		{"en", "", "", "vi_VN.UTF-8", "en"},
		{"vi", "", "", "", "vi"},
	} {
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_MESSAGES", tc.lcMessages)
		t.Setenv("LANG", tc.lang)
		if got, err := pickLang(tc.flag); err != nil || got != tc.want {
			t.Errorf("pickLang(%q) with LC_ALL=%q LC_MESSAGES=%q LANG=%q = %q, %v; want %q", tc.flag, tc.lcAll, tc.lcMessages, tc.lang, got, err, tc.want)
		}
	}
	if _, err := pickLang("fr"); err == nil {
		t.Error("--lang fr should be refused")
	}
}

func TestRunPrintsVietnameseWhenLANGAsks(t *testing.T) {
	vietnameseEnv(t)
	out, errs, code := runCLI(t, "run", "pop3-basics", "--plain", "--deterministic")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"mailsim · pop3-basics — POP3 cơ bản: tải về rồi xóa",
		"Lúc bắt đầu:",
		"  máy chủ example.com alice/INBOX: 3 thư",
		"Bước 1/19 · Hộp thư",
		"Nhà cung cấp dịch vụ thư của Alice là example.com", // the lesson's own vi narrative
		"(POP3, không mã hóa)",
		"┌ 4 dòng, 24 octet",
		"những gì thay đổi:",
		"đánh dấu xóa",
		"✓ hộp thư INBOX của alice@example.com trên máy chủ có 3 thư", // a check the runner words
		"✓ hộp thư cục bộ của thiết bị laptop có 3 thư",
		"laptop ✕ pop.example.com:110: đã đóng sau lệnh QUIT",
		"Kết quả: đạt — 19 bước, 4 kiểm tra đạt, 0 không đạt",
		"Lúc kết thúc:",
		"lưu cục bộ: 3 thư",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the Vietnamese run lacks %q", want)
		}
	}
	// None of the printer's or the runner's English is left.
	for _, en := range []string{"\nStep ", "At the start:", "At the end:", "what changed:", "Result:", " holds ", "closed after", "  server ", "  device ", " lines, "} {
		if strings.Contains(out, en) {
			t.Errorf("the Vietnamese run still says %q", en)
		}
	}
}

func TestRunLangEnIsTheGoldenTranscriptWhateverLANGSays(t *testing.T) {
	vietnameseEnv(t)
	out, errs, code := runCLI(t, "run", "pop3-basics", "--plain", "--deterministic", "--timestamps", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "golden", "pop3-basics.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("--lang en differs from the golden transcript:\n%s", firstDiff(string(want), out))
	}
}

func TestRunRefusesAnUnknownLanguage(t *testing.T) {
	_, errs, code := runCLI(t, "run", "pop3-basics", "--lang", "fr")
	if code != 2 || !strings.Contains(errs, `--lang "fr"`) {
		t.Errorf("exit %d, %q; want 2 and the flag named", code, errs)
	}
}

// failingLesson has a check that fails and, after it, nothing: the run
// stops there.
const failingLesson = `mailsim-lesson: 1
id: trainer-fails
group: pop3
title: {en: A check that fails, vi: Một bước kiểm tra không đạt}
summary: {en: It expects five messages where there are two., vi: Bài chờ năm thư nhưng chỉ có hai.}
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - {from: bob@example.org, subject: One, body: "1"}
          - {from: bob@example.org, subject: Two, body: "2"}
actors:
  - name: laptop
    protocol: pop3
    client: {en: a test, vi: một phép thử}
    user: alice
steps:
  - check: {server: alice/INBOX, count: 5}
`

func TestAFailingCheckIsReportedInVietnamese(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "fails.yaml"), []byte(failingLesson), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs, code := runCLI(t, "run", "trainer-fails", "--lessons", dir, "--lang", "vi")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		"✗ hộp thư INBOX của alice@example.com trên máy chủ có 2 thư, bài học chờ 5",
		"Kết quả: KHÔNG ĐẠT — 1 bước, 0 kiểm tra đạt, 1 không đạt",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the run lacks %q:\n%s", want, out)
		}
	}
	// stderr keeps the file:line and the English, as tools read it.
	if !strings.Contains(errs, "fails.yaml:20: the server's alice@example.com INBOX holds 2 messages, expected 5") {
		t.Errorf("stderr = %q", errs)
	}
	// In English, the same words as before.
	out, _, _ = runCLI(t, "run", "trainer-fails", "--lessons", dir, "--lang", "en")
	if !strings.Contains(out, "✗ the server's alice@example.com INBOX holds 2 messages, expected 5") ||
		!strings.Contains(out, "Result: FAILED — 1 step, 0 checks passed, 1 failed") {
		t.Errorf("the English run:\n%s", out)
	}
}

func TestAFailedExpectationIsReportedInVietnamese(t *testing.T) {
	dir := t.TempDir()
	lesson := strings.Replace(failingLesson, "  - check: {server: alice/INBOX, count: 5}\n",
		"  - connect: laptop\n    expect: \"-ERR\"\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "fails.yaml"), []byte(lesson), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCLI(t, "run", "trainer-fails", "--lessons", dir, "--lang", "vi")
	if code != 1 || !strings.Contains(out, `✗ bài học chờ một câu trả lời bắt đầu bằng "-ERR", nhưng nhận được "+OK `) {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
