package lessonscreen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/lessons"
)

// serverPane is the server pane's text as rendered now.
func (h *harness) serverPane() string {
	var s string
	h.On(func() { s = widgets.RenderServer(h.u.Theme, h.u.Lang, h.u.ls.s.View(), 60) })
	return s
}

func TestSandboxSendsALine(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	for i := 1; i <= 3; i++ { // connect, USER, PASS
		h.TypeText("n")
		h.idleAt(i)
	}
	h.TypeText("s")
	h.WaitFor("Try it", "nc 127.0.0.1 ", "laptop C:")
	h.TypeText("STAT")
	h.Key(tcell.KeyEnter)
	h.waitUntil("the sandbox line is answered", func(u *Host) bool {
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
	s := h.WaitFor("C: STAT", "S: +OK 3 ")
	if !strings.Contains(s, "laptop") {
		t.Errorf("the transcript should name the device:\n%s", s)
	}
	h.Key(tcell.KeyEscape)
	h.WaitFor("Keep it and explore") // it typed: leaving asks (sandbox_test.go)
	h.TypeText("k")
	h.waitUntil("the sandbox is closed", func(u *Host) bool { return !u.ls.sb.open })
}

func TestQuizRightAndWrong(t *testing.T) {
	dir := t.TempDir()
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(true)}, Start: "test-pop3", StateDir: dir}, 100, 30)
	h.started()
	for i := 1; i <= 3; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.TypeText("n") // the quiz asks before its step runs
	h.WaitFor("What will STAT answer?", "+OK 3 and a size")
	h.TypeText("1")
	h.WaitFor("Right!", "STAT counts the messages")
	h.Key(tcell.KeyEnter)
	h.idleAt(4)
	h.WaitFor("Score 1/1")
	for i := 5; i <= 7; i++ { // STAT, RETR, DELE
		h.TypeText("n")
		h.idleAt(i)
	}
	h.TypeText("n")
	h.WaitFor("How many messages are left after QUIT?")
	h.TypeText("1") // "3": wrong
	h.WaitFor("Not quite.", "→ 2")
	h.Key(tcell.KeyEnter)
	h.idleAt(8)
	h.WaitFor("Score 1/2")
	h.On(func() {
		if a, ok := h.u.ls.s.AnswerOf(3); !ok || !a.Correct || a.Choice != 0 {
			t.Errorf("answer to step 4 = %+v, %v; want choice 0, right", a, ok)
		}
		if a, ok := h.u.ls.s.AnswerOf(7); !ok || a.Correct || a.Choice != 0 {
			t.Errorf("answer to step 8 = %+v, %v; want choice 0, wrong", a, ok)
		}
	})
	for i := 9; i <= 10; i++ { // QUIT, check
		h.TypeText("n")
		h.idleAt(i)
	}
	h.WaitFor("Lesson complete. Score 1/2.")
	data, err := os.ReadFile(filepath.Join(dir, "progress.json"))
	if err != nil || !strings.Contains(string(data), `"test-pop3"`) {
		t.Errorf("progress.json should record the lesson as done: %v\n%s", err, data)
	}
}

func TestSmallScreenAndResize(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 200, 60)
	h.started()
	for i := 1; i <= 6; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.WaitFor("Story", "Transcript", "Meaning", "Server", "Devices", "marked for deletion")
	h.On(func() { h.Scr.SetSize(80, 24) })
	s := h.WaitFor("Story", "Transcript", "Server", "Devices", "Step 6/8")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) != 24 {
		t.Errorf("%d lines, want 24", len(lines))
	}
	h.TypeText("?")
	h.WaitFor("Help", "previous step")
	h.Key(tcell.KeyEscape)
	h.TypeText("s")
	h.WaitFor("Try it")
	h.Key(tcell.KeyEscape)
	h.On(func() { h.Scr.SetSize(200, 60) })
	h.WaitFor("Meaning")
}

func TestAuthPlainIsDecoded(t *testing.T) {
	for _, tc := range []struct{ line, cmd string }{
		{"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH"},
		{"a1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==", "AUTHENTICATE"},
		{"AGFsaWNlAHNlY3JldA==", "AUTH"},
	} {
		for lang, says := range map[string]string{"en": "not encryption", "vi": "mật mã"} {
			got, ok := widgets.SASLPlain(unitC(tc.line, tc.cmd), lang)
			if !ok || !strings.Contains(got, `\0alice\0secret`) || !strings.Contains(got, says) {
				t.Errorf("saslPlain(%q, %s) = %q, %v", tc.line, lang, got, ok)
			}
		}
	}
	if _, ok := widgets.SASLPlain(unitC("USER alice", "USER"), "en"); ok {
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
	h.On(func() {
		cells, _, _ := h.Scr.GetContents()
		for _, c := range cells {
			fg, bg, _ := c.Style.Decompose()
			out[fg], out[bg] = true, true
		}
	})
	return out
}

func TestSixteenColorsOnly(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 100, 30)
	h.started()
	for i := 1; i <= 6; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.WaitFor("marked for deletion")
	for c := range colorsOf(h) {
		if c != tcell.ColorDefault && (c.IsRGB() || c-tcell.ColorValid >= 16) {
			t.Errorf("colour %v is not one of the 16 basic colours", c)
		}
	}
}

func TestNoColor(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 100, 30)
	h.started()
	for i := 1; i <= 6; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.WaitFor("marked for deletion")
	for c := range colorsOf(h) {
		if c != tcell.ColorDefault {
			t.Errorf("NO_COLOR is set, yet colour %v is used", c)
		}
	}
}

func TestGoToRestartAndPlay(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 80, 24)
	h.started()
	h.TypeText("g")
	h.WaitFor("Go to step (1-8):")
	h.TypeText("4")
	h.Key(tcell.KeyEnter)
	h.idleAt(4)
	h.WaitFor("Step 4/8")
	h.TypeText("g2")
	h.Key(tcell.KeyEnter)
	h.idleAt(2) // from memory
	h.TypeText("r")
	h.started()
	h.On(func() {
		if ran := h.u.ls.s.Ran(); ran != 0 {
			t.Errorf("after a restart %d steps have run, want 0", ran)
		}
	})
	h.TypeText("+++") // 8×
	h.TypeText("P")
	h.waitUntil("autoplay reaches the end and stops", func(u *Host) bool {
		return u.ls.s.AtEnd() && !u.ls.playing && !u.ls.s.Busy()
	})
	h.WaitFor("Lesson complete.")
	h.waitUntil("the end-of-lesson summary is open", func(u *Host) bool { return u.Ov.Is("summary") })
	h.Key(tcell.KeyEscape) // closes the summary
	h.waitUntil("the summary is closed", func(u *Host) bool { return !u.Ov.IsOpen() })
	h.Key(tcell.KeyEscape) // back to the lessons (the picker shows the ✓: picker_test.go)
	h.waitUntil("the lesson is closed and marked done", func(u *Host) bool {
		return !u.Showing() && u.progress.IsDone("test-pop3")
	})
}
