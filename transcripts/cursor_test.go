package transcripts

import (
	"mailsim/sim/events"
	"strings"
	"testing"
)

func inbox(t *testing.T, s *events.State) int {
	t.Helper()
	if s == nil {
		t.Fatal("no state")
	}
	p, ok := s.Provider("example.com")
	if !ok {
		t.Fatal("no example.com")
	}
	mb, ok := p.Snapshot.Mailbox("alice", "INBOX")
	if !ok {
		t.Fatal("no alice/INBOX")
	}
	return len(mb.Messages)
}

func TestTheCursorStepsForwardsAndBackwards(t *testing.T) {
	tr := recordLesson(t, "pop3-basics")
	c := NewCursor(tr)
	if c.Pos() != -1 || c.State() != nil {
		t.Fatalf("a new cursor shows event %d", c.Pos())
	}
	if !c.Step() || c.CurrentStep() != -1 {
		t.Fatalf("the first Step shows the start; at step %d", c.CurrentStep())
	}
	if inbox(t, c.State()) != 3 {
		t.Errorf("at the start the INBOX holds %d messages, want 3", inbox(t, c.State()))
	}
	for want := 0; c.Step(); want++ {
		if c.CurrentStep() != want {
			t.Fatalf("after Step: step %d, want %d", c.CurrentStep(), want)
		}
		if e, _ := c.Event(); want < c.Steps()-1 && e.Kind != events.EventState {
			t.Errorf("step %d ends with a %s event, want state", want, e.Kind)
		}
	}
	if c.Pos() != c.Len()-1 || c.CurrentStep() != c.Steps()-1 {
		t.Fatalf("Step stopped at event %d of %d", c.Pos(), c.Len())
	}
	if inbox(t, c.State()) != 0 {
		t.Errorf("at the end the INBOX holds %d messages, want 0", inbox(t, c.State()))
	}
	for want := c.Steps() - 2; want >= 0; want-- {
		if !c.Back() || c.CurrentStep() != want {
			t.Fatalf("after Back: step %d, want %d", c.CurrentStep(), want)
		}
	}
	if !c.Back() || c.CurrentStep() != -1 {
		t.Fatalf("Back from step 0 goes to the start; at %d", c.CurrentStep())
	}
	if !c.Back() || c.Pos() != -1 || c.Back() {
		t.Fatalf("Back from the start shows nothing, then stops")
	}
	if !c.Next() || c.Pos() != 0 || !c.Prev() || c.Pos() != -1 {
		t.Error("Next and Prev move one event")
	}
}

func TestSeekGivesTheStateAtAnyStepFromTheSnapshots(t *testing.T) {
	tr := recordLesson(t, "pop3-basics")
	c := NewCursor(tr)
	// replaying the events in order gives, at the end of each step, the
	// state Seek finds directly
	var last *events.State
	atEnd := map[int]*events.State{}
	for i := range tr.Events {
		if e := tr.Events[i]; e.State != nil {
			last = e.State
		}
		atEnd[tr.Events[i].Step] = last
	}
	for step := c.Steps() - 1; step >= -1; step-- {
		if err := c.Seek(step); err != nil {
			t.Fatal(err)
		}
		if c.CurrentStep() != step && c.Pos() >= 0 {
			t.Errorf("Seek(%d) lands on step %d", step, c.CurrentStep())
		}
		if inbox(t, c.State()) != inbox(t, atEnd[step]) || inbox(t, c.StateAt(step)) != inbox(t, atEnd[step]) {
			t.Errorf("step %d: Seek's INBOX holds %d, StateAt's %d, the replay's %d", step, inbox(t, c.State()), inbox(t, c.StateAt(step)), inbox(t, atEnd[step]))
		}
	}
	if c.Seek(c.Steps()) == nil || c.Seek(-2) == nil {
		t.Error("Seek past the ends is an error")
	}
}

func TestMarkersAndSearch(t *testing.T) {
	tr := recordLesson(t, "pop3-basics")
	c := NewCursor(tr)
	ms := c.Markers()
	if len(ms) == 0 {
		t.Fatal("no markers")
	}
	for i, m := range ms {
		if err := c.Jump(i); err != nil {
			t.Fatal(err)
		}
		e, _ := c.Event()
		if e.Kind != events.EventStep || e.Step != m.Step || e.Title.In("en") == "" {
			t.Errorf("marker %d: the cursor shows a %s event of step %d", i, e.Kind, e.Step)
		}
	}
	if c.Jump(len(ms)) == nil {
		t.Error("Jump past the last marker is an error")
	}
	hits := c.Search("retr")
	if len(hits) < 3 {
		t.Fatalf("Search(retr) found %d events", len(hits))
	}
	for _, i := range hits {
		e := tr.Events[i]
		if !strings.Contains(strings.ToLower(wireText(e)+e.Note.In("en")+e.Say.In("en")+e.Title.In("en")+glossText(e)), "retr") {
			t.Errorf("event %d does not mention RETR", i)
		}
	}
	c.SeekEvent(hits[0])
	if next, ok := c.SearchNext("retr"); !ok || next != hits[1] {
		t.Errorf("SearchNext = %d, want %d", next, hits[1])
	}
	if len(c.Search("no such text anywhere")) != 0 {
		t.Error("a search for nothing found something")
	}
}

func wireText(e events.Event) string {
	if e.Unit == nil {
		return ""
	}
	return e.Unit.Text
}

func glossText(e events.Event) string {
	if e.Gloss == nil {
		return ""
	}
	return e.Gloss.Text.In("en")
}
