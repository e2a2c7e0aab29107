package lessonscreen

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// openPopVsImap opens the built-in pop-vs-imap lesson with every quiz
// answered ahead, so steps run without asking.
func openPopVsImap(t *testing.T) *harness {
	t.Helper()
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	h := startApp(t, appOptions{Lessons: list, Start: "pop-vs-imap"}, 140, 42)
	h.started()
	h.On(func() {
		for i, st := range h.u.ls.s.Shown.Steps {
			if st.Quiz != nil {
				h.u.ls.s.AnswerQuiz(i, 0)
			}
		}
	})
	return h
}

// runTo runs the lesson up to its step n and waits until it is there.
func (h *harness) runTo(n int) {
	h.T.Helper()
	h.On(func() { h.u.ls.goToStep(n) })
	h.idleAt(n)
}

// sandboxLines types lines in the sandbox as the device it is on, each
// once the previous one is answered.
func (h *harness) sandboxLines(lines ...string) {
	h.T.Helper()
	for _, line := range lines {
		var before int
		h.On(func() { before = len(h.u.ls.s.Events()) })
		h.TypeText(line)
		h.Key(tcell.KeyEnter)
		h.waitUntil("the sandbox line "+line+" is answered", func(u *Host) bool {
			if u.ls.s.Busy() {
				return false
			}
			for _, e := range u.ls.s.Events()[before:] {
				if e.Unit != nil && e.Unit.Dir == wire.ServerToClient {
					return true
				}
			}
			return false
		})
	}
}

// laptopSandbox runs pop-vs-imap to step 6, opens the sandbox on the
// laptop, types lines and presses Esc, which asks what becomes of them.
func (h *harness) laptopSandbox(lines ...string) {
	h.T.Helper()
	h.runTo(6)
	h.TypeText("s")
	h.WaitFor("phone C:")
	h.Key(tcell.KeyTab)
	h.WaitFor("laptop C:")
	h.sandboxLines(lines...)
	h.Key(tcell.KeyEscape)
	h.WaitFor("You changed the servers in the sandbox", "Back to the lesson", "Keep it and explore")
}

// inboxSubjects lists the subjects in alice's INBOX at example.com in a
// state.
func inboxSubjects(st *events.State) []string {
	var out []string
	p, ok := st.Provider("example.com")
	if !ok {
		return nil
	}
	for _, u := range p.Snapshot.Users {
		if u.Name != "alice" {
			continue
		}
		for _, mb := range u.Mailboxes {
			if mb.Name == "INBOX" {
				for _, m := range mb.Messages {
					out = append(out, m.Subject)
				}
			}
		}
	}
	return out
}

// The sequence: at step 6 of pop-vs-imap the learner logs the
// laptop in by hand, downloads and deletes "Lunch?", and leaves. Leaving
// asks; Enter takes "back to the lesson", and the lesson then goes on as
// written: the laptop connects (it is no longer connected), its round
// leaves copies, "Lunch?" stays on the server, every check passes.
func TestLeavingTheSandboxBackToTheLessonUndoesWhatTheLearnerDid(t *testing.T) {
	h := openPopVsImap(t)
	h.runTo(6)
	var mark int
	h.On(func() { mark = len(h.u.ls.s.Events()) })
	h.laptopSandbox("USER alice", "PASS wonderland", "RETR 1", "DELE 1")
	h.Key(tcell.KeyEnter) // the default: back
	h.WaitFor("Back at step 6 as the lesson left it")
	h.idleAt(6)
	h.On(func() {
		s := h.u.ls.s
		if n := len(s.Events()); n != mark || s.HasStudentEvents() {
			t.Errorf("after going back the session has %d events (want %d), student events %v", n, mark, s.HasStudentEvents())
		}
		if on, _ := s.Exploring(); on {
			t.Error("going back set explore mode")
		}
	})

	h.runTo(13) // the laptop's round: connect, USER, PASS, RETR 1-3, QUIT
	h.On(func() {
		s := h.u.ls.s
		for step := 6; step < 13; step++ {
			for _, e := range s.StepEvents(step) {
				if e.Kind == events.EventFail {
					t.Errorf("step %d failed: %s", step+1, e.Text.In("en"))
				}
			}
		}
		if subj := inboxSubjects(s.View().State); !slices.Contains(subj, "Lunch?") {
			t.Errorf("after the laptop's round the server INBOX holds %q; want Lunch? still there", subj)
		}
	})
	h.runTo(h.u.ls.s.Steps())
	h.On(func() {
		if ended, ok := h.u.ls.s.Ended(); !ended || !ok {
			t.Errorf("the lesson ended %v, every step as expected %v; want both", ended, ok)
		}
	})
}

// "Keep it and explore": what the learner did stays, the lesson goes on
// against it, and its remaining steps say they are not checked.
func TestKeepingTheSandboxChangesExploresWithTheRestUnchecked(t *testing.T) {
	h := openPopVsImap(t)
	h.laptopSandbox("USER alice", "PASS wonderland", "DELE 1")
	h.TypeText("k")
	h.WaitFor("Exploring: from step 7 on", "exploring: not checked from step 7")
	h.runTo(7) // connect laptop: it is connected already
	h.On(func() {
		s := h.u.ls.s
		if !s.Unchecked(6) || s.Unchecked(5) {
			t.Errorf("unchecked: step 6 %v, step 7 %v; want only 7 on", s.Unchecked(5), s.Unchecked(6))
		}
		var fail string
		for _, e := range s.StepEvents(6) {
			if e.Kind == events.EventFail {
				fail = e.Text.In("en")
			}
		}
		if !strings.HasPrefix(fail, "not checked (you are exploring): ") {
			t.Errorf("step 7's failure reads %q; want it marked as not checked", fail)
		}
		if !s.HasStudentEvents() {
			t.Error("the learner's events are gone")
		}
	})
}

// Esc in the question goes back to the sandbox, deciding nothing; leaving
// without having typed asks nothing.
func TestLeavingTheSandboxAsksOnlyWhenTheLearnerTyped(t *testing.T) {
	h := openPopVsImap(t)
	h.runTo(2)
	h.TypeText("s")
	h.WaitFor("phone C:")
	h.Key(tcell.KeyEscape)
	h.waitUntil("the sandbox is closed without a question", func(u *Host) bool { return !u.ls.sb.open && !u.Ov.IsOpen() })

	h.TypeText("s")
	h.WaitFor("phone C:")
	h.sandboxLines("a1 NOOP")
	h.Key(tcell.KeyEscape)
	h.WaitFor("Stay in the sandbox")
	h.Key(tcell.KeyEscape)
	h.waitUntil("the question is gone and the sandbox still open", func(u *Host) bool { return !u.Ov.IsOpen() && u.ls.sb.open })
}

// A saved transcript marks the sandbox lines as the learner's and redacts
// only those: the lesson's own login stays as the lesson shows it.
func TestASavedTranscriptRedactsOnlyTheLearnersLines(t *testing.T) {
	h := openPopVsImap(t)
	h.laptopSandbox("USER alice", "PASS wonderland")
	h.TypeText("k")
	h.WaitFor("Exploring")
	file := h.saveToTempDir()
	data, _ := os.ReadFile(file)
	text := string(data)
	if !strings.Contains(text, "a1 LOGIN alice wonderland") {
		t.Error("the lesson's own login was redacted")
	}
	if strings.Contains(text, "PASS wonderland") || !strings.Contains(text, "PASS •••") {
		t.Error("the password the learner typed was not redacted")
	}
	got, err := transcripts.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	var student, lesson int
	for _, e := range got.Events {
		if e.ByStudent {
			student++
		} else {
			lesson++
		}
	}
	if !got.Live || student == 0 || lesson == 0 {
		t.Errorf("live %v, %d events by the student, %d by the lesson", got.Live, student, lesson)
	}
}

// The sandbox lists the completions of what is typed on its info line,
// inside its frame: nothing is drawn over the frame's title. ↓ puts the
// first in the line.
func TestSandboxCompletionsStayInsideTheFrame(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.TypeText("s")
	h.WaitFor("laptop C:")
	h.TypeText("R")
	screen := h.WaitFor("↑↓ RETR  RSET")
	for _, line := range strings.Split(screen, "\n") {
		if strings.Contains(line, "Try it") && !strings.Contains(line, "╔ Try it ═") {
			t.Errorf("the sandbox's frame title is covered: %q", line)
		}
		if strings.Contains(line, "Try it") && strings.Contains(line, "RETR") {
			t.Errorf("a completion is drawn on the frame: %q", line)
		}
	}
	// While the line has the focus, the lesson's keys type into it: the
	// hint bar shows the sandbox's own.
	if bar := lastRow(screen); !strings.Contains(bar, "Enter send") || !strings.Contains(bar, "Esc close") || strings.Contains(bar, "→ next") || strings.Contains(bar, "q quit") {
		t.Errorf("the hint bar in the sandbox: %q", bar)
	}
	h.Key(tcell.KeyDown)
	h.waitUntil("↓ puts RETR in the line", func(u *Host) bool { return u.ls.sb.input.GetText() == "RETR" })
	h.Key(tcell.KeyDown)
	h.waitUntil("↓ again puts RSET in the line", func(u *Host) bool { return u.ls.sb.input.GetText() == "RSET" })
}

// After the sandbox and r (restart), nothing the learner typed is left: a
// saved transcript is not live, and the lesson's own login is kept.
func TestARestartForgetsTheLearnersLines(t *testing.T) {
	h := openPopVsImap(t)
	h.laptopSandbox("USER alice")
	h.TypeText("k")
	h.WaitFor("Exploring")
	h.TypeText("r")
	h.started()
	h.runTo(3)
	file := h.saveToTempDir()
	got, err := transcripts.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if got.Live || got.Redacted || !strings.Contains(string(data), "a1 LOGIN alice wonderland") {
		t.Errorf("after r: live %v, redacted %v; the lesson's login kept: %v", got.Live, got.Redacted, strings.Contains(string(data), "a1 LOGIN alice wonderland"))
	}
	h.On(func() {
		if on, _ := h.u.ls.s.Exploring(); on {
			t.Error("r kept explore mode")
		}
	})
}

// In every built-in lesson, typing as its first device half way and going
// back leaves the lesson as it was: run to its end, every step goes as the
// lesson expects. (-short: three lessons.)
func TestGoingBackFromTheSandboxKeepsEveryBuiltinLessonPassing(t *testing.T) {
	list := builtins(t)
	if testing.Short() {
		list = list[:3]
	}
	for _, l := range list {
		t.Run(l.ID, func(t *testing.T) {
			h := startApp(t, appOptions{Lessons: []*lessons.Lesson{l}, Start: l.ID, Files: func(l *lessons.Lesson) fs.FS { return l.SeedFS() }}, 120, 40)
			h.started()
			h.On(func() {
				for i, st := range l.Steps {
					if st.Kind == lessons.Quiz {
						h.u.ls.s.AnswerQuiz(i, 0)
					}
				}
			})
			h.runTo(len(l.Steps) / 2)
			h.TypeText("s")
			h.WaitFor("Try it")
			line := "NOOP" // it connects the device if the lesson has not
			if l.Actors[0].Protocol == "imap" {
				line = "z1 NOOP"
			}
			h.TypeText(line)
			h.Key(tcell.KeyEnter)
			h.waitUntil("the sandbox line is done", func(u *Host) bool { return u.ls.sb.typed && !u.ls.s.Busy() })
			h.Key(tcell.KeyEscape)
			h.WaitFor("Back to the lesson")
			h.Key(tcell.KeyEnter)
			h.WaitFor("Back at step")
			h.idleAt(len(l.Steps) / 2)
			h.runTo(len(l.Steps))
			h.On(func() {
				s := h.u.ls.s
				if ended, ok := s.Ended(); !ended || !ok {
					for step := range s.Ran() {
						for _, e := range s.StepEvents(step) {
							if e.Kind == events.EventFail {
								t.Errorf("step %d: %s", step+1, e.Text.In("en"))
							}
						}
					}
					t.Errorf("ended %v, as expected %v", ended, ok)
				}
			})
		})
	}
}

// saveToTempDir saves the session with w into a fresh folder, taking the
// offered name, and returns the one file written.
func (h *harness) saveToTempDir() string {
	h.T.Helper()
	dir := h.T.TempDir()
	h.On(func() { h.u.ls.saveDir = dir })
	h.TypeText("w")
	h.WaitFor("Save transcript to")
	h.Key(tcell.KeyEnter)
	h.WaitFor("saved to")
	files, _ := filepath.Glob(filepath.Join(dir, "*.mailsim.yaml"))
	if len(files) != 1 {
		h.T.Fatalf("saved %v", files)
	}
	return files[0]
}
