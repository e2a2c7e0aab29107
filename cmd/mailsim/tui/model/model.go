package model

import (
	"sort"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
)

// What says what changed in a Session, for its listeners.
type What int

// The changes a Session reports; they combine as bits.
const (
	ChangedEvents   What = 1 << iota // events were appended
	ChangedPosition                  // the learner moved to another step
	ChangedQuiz                      // a quiz was answered
	ChangedStatus                    // busy, ended, failed to start
	ChangedReset                     // the session started over
)

// Listener hears about a Session's changes. Views implement it; the model
// knows nothing else about them.
type Listener interface {
	SessionChanged(s *Session, what What)
}

// Answer is the learner's answer to a quiz step.
type Answer struct {
	Choice  int
	Correct bool
}

// Session is one lesson being learned: every event the simulator emitted so
// far, the position the learner looks at, and the quiz answers. It has no
// tview in it and is used only on the UI goroutine.
//
// Stepping back never reruns anything: each step's first event index is
// kept, and the state the learner sees at a position is the last state event
// before that position's end.
type Session struct {
	Shown *Shown // what is being shown: the lesson, or as far as a transcript tells it

	events    []events.Event
	stepFirst []int // per step run: the index of its EventStep
	stateIdx  []int // indices of events that carry a State (start and step ends)
	pos       int   // steps shown: 0 (before the first) .. Ran()
	answers   map[int]Answer

	// student marks the events the learner caused in the sandbox;
	// studentOn says that events appended now are such events.
	student   map[int]bool
	studentOn bool
	// explore is the first step no longer checked, once the learner kept
	// what they did in the sandbox; -1 while the lesson is as written.
	explore int
	// checkedFails counts the failed steps that were checked.
	checkedFails int

	busy     bool
	ended    bool
	endOK    bool
	startErr error
	lastErr  string

	listeners []Listener
}

// NewSession returns an empty session showing sh.
func NewSession(sh *Shown) *Session {
	return &Session{Shown: sh, answers: map[int]Answer{}, student: map[int]bool{}, explore: -1}
}

// AddListener registers a listener.
func (s *Session) AddListener(l Listener) { s.listeners = append(s.listeners, l) }

func (s *Session) fire(w What) {
	for _, l := range s.listeners {
		l.SessionChanged(s, w)
	}
}

// Reset forgets everything but the lesson and the listeners (a restart).
func (s *Session) Reset() {
	*s = Session{Shown: s.Shown, answers: map[int]Answer{}, student: map[int]bool{}, explore: -1, listeners: s.listeners}
	s.fire(ChangedReset | ChangedEvents | ChangedPosition | ChangedStatus | ChangedQuiz)
}

// Append adds events in the order the simulator emitted them. When the
// learner was at the live end, the position follows the new steps.
func (s *Session) Append(evs []events.Event) {
	if len(evs) == 0 {
		return
	}
	live := s.pos == s.Ran()
	for _, e := range evs {
		i := len(s.events)
		e = s.explored(e)
		s.events = append(s.events, e)
		if s.studentOn {
			s.student[i] = true
		}
		switch e.Kind {
		case events.EventStep:
			s.stepFirst = append(s.stepFirst, i)
		case events.EventStart, events.EventState:
			if e.State != nil {
				s.stateIdx = append(s.stateIdx, i)
			}
		case events.EventEnd:
			s.ended, s.endOK = true, e.OK
		}
	}
	what := ChangedEvents
	if live && s.pos != s.Ran() {
		s.pos = s.Ran()
		what |= ChangedPosition
	}
	s.fire(what)
}

// SetStudent says whether the events appended from now on are the
// learner's own (a sandbox line, its reply and the state after it).
func (s *Session) SetStudent(on bool) { s.studentOn = on }

// ByStudent reports whether event i is the learner's own.
func (s *Session) ByStudent(i int) bool { return s.student[i] }

// HasStudentEvents reports whether the learner typed anything that is
// still part of the session.
func (s *Session) HasStudentEvents() bool { return len(s.student) > 0 }

// Rewind forgets every event from index n on: the session is as it was
// when it had n events (the sandbox's "back to the lesson"). The position
// stays at the live end, and the answers stay.
func (s *Session) Rewind(n int) {
	if n >= len(s.events) {
		return
	}
	s.events = s.events[:n]
	s.stepFirst = indicesBefore(s.stepFirst, n)
	s.stateIdx = indicesBefore(s.stateIdx, n)
	for i := range s.student {
		if i >= n {
			delete(s.student, i)
		}
	}
	s.ended, s.endOK, s.checkedFails = false, false, 0
	for _, e := range s.events {
		switch {
		case e.Kind == events.EventEnd:
			s.ended, s.endOK = true, e.OK
		case e.Kind == events.EventFail && !s.Unchecked(e.Step):
			s.checkedFails++
		}
	}
	s.pos = min(s.pos, s.Ran())
	s.fire(ChangedReset | ChangedEvents | ChangedPosition | ChangedStatus)
}

// explored is e as explore mode shows it: a failed expectation of an
// unchecked step says it is not checked, and the end is a success when
// every step before exploring went as the lesson expected.
func (s *Session) explored(e events.Event) events.Event {
	switch {
	case e.Kind == events.EventFail && !s.Unchecked(e.Step):
		s.checkedFails++
	case e.Kind == events.EventFail:
		e.Text = i18n.Textf("not checked (you are exploring): %s", e.Text)
	case e.Kind == events.EventEnd && s.explore >= 0:
		e.OK = s.checkedFails == 0
		e.Text = i18n.Textf("%s; explored from step %d, not checked after it", e.Text, s.explore+1)
	}
	return e
}

// indicesBefore drops the indices at or after n from a sorted list.
func indicesBefore(idx []int, n int) []int { return idx[:sort.SearchInts(idx, n)] }

// Explore marks the steps from the next one to run on as no longer
// checked: the learner kept what they did in the sandbox, so the lesson's
// expectations no longer hold.
func (s *Session) Explore() {
	if s.explore < 0 {
		s.explore = s.Ran()
		s.fire(ChangedStatus)
	}
}

// Unchecked reports whether a step runs in explore mode, where what it
// expects is no longer checked.
func (s *Session) Unchecked(step int) bool { return s.explore >= 0 && step >= s.explore }

// Exploring reports whether the learner chose to keep their sandbox
// changes, and from which step the lesson is no longer checked.
func (s *Session) Exploring() (bool, int) { return s.explore >= 0, s.explore }

// Events returns every event so far; the slice must not be modified.
func (s *Session) Events() []events.Event { return s.events }

// Event returns event i.
func (s *Session) Event(i int) *events.Event { return &s.events[i] }

// Steps is the number of steps of the lesson.
func (s *Session) Steps() int { return len(s.Shown.Steps) }

// Ran is the number of steps the simulator has run: the live frontier.
func (s *Session) Ran() int { return len(s.stepFirst) }

// Pos is the number of steps shown: 0 before the first step, Ran() at the
// live end.
func (s *Session) Pos() int { return s.pos }

// Live reports whether the learner is at the live end.
func (s *Session) Live() bool { return s.pos == s.Ran() }

// Seek moves to a position among the steps already run (clamped). It
// reports whether the position changed.
func (s *Session) Seek(pos int) bool {
	pos = max(0, min(pos, s.Ran()))
	if pos == s.pos {
		return false
	}
	s.pos = pos
	s.fire(ChangedPosition)
	return true
}

// NeedsRun reports whether going forward from the current position means
// running the next step (the learner is at the live end and steps remain).
func (s *Session) NeedsRun() bool { return s.Live() && s.Ran() < s.Steps() }

// AtEnd reports whether the learner sees the last step of a finished lesson.
func (s *Session) AtEnd() bool { return s.Live() && s.Ran() >= s.Steps() }

// End is the index one past the last event visible at the position.
func (s *Session) End() int {
	if s.pos >= len(s.stepFirst) {
		return len(s.events)
	}
	return s.stepFirst[s.pos]
}

// PosOfEvent is the position at which event i is the last step's: the
// first position that shows it.
func (s *Session) PosOfEvent(i int) int {
	return min(sort.SearchInts(s.stepFirst, i+1), s.Ran())
}

// CurrentStep is the index of the step shown, -1 before the first.
func (s *Session) CurrentStep() int { return s.pos - 1 }

// StepEvent returns the EventStep of a step that has run.
func (s *Session) StepEvent(step int) (*events.Event, bool) {
	if step < 0 || step >= len(s.stepFirst) {
		return nil, false
	}
	return &s.events[s.stepFirst[step]], true
}

// StepEvents returns the events of a step that has run, up to what is
// visible: from its EventStep to the next step's.
func (s *Session) StepEvents(step int) []events.Event {
	if step < 0 || step >= len(s.stepFirst) {
		return nil
	}
	end := s.End()
	if step+1 < len(s.stepFirst) {
		end = min(end, s.stepFirst[step+1])
	}
	return s.events[s.stepFirst[step]:end]
}

// View is what the state panes show at the position: the state, the state
// before it, and what changed between them.
type View struct {
	State *events.State
	Prev  *events.State
	Delta []events.Change
}

// View returns the state at the current position.
func (s *Session) View() View {
	end := s.End()
	k := sort.SearchInts(s.stateIdx, end) // first state event at or after end
	if k == 0 {
		return View{}
	}
	cur := &s.events[s.stateIdx[k-1]]
	v := View{State: cur.State}
	if cur.Kind == events.EventState {
		v.Delta = cur.Delta
		if k >= 2 {
			v.Prev = s.events[s.stateIdx[k-2]].State
		}
	}
	return v
}

// NextQuiz returns the quiz of the next step to run when it is an
// unanswered quiz, so the app asks before running it.
func (s *Session) NextQuiz() (int, *lessons.QuizSpec, bool) {
	if !s.NeedsRun() {
		return 0, nil, false
	}
	i := s.Ran()
	st := &s.Shown.Steps[i]
	if st.Quiz == nil || len(st.Quiz.Choices) == 0 {
		return 0, nil, false
	}
	if _, done := s.answers[i]; done {
		return 0, nil, false
	}
	return i, st.Quiz, true
}

// AnswerQuiz records the answer to the quiz of a step.
func (s *Session) AnswerQuiz(step, choice int) Answer {
	q := s.Shown.Steps[step].Quiz
	a := Answer{Choice: choice, Correct: choice >= 0 && choice < len(q.Choices) && q.Choices[choice].Correct}
	s.answers[step] = a
	s.fire(ChangedQuiz)
	return a
}

// AnswerOf returns the answer given to a step's quiz.
func (s *Session) AnswerOf(step int) (Answer, bool) {
	a, ok := s.answers[step]
	return a, ok
}

// Score is the number of quizzes answered right, and asked.
func (s *Session) Score() (right, asked int) {
	for _, a := range s.answers {
		asked++
		if a.Correct {
			right++
		}
	}
	return right, asked
}

// SetBusy records that the simulator is running something.
func (s *Session) SetBusy(b bool) {
	if s.busy != b {
		s.busy = b
		s.fire(ChangedStatus)
	}
}

// Busy reports whether the simulator is running a step or a sandbox line.
func (s *Session) Busy() bool { return s.busy }

// Ended reports whether the lesson is over, and whether every step went as
// the lesson expected.
func (s *Session) Ended() (ended, ok bool) { return s.ended, s.endOK }

// SetStartErr records that the simulator could not start.
func (s *Session) SetStartErr(err error) {
	s.startErr = err
	s.fire(ChangedStatus)
}

// StartErr is why the simulator could not start, if it could not.
func (s *Session) StartErr() error { return s.startErr }

// SetError records the last error of a sandbox line or a step ("" clears).
func (s *Session) SetError(msg string) {
	s.lastErr = msg
	s.fire(ChangedStatus)
}

// LastError is the last error recorded.
func (s *Session) LastError() string { return s.lastErr }
