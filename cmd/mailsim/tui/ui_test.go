package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/lessons"
)

// serverPane is the server pane's text as rendered now.
func (h *harness) serverPane() string {
	var s string
	h.on(func() { s = widgets.RenderServer(h.u.th, h.u.lang, h.u.ls.s.View(), 60) })
	return s
}

func TestPickALessonStepForwardAndBack(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}}, 120, 40)
	h.waitFor("POP3 by hand", "Download, then delete", "8 steps")
	h.key(tcell.KeyEnter)
	h.started()
	h.waitFor("Press → to start.")

	for i := 1; i <= 6; i++ {
		h.typeText("n")
		h.idleAt(i)
	}
	h.waitFor("Step 6/8 · Delete", "marked for deletion")
	if s := h.serverPane(); !strings.Contains(s, "3 messages") || !strings.Contains(s, "1 marked for deletion") {
		t.Errorf("after DELE 1 the server pane should show 3 messages, one marked:\n%s", s)
	}
	h.key(tcell.KeyRight)
	h.idleAt(7)
	h.waitFor("Step 7/8 · Quit", "alice/INBOX", ": 2 messages")
	sp := h.serverPane()
	if strings.Contains(sp, "marked for deletion") {
		t.Errorf("after QUIT nothing is marked any more:\n%s", sp)
	}
	if !strings.Contains(sp, "Lunch?") {
		t.Errorf("the message QUIT removed should still show, struck, for that step:\n%s", sp)
	}

	// Back two steps: the state comes from the stored snapshots.
	h.typeText("p")
	h.key(tcell.KeyLeft)
	h.idleAt(5)
	h.waitFor("Step 5/8 · Download", ": 3 messages")
	if sp := h.serverPane(); strings.Contains(sp, "marked for deletion") {
		t.Errorf("at step 5 nothing is marked yet:\n%s", sp)
	}
	h.on(func() {
		if ran := h.u.ls.s.Ran(); ran != 7 {
			t.Errorf("stepping back reran steps: %d steps ran, want 7", ran)
		}
	})
	// Forward again replays from memory.
	h.typeText("n")
	h.idleAt(6)
	h.waitFor("Step 6/8", "1 marked for deletion")
	h.on(func() {
		if ran := h.u.ls.s.Ran(); ran != 7 {
			t.Errorf("replaying step 6 ran a step: %d ran, want 7", ran)
		}
	})
}

func TestSandboxSendsALine(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	for i := 1; i <= 3; i++ { // connect, USER, PASS
		h.typeText("n")
		h.idleAt(i)
	}
	h.typeText("s")
	h.waitFor("Try it", "nc 127.0.0.1 ", "laptop C:")
	h.typeText("STAT")
	h.key(tcell.KeyEnter)
	h.waitUntil("the sandbox line is answered", func(u *ui) bool {
		if u.ls.s.Busy() {
			return false
		}
		for _, e := range u.ls.s.Events() {
			if e.Unit != nil && strings.HasPrefix(e.Unit.Text, "+OK 3 ") && e.Unit.Command == "STAT" {
				return true
			}
		}
		return false
	})
	s := h.waitFor("C: STAT", "S: +OK 3 ")
	if !strings.Contains(s, "laptop") {
		t.Errorf("the transcript should name the device:\n%s", s)
	}
	h.key(tcell.KeyEscape)
	h.waitFor("Keep it and explore") // it typed: leaving asks (sandbox_test.go)
	h.typeText("k")
	h.waitUntil("the sandbox is closed", func(u *ui) bool { return !u.ls.sb.open })
}

func TestQuizRightAndWrong(t *testing.T) {
	dir := t.TempDir()
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(true)}, Start: "test-pop3", StateDir: dir}, 100, 30)
	h.started()
	for i := 1; i <= 3; i++ {
		h.typeText("n")
		h.idleAt(i)
	}
	h.typeText("n") // the quiz asks before its step runs
	h.waitFor("What will STAT answer?", "+OK 3 and a size")
	h.typeText("1")
	h.waitFor("Right!", "STAT counts the messages")
	h.key(tcell.KeyEnter)
	h.idleAt(4)
	h.waitFor("Score 1/1")
	for i := 5; i <= 7; i++ { // STAT, RETR, DELE
		h.typeText("n")
		h.idleAt(i)
	}
	h.typeText("n")
	h.waitFor("How many messages are left after QUIT?")
	h.typeText("1") // "3": wrong
	h.waitFor("Not quite.", "→ 2")
	h.key(tcell.KeyEnter)
	h.idleAt(8)
	h.waitFor("Score 1/2")
	h.on(func() {
		if a, ok := h.u.ls.s.AnswerOf(3); !ok || !a.Correct || a.Choice != 0 {
			t.Errorf("answer to step 4 = %+v, %v; want choice 0, right", a, ok)
		}
		if a, ok := h.u.ls.s.AnswerOf(7); !ok || a.Correct || a.Choice != 0 {
			t.Errorf("answer to step 8 = %+v, %v; want choice 0, wrong", a, ok)
		}
	})
	for i := 9; i <= 10; i++ { // QUIT, check
		h.typeText("n")
		h.idleAt(i)
	}
	h.waitFor("Lesson complete. Score 1/2.")
	data, err := os.ReadFile(filepath.Join(dir, "progress.json"))
	if err != nil || !strings.Contains(string(data), `"test-pop3"`) {
		t.Errorf("progress.json should record the lesson as done: %v\n%s", err, data)
	}
}

func TestSmallScreenAndResize(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 200, 60)
	h.started()
	for i := 1; i <= 6; i++ {
		h.typeText("n")
		h.idleAt(i)
	}
	h.waitFor("Story", "Transcript", "Meaning", "Server", "Devices", "marked for deletion")
	h.on(func() { h.scr.SetSize(80, 24) })
	s := h.waitFor("Story", "Transcript", "Server", "Devices", "Step 6/8")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 24 {
		t.Errorf("%d lines, want 24", len(lines))
	}
	h.typeText("?")
	h.waitFor("Help", "previous step")
	h.key(tcell.KeyEscape)
	h.typeText("s")
	h.waitFor("Try it")
	h.key(tcell.KeyEscape)
	h.on(func() { h.scr.SetSize(200, 60) })
	h.waitFor("Meaning")
}

func TestVietnameseIsAligned(t *testing.T) {
	vi := testLesson(false)
	h := startApp(t, Options{Lessons: []*lessons.Lesson{vi}, Lang: "vi"}, 80, 24)
	s := h.waitFor("POP3 bằng tay", "Tải về rồi xóa trên máy chủ")
	// The row holds title, summary and step count, and ends at the border.
	found := false
	for _, line := range strings.Split(s, "\n") {
		if strings.Contains(line, "POP3 bằng tay") && strings.Contains(line, "8 bước") {
			found = true
			if w := uniseg.StringWidth(line); w != 80 {
				t.Errorf("the row is %d cells wide, want 80: %q", w, line)
			}
		}
	}
	if !found {
		t.Errorf("no picker row with the title and the step count:\n%s", s)
	}
	if got := widgets.Fit("Tải về rồi xóa", 8); got != "Tải về …" {
		t.Errorf("fit = %q", got)
	}
	if got := widgets.Fit("xóa", 5); got != "xóa  " {
		t.Errorf("fit pads by cells, not bytes: %q", got)
	}
}

func TestQuitKeyRestores(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}}, 80, 24)
	h.waitFor("POP3 by hand")
	h.typeText("q")
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
		h.done <- nil
	case <-t.Context().Done():
	}
}

func TestAuthPlainIsDecoded(t *testing.T) {
	for _, tc := range []struct{ line, cmd string }{
		{"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH"},
		{"a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==", "AUTHENTICATE"},
		{"AGFsaWNlAHNlY3JldA==", "AUTH"},
	} {
		for lang, says := range map[string]string{"en": "not encryption", "vi": "mật mã"} {
			got, ok := widgets.SaslPlain(unitC(tc.line, tc.cmd), lang)
			if !ok || !strings.Contains(got, `\0alice\0secret`) || !strings.Contains(got, says) {
				t.Errorf("saslPlain(%q, %s) = %q, %v", tc.line, lang, got, ok)
			}
		}
	}
	if _, ok := widgets.SaslPlain(unitC("USER alice", "USER"), "en"); ok {
		t.Error("USER is not a SASL payload")
	}
}

func TestCompletion(t *testing.T) {
	for _, tc := range []struct {
		proto, text string
		want        []string
	}{
		{"pop3", "ST", []string{"STAT", "STLS"}},
		{"pop3", "STAT", nil},
		{"pop3", "RETR 1", nil},
		{"imap", "a1 SEL", []string{"a1 SELECT"}},
		{"imap", "LOG", []string{"a4 LOGIN", "a4 LOGOUT"}},
		{"smtp", "e", []string{"EHLO"}},
	} {
		got := complete(tc.proto, tc.text, 4)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("complete(%s, %q) = %q, want %q", tc.proto, tc.text, got, tc.want)
		}
	}
}

// colorsOf lists the colours the screen's cells use.
func colorsOf(h *harness) map[tcell.Color]bool {
	out := map[tcell.Color]bool{}
	h.on(func() {
		cells, _, _ := h.scr.GetContents()
		for _, c := range cells {
			fg, bg, _ := c.Style.Decompose()
			out[fg], out[bg] = true, true
		}
	})
	return out
}

func TestSixteenColorsOnly(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 100, 30)
	h.started()
	for i := 1; i <= 6; i++ {
		h.typeText("n")
		h.idleAt(i)
	}
	h.waitFor("marked for deletion")
	for c := range colorsOf(h) {
		if c != tcell.ColorDefault && (c.IsRGB() || c-tcell.ColorValid >= 16) {
			t.Errorf("colour %v is not one of the 16 basic colours", c)
		}
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 100, 30)
	h.started()
	for i := 1; i <= 6; i++ {
		h.typeText("n")
		h.idleAt(i)
	}
	h.waitFor("marked for deletion")
	for c := range colorsOf(h) {
		if c != tcell.ColorDefault {
			t.Errorf("NO_COLOR is set, yet colour %v is used", c)
		}
	}
}

func TestGoToRestartAndPlay(t *testing.T) {
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 80, 24)
	h.started()
	h.typeText("g")
	h.waitFor("Go to step (1-8):")
	h.typeText("4")
	h.key(tcell.KeyEnter)
	h.idleAt(4)
	h.waitFor("Step 4/8")
	h.typeText("g2")
	h.key(tcell.KeyEnter)
	h.idleAt(2) // from memory
	h.typeText("r")
	h.started()
	h.on(func() {
		if ran := h.u.ls.s.Ran(); ran != 0 {
			t.Errorf("after a restart %d steps have run, want 0", ran)
		}
	})
	h.typeText("+++") // 8×
	h.typeText("P")
	h.waitUntil("autoplay reaches the end and stops", func(u *ui) bool {
		return u.ls.s.AtEnd() && !u.ls.playing && !u.ls.s.Busy()
	})
	h.waitFor("Lesson complete.")
	h.waitUntil("the end-of-lesson summary is open", func(u *ui) bool { return u.ov.Is("summary") })
	h.key(tcell.KeyEscape) // closes the summary
	h.waitUntil("the summary is closed", func(u *ui) bool { return !u.ov.IsOpen() })
	h.key(tcell.KeyEscape)
	h.waitFor("✓", "POP3 by hand") // done, remembered
}
