package tui

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
	h := startApp(t, Options{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.on(func() { h.u.ls.saveDir = dir })
	h.typeText("n") // connect
	h.idleAt(1)
	h.typeText("s")
	h.waitFor("laptop C:")
	for _, line := range []string{"USER alice", "PASS secret"} {
		h.typeText(line)
		h.key(tcell.KeyEnter)
		cmd, _, _ := strings.Cut(line, " ")
		h.waitUntil("the sandbox line "+line+" is answered", func(u *ui) bool {
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
	h.key(tcell.KeyEscape)
	h.waitUntil("the sandbox is closed", func(u *ui) bool { return !u.ls.sb.open })
	h.typeText("w")
	h.waitFor("saved to " + dir)

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
	h.on(func() { n = len(h.u.ls.s.Events()) })
	if len(got.Events) != n {
		t.Errorf("the file has %d events, the screen %d", len(got.Events), n)
	}

	// The saved file replays: the sandbox lines are there.
	r := startReplay(t, got, 120, 40)
	r.waitFor("Press → to start.")
	r.key(tcell.KeyRight)
	r.at(1)
	r.waitFor("C: USER alice", "C: PASS •••")
}
