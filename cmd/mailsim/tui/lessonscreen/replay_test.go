package lessonscreen

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// recordLesson runs a lesson headless (screentest.Record).
var recordLesson = screentest.Record

// startReplay shows a transcript as Replay does, on a simulation screen.
func startReplay(t testing.TB, tr *transcripts.Transcript, w, h int) *harness {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	u, cancel := newHost(t, appOptions{Lang: tr.Lang()}, scr)
	u.OpenReplay(tr, false)
	return startHost(t, u, cancel, scr, w, h)
}

// at waits until the replay shows pos steps.
func (h *harness) at(pos int) {
	h.T.Helper()
	h.waitUntil("the replay is at its step "+strconv.Itoa(pos), func(u *Host) bool { return u.ls.s.Pos() == pos })
}

// messagesIn counts the messages of the first mailbox of a state.
func messagesIn(st *events.State) int {
	for _, p := range st.Providers {
		for _, u := range p.Snapshot.Users {
			for _, mb := range u.Mailboxes {
				return len(mb.Messages)
			}
		}
	}
	return -1
}

func TestReplayStepsBackAndShowsTheStoredState(t *testing.T) {
	tr := recordLesson(t, testLesson(false), nil)
	h := startReplay(t, tr, 120, 40)
	h.WaitFor("POP3 by hand", "Press → to start.")

	for range 5 {
		h.Key(tcell.KeyRight)
	}
	h.at(5)
	h.WaitFor("Step 5/8 · Download")
	h.Key(tcell.KeyLeft)
	h.Key(tcell.KeyLeft)
	h.at(3)
	h.WaitFor("Step 3/8 · Password", ": 3 messages")
	sp := h.serverPane()
	if strings.Contains(sp, "marked for deletion") {
		t.Errorf("at step 3 nothing is marked yet:\n%s", sp)
	}
	// The state shown is the snapshot the cursor has for that step.
	h.On(func() {
		c := transcripts.NewCursor(tr)
		want := c.StateAt(2)
		got := h.u.ls.s.View().State
		if got == nil || want == nil || messagesIn(got) != messagesIn(want) {
			t.Errorf("the server pane's state is not the recorded one of step 3")
		}
	})
	for range 3 {
		h.TypeText(" ")
	}
	h.at(6)
	h.WaitFor("Step 6/8 · Delete", "1 marked for deletion")
	// Nothing runs in a replay: no servers, no step beyond the file.
	for range 5 {
		h.Key(tcell.KeyRight)
	}
	h.at(8)
	h.WaitFor("Step 8/8 · Check")
}

func TestReplaySearchAndGoTo(t *testing.T) {
	tr := recordLesson(t, testLesson(false), nil)
	h := startReplay(t, tr, 120, 40)
	h.WaitFor("Press → to start.")

	h.TypeText("/")
	h.waitUntil("the search field has the focus", func(u *Host) bool { return u.App.GetFocus() == u.ls.rp.search })
	h.TypeText("DELE")
	h.Key(tcell.KeyEnter)
	h.at(6)
	h.WaitFor("Step 6/8 · Delete", "/DELE  1/")
	h.On(func() {
		ls := h.u.ls
		row := ls.trans.Row(ls.tv.Selected())
		if row == nil || !strings.Contains(row.Text, "DELE 1") {
			t.Errorf("the selected line should be DELE's, is %+v", row)
		}
	})
	// n finds the next match (the server's reply annotates DELE too, or it
	// wraps around to the same line); N goes back.
	h.TypeText("n")
	h.TypeText("N")
	h.waitUntil("N comes back to the DELE line", func(u *Host) bool {
		row := u.ls.trans.Row(u.ls.tv.Selected())
		return row != nil && strings.Contains(row.Text, "DELE 1")
	})

	// g + number goes to a step.
	h.TypeText("g")
	h.waitUntil("the go-to field has the focus", func(u *Host) bool { return u.App.GetFocus() == u.ls.goTo })
	h.TypeText("2")
	h.Key(tcell.KeyEnter)
	h.at(2)
	h.WaitFor("Step 2/8 · Who are you?")

	// ] and [ go to the step markers.
	h.TypeText("]")
	h.at(3)
	h.TypeText("[")
	h.TypeText("[")
	h.at(1)

	h.TypeText("/")
	h.TypeText("no such text")
	h.Key(tcell.KeyEnter)
	h.WaitFor(`not found: "no such text"`)
}

func TestReplayShowsTheRecordedQuizAnswer(t *testing.T) {
	l := testLesson(true) // quizzes at steps 3 and 7 (0-based)
	tr := recordLesson(t, l, map[int]int{3: 1})
	h := startReplay(t, tr, 120, 40)
	h.WaitFor("Press → to start.")
	h.TypeText("g4")
	h.Key(tcell.KeyEnter)
	h.at(4)
	h.WaitFor("What will STAT answer?", "Not quite. -ERR")
	h.On(func() {
		if h.u.Ov.IsOpen() {
			t.Errorf("a replay should not ask the quiz (overlay %q)", h.u.Ov.Name)
		}
	})
}

func TestReplayPlaysAtTheRecordedPace(t *testing.T) {
	tr := recordLesson(t, testLesson(false), nil)
	h := startReplay(t, tr, 120, 40)
	h.WaitFor("Press → to start.")
	for range 5 {
		h.TypeText("+") // 8×
	}
	h.TypeText("P")
	h.waitUntil("autoplay reaches the end", func(u *Host) bool { return u.ls.s.Pos() == 8 && !u.ls.playing })
}

func TestSaveKeyWritesATranscript(t *testing.T) {
	dir := t.TempDir()
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{testLesson(false)}, Start: "test-pop3"}, 120, 40)
	h.started()
	h.On(func() { h.u.ls.saveDir = dir })
	for i := 1; i <= 3; i++ {
		h.TypeText("n")
		h.idleAt(i)
	}
	h.TypeText("w")
	h.WaitFor("Save transcript to")
	h.Key(tcell.KeyEnter)
	h.WaitFor("saved to " + dir)
	var n int
	h.On(func() { n = len(h.u.ls.s.Events()) })
	files, _ := filepath.Glob(filepath.Join(dir, "test-pop3-*.mailsim.yaml"))
	if len(files) != 1 {
		t.Fatalf("want one saved file, got %v", files)
	}
	got, err := transcripts.Load(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != n {
		t.Errorf("the file has %d events, the screen %d", len(got.Events), n)
	}
	if got.Live || got.Redacted {
		t.Errorf("a lesson without the sandbox is not live: live %v, redacted %v", got.Live, got.Redacted)
	}
	if got.Lesson == nil || got.Lesson.ID != "test-pop3" {
		t.Errorf("lesson %+v", got.Lesson)
	}
}

func TestReplayABuiltinLesson(t *testing.T) {
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	l, ok := lessons.Find(list, "pop3-basics")
	if !ok {
		t.Fatal("no built-in lesson pop3-basics")
	}
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: l, Deterministic: true})
	r, err := sim.Start(l, sim.Options{Emit: rec.Event, Deterministic: true, Files: l.SeedFS()})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Close()
	tr := rec.Transcript()
	h := startReplay(t, tr, 100, 30)
	h.WaitFor("Press → to start.")
	h.TypeText("/DELE")
	h.Key(tcell.KeyEnter)
	h.waitUntil("the search selects a DELE line", func(u *Host) bool {
		row := u.ls.trans.Row(u.ls.tv.Selected())
		return u.ls.s.Pos() > 0 && row != nil && strings.Contains(row.Text, "DELE")
	})
	h.TypeText("G")
	h.waitUntil("G goes to the last step", func(u *Host) bool { return u.ls.s.Pos() == u.ls.s.Ran() && u.ls.s.AtEnd() })
}

// A recording saved part way: → at its last step says that the recording
// ends there, and the story shows each step's own note, as live.
func TestReplayOfAPartialRecordingSaysWhereItEnds(t *testing.T) {
	l := testLesson(false)
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: l, Deterministic: true})
	r, err := sim.Start(l, sim.Options{Emit: rec.Event, Deterministic: true, Roles: model.RolesFor(l)})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 { // connect, USER, PASS of 8 steps
		r.Step(context.Background())
	}
	r.Close()
	h := startReplay(t, rec.Transcript(), 120, 40)
	h.WaitFor("Press → to start.")
	h.Key(tcell.KeyRight)
	h.Key(tcell.KeyRight)
	h.at(2)
	h.WaitFor("laptop ▸ USER alice", "USER names the mailbox.")
	h.On(func() {
		if n := h.u.ls.s.Shown.Steps[1].Note.In("en"); n != "USER names the mailbox." {
			t.Errorf("the replayed step's note is %q", n)
		}
	})
	h.Key(tcell.KeyRight)
	h.at(3)
	h.Key(tcell.KeyRight)
	h.WaitFor("The recording ends here: it holds 3 of the lesson's 8 steps.")
	h.at(3)
}

// A recording with no steps and no snapshot (an imported capture, a
// classroom session) says so: no server is "starting", and no step key
// is offered, since none would do anything.
func TestReplayOfARecordingWithNoStepsOrSnapshot(t *testing.T) {
	rec := transcripts.NewRecorder(transcripts.Meta{Live: true, ID: "capture"})
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for i, u := range []wire.Unit{
		{Dir: wire.ServerToClient, Kind: wire.Line, Text: "+OK ready"},
		{Dir: wire.ClientToServer, Kind: wire.Line, Text: "STAT", Command: "STAT"},
		{Dir: wire.ServerToClient, Kind: wire.Line, Text: "+OK 3 854", Command: "STAT"},
	} {
		u.Conn, u.Seq, u.Time, u.Len, u.Lines = 1, i, at, len(u.Text)+2, 1
		rec.Event(events.Event{Kind: events.EventWire, Step: -1, Time: at, Actor: "10.0.0.1", Conn: 1, Protocol: wire.POP3, Unit: &u})
	}
	h := startReplay(t, rec.Transcript(), 100, 30)
	screen := h.WaitFor("only what crossed the wire", "The whole session is in the transcript", "+OK 3 854")
	if strings.Contains(screen, "Starting the servers") {
		t.Errorf("a replay says the servers are starting:\n%s", screen)
	}
	h.On(func() {
		for _, b := range h.u.ls.keys.Bindings {
			switch b.ID {
			case "next", "back", "play", "goto", "marker", "latest":
				t.Errorf("a recording with no steps offers the step key %q", b.ID)
			}
		}
		if b, ok := h.u.ls.keys.Find("search"); !ok || b.Action == nil {
			t.Error("no search key in a recording with no steps")
		}
	})
}
