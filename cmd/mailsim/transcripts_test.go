package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"mailsim/internal/testutil"
	"mailsim/lessons"
)

const clearTextLessons = "testdata/transcripts" // clear-text: SMTP and IMAP with nothing encrypted

// record records a lesson deterministically into a temporary file.
func record(t *testing.T, lesson string, extra ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), lesson+".yaml")
	args := append([]string{"record", lesson, "-o", path, "--deterministic"}, extra...)
	if out, errs, code := runCLI(t, args...); code != 0 {
		t.Fatalf("record: exit %d\n%s%s", code, out, errs)
	}
	return path
}

func TestReplayingARecordingPrintsWhatTheLiveRunPrinted(t *testing.T) {
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		t.Run(l.ID, func(t *testing.T) {
			t.Parallel() // each run has servers of its own
			live, errs, code := runCLI(t, "run", l.ID, "--plain", "--deterministic", "--timestamps")
			if code != 0 {
				t.Fatalf("run: exit %d: %s", code, errs)
			}
			path := record(t, l.ID)
			replayed, errs, code := runCLI(t, "replay", path, "--plain", "--timestamps")
			if code != 0 {
				t.Fatalf("replay: exit %d: %s", code, errs)
			}
			if replayed != live {
				t.Errorf("the replay differs from the live run:\n%s", firstDiff(live, replayed))
			}
		})
	}
}

// TLS records differ in size from run to run, so the eavesdropper's view
// is compared with the run that was recorded (record --plain prints it).
func TestReplayingAsAnEavesdropperMatchesTheRecordedRun(t *testing.T) {
	for _, id := range []string{"ports-and-tls", "smtp-send"} {
		path := filepath.Join(t.TempDir(), id+".yaml")
		live, errs, code := runCLI(t, "record", id, "-o", path, "--plain", "--eavesdropper", "--timestamps")
		if code != 0 {
			t.Fatalf("record: exit %d: %s", code, errs)
		}
		replayed, _, _ := runCLI(t, "replay", path, "--plain", "--eavesdropper", "--timestamps")
		if live != replayed {
			t.Errorf("%s: %s", id, firstDiff(live, replayed))
		}
	}
}

func TestReplayWithoutATerminalSaysWhatToDo(t *testing.T) {
	path := record(t, "pop3-basics")
	_, errs, code := runCLI(t, "replay", path)
	if code != 2 || !strings.Contains(errs, "needs a terminal") || !strings.Contains(errs, "--plain") {
		t.Errorf("exit %d, %q", code, errs)
	}
}

func TestReplayOfABadFileSaysFileAndLine(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("mailsim-transcript: 9\n"), 0o644)
	_, errs, code := runCLI(t, "replay", bad, "--plain")
	if code != 1 || !strings.Contains(errs, bad+":1: mailsim-transcript: 9") {
		t.Errorf("exit %d, %q", code, errs)
	}
}

func TestRecordRedactsOnlyWhenAsked(t *testing.T) {
	plain, _ := os.ReadFile(record(t, "pop3-basics"))
	redacted, _ := os.ReadFile(record(t, "pop3-basics", "--redact"))
	if !strings.Contains(string(plain), `"PASS wonderland"`) {
		t.Error("a lesson's own transcript lost its password (teaching material)")
	}
	if strings.Contains(string(redacted), "PASS wonderland") || !strings.Contains(string(redacted), "PASS •••") ||
		!strings.Contains(string(redacted), "a password, 10 characters") {
		t.Error("--redact left the password")
	}
}

// tsharkFields lists a field of the packets a display filter selects.
func tsharkFields(t *testing.T, pcap, filter, field string) []string {
	t.Helper()
	out, err := exec.Command(testutil.NeedTool(t, "tshark"), "-r", pcap, "-Y", filter, "-T", "fields", "-e", field).Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var got []string
	for _, l := range strings.Split(string(out), "\n") {
		for _, f := range strings.Split(l, ",") {
			if f = strings.TrimSpace(f); f != "" {
				got = append(got, f)
			}
		}
	}
	return got
}

func exportPCAP(t *testing.T, transcript string) string {
	t.Helper()
	pcap := filepath.Join(t.TempDir(), "out.pcap")
	if _, errs, code := runCLI(t, "export", transcript, "--to", "pcap", "-o", pcap); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	return pcap
}

func TestWiresharkDissectsTheExportedCapture(t *testing.T) {
	testutil.NeedTool(t, "tshark")
	pop := exportPCAP(t, record(t, "pop3-basics"))
	clear := exportPCAP(t, record(t, "clear-text", "--lessons", clearTextLessons))
	tests := []struct {
		name, pcap, filter, field, want string
	}{
		{"POP3", pop, "pop.request", "pop.request.command", "USER PASS STAT LIST RETR RETR RETR DELE DELE DELE QUIT"},
		{"SMTP", clear, "smtp.req", "smtp.req.command", "EHLO AUTH MAIL RCPT DATA QUIT"},
		{"IMAP", clear, "imap.request", "imap.request.command", "LOGIN SELECT FETCH LOGOUT"},
		{"no bad checksum or TCP trouble", pop, "tcp.checksum.status == 2 || ip.checksum.status == 2 || tcp.analysis.flags", "frame.number", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(tsharkFields(t, tt.pcap, tt.filter, tt.field), " ")
			if tt.name == "no bad checksum or TCP trouble" {
				out, _ := exec.Command("tshark", "-r", tt.pcap, "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
					"-Y", tt.filter, "-T", "fields", "-e", tt.field).Output()
				got = strings.TrimSpace(string(out))
			}
			if !strings.EqualFold(got, tt.want) {
				t.Errorf("tshark lists %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAsciinemaCatPrintsTheTranscript(t *testing.T) {
	tool := testutil.NeedTool(t, "asciinema")
	path := record(t, "pop3-basics")
	cast := filepath.Join(t.TempDir(), "out.cast")
	if _, errs, code := runCLI(t, "export", path, "--to", "asciicast", "--cols", "72", "-o", cast); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errs)
	}
	data, _ := os.ReadFile(cast)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var hdr map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &hdr); err != nil || hdr["version"] != 2.0 || hdr["width"] != 72.0 {
		t.Fatalf("header %q: %v", lines[0], err)
	}
	markers, last := 0, 0.0
	for _, l := range lines[1:] {
		var ev []any
		if err := json.Unmarshal([]byte(l), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("event %q: %v", l, err)
		}
		at := ev[0].(float64)
		if at < last {
			t.Fatalf("time goes back: %v after %v", at, last)
		}
		last = at
		if ev[1] == "m" {
			markers++
		}
	}
	if markers != 19 {
		t.Errorf("%d markers, want one per step (19)", markers)
	}
	if last < 60 {
		t.Errorf("19 steps play in %.0f s: too fast to read", last)
	}
	// asciinema 2 opens /dev/tty, which tests under CI lack: script(1)
	// lends it a terminal
	cmd := exec.Command(tool, "cat", cast)
	if sc, err := exec.LookPath("script"); err == nil {
		cmd = exec.Command(sc, "-qec", tool+" cat "+cast, "/dev/null")
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("asciinema cat: %v\n%s", err, out)
	}
	text := strings.ReplaceAll(stripANSI(string(out)), "\r", "")
	for _, l := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(l); n > 72 {
			t.Errorf("a line of %d columns in a 72-column recording: %q", n, l)
		}
	}
	// every line replay --plain prints is there, wrapped (the quiz is
	// shown as a question, then its answer)
	plain, _, _ := runCLI(t, "replay", path, "--plain")
	squeeze := strings.NewReplacer(" ", "", "\n", "", "↪", "", "│", "")
	all := squeeze.Replace(text)
	for _, l := range strings.Split(plain, "\n") {
		if q := strings.TrimSpace(l); strings.HasPrefix(q, "?") || strings.HasPrefix(q, "*") || strings.HasPrefix(q, "→") || strings.HasPrefix(q, "a)") || strings.HasPrefix(q, "b)") || strings.HasPrefix(q, "c)") {
			continue
		}
		if !strings.Contains(all, squeeze.Replace(l)) {
			t.Errorf("asciinema cat lacks %q", l)
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < '@' || s[j] > '~') {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestHandoutsCarryTheLessonAndEscapeTheWire(t *testing.T) {
	path := record(t, "imap-basics")
	md, errs, code := runCLI(t, "export", path, "--to", "markdown")
	if code != 0 {
		t.Fatalf("markdown: %s", errs)
	}
	for _, want := range []string{"# mailsim · imap-basics", "\n    phone    C: a1 LOGIN", "| Where | UID |", "## At the end"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	page, errs, code := runCLI(t, "export", path, "--to", "html")
	if code != 0 {
		t.Fatalf("html: %s", errs)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<style>", `class="imap"`, "&lt;alice@example.com&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "http://", "https://", "<link", "<img"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page is not self-contained: it holds %q", bad)
		}
	}
	_, errs, code = runCLI(t, "export", path, "--to", "docx")
	if code != 2 || !strings.Contains(errs, "want one of markdown, html, pdf, asciicast, pcap, pcapng") {
		t.Errorf("an unknown format: exit %d, %q", code, errs)
	}
}

func TestHandoutsOfAVietnameseTranscriptAreInVietnamese(t *testing.T) {
	path := record(t, "pop3-basics", "--lang", "vi")
	md, errs, code := runCLI(t, "export", path, "--to", "markdown")
	if code != 0 {
		t.Fatalf("markdown: %s", errs)
	}
	for _, want := range []string{"## Lúc bắt đầu\n", "## Bước 1/", "| Ở đâu | UID | Người gửi | Tiêu đề | Cỡ | Cờ / đang giữ |", "Những gì thay đổi:", "**Kết quả:** đạt", "## Lúc kết thúc\n", "dòng,", "máy chủ "} {
		if !strings.Contains(md, want) {
			t.Errorf("the Vietnamese markdown lacks %q", want)
		}
	}
	for _, bad := range []string{"## At the start", "## At the end", "## Step ", "What changed:", "**Result:**", "| Where |"} {
		if strings.Contains(md, bad) {
			t.Errorf("the Vietnamese markdown still says %q", bad)
		}
	}
	page, errs, code := runCLI(t, "export", path, "--to", "html")
	if code != 0 {
		t.Fatalf("html: %s", errs)
	}
	for _, want := range []string{`<html lang="vi">`, "<h2>Lúc bắt đầu</h2>", "<h2>Lúc kết thúc</h2>", "<strong>Kết quả:</strong>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Vietnamese page lacks %q", want)
		}
	}
	// --lang en gives the English handout back.
	en, _, _ := runCLI(t, "export", path, "--to", "markdown", "--lang", "en")
	for _, want := range []string{"## At the start\n", "## Step 1/", "| Where | UID | From |", "## At the end\n"} {
		if !strings.Contains(en, want) {
			t.Errorf("the English markdown lacks %q", want)
		}
	}
}

func TestExportForAStudentOrATrainer(t *testing.T) {
	path := record(t, "pop3-basics")
	student, errs, code := runCLI(t, "export", path, "--to", "html", "--for", "student")
	if code != 0 {
		t.Fatalf("student: exit %d: %s", code, errs)
	}
	trainer, _, _ := runCLI(t, "export", path, "--to", "html")
	if !strings.Contains(student, `class="answer-box"`) || strings.Contains(trainer, `class="answer-box"`) {
		t.Error("--for student should give answer boxes, the default (trainer) none")
	}
	_, errs, code = runCLI(t, "export", path, "--to", "asciicast", "--wpm", "0")
	if code != 2 || !strings.Contains(errs, "--wpm 0: want a reading speed") {
		t.Errorf("--wpm 0: exit %d, %q", code, errs)
	}
	_, errs, code = runCLI(t, "export", path, "--to", "html", "--for", "teacher")
	if code != 2 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, `--for "teacher": want trainer or student`) {
		t.Errorf("--for teacher: exit %d, %q", code, errs)
	}
}

func TestThePcapngCaptureCarriesTheLessonAsPacketComments(t *testing.T) {
	tshark := testutil.NeedTool(t, "tshark")
	path := record(t, "pop3-basics")
	pcap := exportPCAP(t, path)
	dir := t.TempDir()
	ng := func(lang string) string {
		out := filepath.Join(dir, lang+".pcapng")
		if _, errs, code := runCLI(t, "export", path, "--to", "pcapng", "--lang", lang, "-o", out); code != 0 {
			t.Fatalf("export: exit %d: %s", code, errs)
		}
		return out
	}
	en, vi := ng("en"), ng("vi")
	fields := func(file string, args ...string) string {
		out, err := exec.Command(tshark, append([]string{"-r", file, "-T", "fields"}, args...)...).Output()
		if err != nil {
			t.Fatalf("tshark -r %s: %v", file, err)
		}
		return string(out)
	}
	// the same packets as the pcap, byte for byte
	if a, b := fields(pcap, "-e", "frame.time_epoch", "-e", "tcp.seq_raw", "-e", "tcp.payload"), fields(en, "-e", "frame.time_epoch", "-e", "tcp.seq_raw", "-e", "tcp.payload"); a != b || a == "" {
		t.Errorf("the pcapng's packets differ from the pcap's:\n%s", firstDiff(a, b))
	}
	comments := fields(en, "-Y", "frame.comment", "-e", "frame.comment")
	for _, want := range []string{"Step 1/19", "Step 16/19 · POP, 5 of 5: disconnect", "laptop ⇄ pop.example.com:110 (POP3, plain text)", "USER names the mailbox"} {
		if !strings.Contains(comments, want) {
			t.Errorf("the comments lack %q:\n%s", want, comments)
		}
	}
	viComments := fields(vi, "-Y", "frame.comment", "-e", "frame.comment")
	for _, want := range []string{"Bước 1/19", "không mã hóa"} {
		if !strings.Contains(viComments, want) {
			t.Errorf("the Vietnamese comments lack %q:\n%s", want, viComments)
		}
	}
	if strings.Contains(viComments, "Step 1/19") || strings.Contains(viComments, "plain text") {
		t.Error("the Vietnamese comments still have English words of the program's")
	}
}

// TestExportTakesAGallerySample: a trainer hands out a real client's
// session as replay shows it: export reads gallery:NAME too, and names
// the samples when the name is unknown.
func TestExportTakesAGallerySample(t *testing.T) {
	md, errs, code := runCLI(t, "export", "gallery:fetchmail-delete", "--to", "markdown")
	if code != 0 || !strings.Contains(md, "gallery:fetchmail-delete") || !strings.Contains(md, "DELE 1") {
		t.Fatalf("export gallery:fetchmail-delete: exit %d: %s\n%.400s", code, errs, md)
	}
	if strings.Contains(md, "Result:") {
		t.Error("the handout of a recording gives it a lesson's result")
	}
	_, errs, code = runCLI(t, "export", "gallery:nope", "--to", "markdown")
	if code != 1 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "fetchmail-delete") {
		t.Errorf("export gallery:nope: exit %d, %q", code, errs)
	}
}
