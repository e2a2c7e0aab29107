package lessonscreen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// A session in which the learner typed in the sandbox is live: its file is
// redacted, and it replays with the sandbox lines.
func TestSaveAfterTheSandboxIsLiveAndRedacted(t *testing.T) {
	dir := t.TempDir()
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.On(func() { h.u.ls.saveDir = dir })
	h.TypeText("n") // connect
	h.idleAt(1)
	h.TypeText("s")
	h.WaitFor("laptop C:")
	for _, line := range []string{"USER alice", "PASS secret"} {
		h.TypeText(line)
		h.Key(tcell.KeyEnter)
		cmd, _, _ := strings.Cut(line, " ")
		h.waitUntil("the sandbox line "+line+" is answered", func(u *Host) bool {
			if u.ls.s.Busy() {
				return false
			}
			for _, e := range u.ls.s.Events() {
				if e.Unit != nil && e.Unit.Dir == wire.ServerToClient && e.Unit.Command == cmd {
					return true
				}
			}
			return false
		})
	}
	h.Key(tcell.KeyEscape)
	h.WaitFor("Keep it and explore")
	h.TypeText("k") // keep the lines, so that they are saved
	h.waitUntil("the sandbox is closed", func(u *Host) bool { return !u.ls.sb.open })
	h.TypeText("w")
	h.WaitFor("Save transcript to")
	h.Key(tcell.KeyEnter)
	h.WaitFor("saved to " + dir)

	files, _ := filepath.Glob(filepath.Join(dir, "test-pop3-*.mailsim.yaml"))
	if len(files) != 1 {
		t.Fatalf("want one saved file, got %v", files)
	}
	data, _ := os.ReadFile(files[0])
	if strings.Contains(string(data), "PASS secret") {
		t.Errorf("the password typed in the sandbox was saved:\n%s", data)
	}
	got, err := transcripts.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !got.Live || !got.Redacted {
		t.Errorf("live %v, redacted %v; want both", got.Live, got.Redacted)
	}
	var n int
	h.On(func() { n = len(h.u.ls.s.Events()) })
	if len(got.Events) != n {
		t.Errorf("the file has %d events, the screen %d", len(got.Events), n)
	}

	// The saved file replays: the sandbox lines are there.
	r := startReplay(t, got, 120, 40)
	r.WaitFor("Press → to start.")
	r.Key(tcell.KeyRight)
	r.at(1)
	r.WaitFor("C: USER alice", "C: PASS •••")
}

// w offers the transcripts folder under DataDir, creates it on demand and
// confirms where it saved; another path typed in is used as given, a
// folder gets the usual name in it, and Esc saves nothing.
func TestWAsksWhereToSaveOfferingTheTranscriptsFolder(t *testing.T) {
	data := t.TempDir()
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3", DataDir: data}, 160, 40)
	h.started()
	h.TypeText("n")
	h.idleAt(1)

	want := filepath.Join(data, "transcripts")
	h.TypeText("w")
	h.WaitFor("Save transcript to", want+string(filepath.Separator)+"test-pop3-")
	h.Key(tcell.KeyEscape)
	h.waitUntil("the prompt is closed", func(u *Host) bool { return u.App.GetFocus() == u.ls.tv })
	if _, err := os.Stat(want); err == nil {
		t.Fatal("Esc saved (or created the folder) anyway")
	}

	h.TypeText("w")
	h.WaitFor("Save transcript to")
	h.Key(tcell.KeyEnter)
	h.WaitFor("saved to " + want)
	files, _ := filepath.Glob(filepath.Join(want, "test-pop3-*.mailsim.yaml"))
	if len(files) != 1 {
		t.Fatalf("want one file in %s, got %v", want, files)
	}

	other := t.TempDir()
	h.TypeText("w")
	h.WaitFor("Save transcript to")
	h.Key(tcell.KeyCtrlU) // clear the offered path
	h.TypeText(other)
	h.Key(tcell.KeyEnter)
	h.WaitFor("saved to " + other)
	if files, _ := filepath.Glob(filepath.Join(other, "test-pop3-*.mailsim.yaml")); len(files) != 1 {
		t.Errorf("a folder typed in: want one file in it, got %v", files)
	}
}
