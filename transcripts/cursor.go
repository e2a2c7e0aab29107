package transcripts

import (
	"fmt"
	"sort"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/sim/events"
)

// Cursor is a position in a transcript, for replay: events up to and
// including Pos are shown. It moves a step or an event at a time, either
// way, jumps to steps and markers, and finds text; the state at any point
// comes from the saved snapshots, without running anything. It has no
// screen in it: the TUI draws what it says.
type Cursor struct {
	t   *Transcript
	pos int // the last event shown; -1 = none

	stepEnd  []int           // lesson step -> its last event
	stateAt  []*events.State // event index -> the state in effect (nil: none yet)
	markers  []Marker
	maxStep  int
	firstEvt int // the first event of step 0 (the events before it are the start)
}

// Marker is a titled step: a place to jump to.
type Marker struct {
	Step  int       // the lesson step
	Event int       // index of its step event
	Title i18n.Text // the step's title
}

// NewCursor returns a cursor before the first event.
func NewCursor(t *Transcript) *Cursor {
	c := &Cursor{t: t, pos: -1, stateAt: make([]*events.State, len(t.Events)), maxStep: -1, firstEvt: len(t.Events)}
	var st *events.State
	for i := range t.Events {
		e := &t.Events[i]
		if e.State != nil {
			st = e.State
		}
		c.stateAt[i] = st
		if e.Step >= 0 {
			for len(c.stepEnd) <= e.Step {
				c.stepEnd = append(c.stepEnd, -1)
			}
			c.stepEnd[e.Step] = i
			if e.Step > c.maxStep {
				c.maxStep = e.Step
			}
			if i < c.firstEvt {
				c.firstEvt = i
			}
		}
		if e.Kind == events.EventStep && len(e.Title) > 0 {
			c.markers = append(c.markers, Marker{Step: e.Step, Event: i, Title: e.Title})
		}
	}
	// a step with no events of its own ends where the one before it ends
	for s := range c.stepEnd {
		if c.stepEnd[s] < 0 {
			if s == 0 {
				c.stepEnd[s] = c.firstEvt - 1
			} else {
				c.stepEnd[s] = c.stepEnd[s-1]
			}
		}
	}
	return c
}

// Transcript is what the cursor moves over.
func (c *Cursor) Transcript() *Transcript { return c.t }

// Len is the number of events.
func (c *Cursor) Len() int { return len(c.t.Events) }

// Pos is the index of the last event shown; -1 before the first.
func (c *Cursor) Pos() int { return c.pos }

// Shown returns the events shown, in order.
func (c *Cursor) Shown() []events.Event { return c.t.Events[:c.pos+1] }

// Event returns the last event shown.
func (c *Cursor) Event() (*events.Event, bool) {
	if c.pos < 0 {
		return nil, false
	}
	return &c.t.Events[c.pos], true
}

// Steps is the number of lesson steps the transcript reaches.
func (c *Cursor) Steps() int { return c.maxStep + 1 }

// CurrentStep is the lesson step of the last event shown; -1 at the start.
func (c *Cursor) CurrentStep() int {
	if c.pos < 0 {
		return -1
	}
	return c.t.Events[c.pos].Step
}

// Next shows one more event; false at the end.
func (c *Cursor) Next() bool {
	if c.pos+1 >= len(c.t.Events) {
		return false
	}
	c.pos++
	return true
}

// Prev hides the last event shown; false before the first.
func (c *Cursor) Prev() bool {
	if c.pos < 0 {
		return false
	}
	c.pos--
	return true
}

// Step shows the rest of the current lesson step, or else the whole next
// one (the start comes first); false at the end.
func (c *Cursor) Step() bool {
	if c.pos+1 >= len(c.t.Events) {
		return false
	}
	cur := c.CurrentStep()
	if c.pos >= 0 && c.pos < len(c.t.Events) && cur >= 0 && c.stepEnd[cur] > c.pos {
		c.pos = c.stepEnd[cur] // finish the step under way
		return true
	}
	if cur < 0 && c.firstEvt-1 > c.pos { // the start
		c.pos = c.firstEvt - 1
		return true
	}
	for s := cur + 1; s < len(c.stepEnd); s++ {
		if c.stepEnd[s] > c.pos {
			c.pos = c.stepEnd[s]
			return true
		}
	}
	c.pos = len(c.t.Events) - 1
	return true
}

// Back goes back to the end of the previous step (or the start); false
// at the start.
func (c *Cursor) Back() bool {
	if c.pos < 0 {
		return false
	}
	cur := c.CurrentStep()
	for s := cur - 1; s >= 0; s-- {
		if c.stepEnd[s] < c.pos {
			c.pos = c.stepEnd[s]
			return true
		}
	}
	if c.firstEvt-1 < c.pos {
		c.pos = c.firstEvt - 1
	} else {
		c.pos = -1
	}
	return true
}

// Seek shows everything up to the end of lesson step k; -1 is the start
// (before the first step).
func (c *Cursor) Seek(step int) error {
	switch {
	case step == -1:
		c.pos = c.firstEvt - 1
	case step < -1 || step >= len(c.stepEnd):
		return fmt.Errorf("no step %d: the transcript has steps 0 to %d", step, len(c.stepEnd)-1)
	default:
		c.pos = c.stepEnd[step]
	}
	return nil
}

// SeekEvent shows everything up to event i (-1: nothing).
func (c *Cursor) SeekEvent(i int) error {
	if i < -1 || i >= len(c.t.Events) {
		return fmt.Errorf("no event %d: the transcript has %d", i, len(c.t.Events))
	}
	c.pos = i
	return nil
}

// Markers lists the titled steps, in order.
func (c *Cursor) Markers() []Marker { return c.markers }

// Jump goes to marker m: its step event is the last shown.
func (c *Cursor) Jump(m int) error {
	if m < 0 || m >= len(c.markers) {
		return fmt.Errorf("no marker %d: the transcript has %d", m, len(c.markers))
	}
	c.pos = c.markers[m].Event
	return nil
}

// Search returns the indices of the events whose text contains s, case
// folded: wire lines, annotations (in the transcript's language), step
// titles and narrative, results.
func (c *Cursor) Search(s string) []int {
	s = strings.ToLower(s)
	if s == "" {
		return nil
	}
	lang := c.t.Lang()
	var out []int
	has := func(x string) bool { return x != "" && strings.Contains(strings.ToLower(x), s) }
	for i := range c.t.Events {
		e := &c.t.Events[i]
		switch {
		case e.Unit != nil && has(e.Unit.Text), has(e.Title.In(lang)), has(e.Say.In(lang)), has(e.Note.In(lang)), has(e.Text.In(lang)),
			e.Gloss != nil && has(e.Gloss.Text.In(lang)), e.Quiz != nil && has(e.Quiz.Question.In(lang)):
			out = append(out, i)
		}
	}
	return out
}

// SearchNext returns the first match after the cursor, wrapping around;
// false when nothing matches.
func (c *Cursor) SearchNext(s string) (int, bool) {
	hits := c.Search(s)
	if len(hits) == 0 {
		return 0, false
	}
	k := sort.SearchInts(hits, c.pos+1)
	if k == len(hits) {
		k = 0
	}
	return hits[k], true
}

// State is the state at the cursor: the last snapshot at or before it.
func (c *Cursor) State() *events.State {
	if c.pos < 0 {
		return nil
	}
	return c.stateAt[c.pos]
}

// StateAt is the state at the end of lesson step k (-1: the start).
func (c *Cursor) StateAt(step int) *events.State {
	i := c.firstEvt - 1
	if step >= 0 && step < len(c.stepEnd) {
		i = c.stepEnd[step]
	}
	if step >= len(c.stepEnd) {
		i = len(c.t.Events) - 1
	}
	if i < 0 || i >= len(c.stateAt) {
		if len(c.t.Events) > 0 && step == -1 {
			return c.stateAt[0]
		}
		return nil
	}
	return c.stateAt[i]
}
