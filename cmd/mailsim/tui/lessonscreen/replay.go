package lessonscreen

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/internal/i18n"
	"mailsim/transcripts"
)

// idleCap bounds a pause of the recording when it is played back.
const idleCap = 2 * time.Second

// replayer is what a lesson screen in replay mode has besides its Session:
// the transcript and a cursor over it, and the search.
type replayer struct {
	t       *transcripts.Transcript
	cur     *transcripts.Cursor
	query   string
	search  *tview.InputField
	markers []int // the lesson step of each marker
	// fromPicker: opened from the picker (a gallery sample): Esc goes back.
	fromPicker bool
}

// OpenReplay shows transcript t on the lesson screen, before its first
// step; fromPicker: Esc goes back to the picker rather than quitting.
func (u *Host) OpenReplay(t *transcripts.Transcript, fromPicker bool) {
	u.CloseLesson()
	u.gen++
	sh := model.ShownOfTranscript(t)
	ls := newLessonScreen(u, nil, sh, u.gen)
	u.ls = ls
	rp := &replayer{t: t, cur: transcripts.NewCursor(t), fromPicker: fromPicker}
	for _, m := range rp.cur.Markers() {
		rp.markers = append(rp.markers, m.Step)
	}
	ls.rp = rp

	rp.search = tview.NewInputField().SetLabel("/").SetFieldWidth(30)
	rp.search.SetLabelStyle(u.Theme.Accent).SetFieldStyle(u.Theme.Select)
	rp.search.SetDoneFunc(ls.searchDone)
	ls.bottom.AddPage("search", rp.search, true, false)
	ls.keys = ls.replayKeyMap()
	ls.hints.Invalidate()

	ls.s.Append(t.Events)
	for _, a := range t.Answers {
		if a.Step >= 0 && a.Step < len(sh.Steps) && sh.Steps[a.Step].Quiz != nil {
			ls.s.AnswerQuiz(a.Step, a.Choice)
		}
	}
	ls.s.Seek(0)
	ls.tv.SetFollow(true)
	u.Pages.AddAndSwitchToPage("lesson", ls.root, true)
	u.App.SetFocus(ls.tv)
}

// replayKeyMap is the lesson screen's key table for a replay: no sandbox,
// no restart, no saving; n and N find the next and previous match (→ and
// space step), / searches, [ and ] go to the step markers, Esc quits.
func (ls *lessonScreen) replayKeyMap() *keymap.Map { return ls.replayKeys(ls.keyMap()) }

// replayKeys makes the replay's table from the lesson screen's, base. It
// picks bindings by their IDs only: what a binding is called on screen
// changes nothing here.
func (ls *lessonScreen) replayKeys(base *keymap.Map) *keymap.Map {
	m := &keymap.Map{Name: "Replay"}
	// A recording with no steps (an imported capture, a classroom
	// session) shows everything at once: no step key would do anything.
	stepless := ls.s.Steps() == 0
	search := []keymap.Binding{
		{ID: "search", Keys: []keymap.Key{r('/')}, Short: "search", Desc: "search: type text, Enter jumps to the next matching line (a capital letter makes it case-sensitive; empty repeats)", Action: ls.askSearch},
		{ID: "match", Keys: []keymap.Key{r('n')}, Desc: "next match", Action: func() { ls.searchMove(1) }},
		{ID: "matchPrev", Keys: []keymap.Key{r('N')}, Desc: "previous match", Action: func() { ls.searchMove(-1) }},
	}
	for _, b := range base.Bindings {
		switch b.ID {
		case "sandbox", "restart", "save", "summary":
			continue
		case "back", "play", "faster", "slower", "latest":
			if stepless {
				continue
			}
		case "next":
			if stepless {
				continue
			}
			b.Keys = []keymap.Key{k(tcell.KeyRight), r(' ')}
			b.Desc, b.Action = "next step", ls.replayNext
		case "lessons":
			if ls.rp == nil || !ls.rp.fromPicker {
				b.Short, b.Desc, b.Action = "quit", "quit the replay", ls.u.Quit
			}
		case "quit":
			b.Short = ""
		case "goto":
			if !stepless {
				m.Bindings = append(m.Bindings, b,
					keymap.Binding{ID: "marker", Keys: []keymap.Key{r(']')}, Short: "marker", Desc: "next step marker", Action: func() { ls.jumpMarker(1) }},
					keymap.Binding{ID: "markerPrev", Keys: []keymap.Key{r('[')}, Desc: "previous step marker", Action: func() { ls.jumpMarker(-1) }},
				)
			}
			m.Bindings = append(m.Bindings, search...)
			continue
		}
		m.Bindings = append(m.Bindings, b)
	}
	return m
}

// replayNext shows the next recorded step; at the last one of a recording
// that stops before the lesson's end, it says so rather than nothing.
func (ls *lessonScreen) replayNext() {
	s := ls.s
	if s.Pos() >= s.Ran() && s.Ran() < s.Steps() {
		ls.setPlaying(false)
		ls.setFlash(i18n.Wordf(ls.u.Lang, "The recording ends here: it holds %d of the lesson's %d steps.", s.Ran(), s.Steps()))
		return
	}
	ls.next()
}

// replayDelay is how long autoplay waits before showing the next step: the
// recorded time between the step shown and the next, at most idleCap,
// scaled by the speed.
func (ls *lessonScreen) replayDelay() time.Duration {
	s := ls.s
	from, ok1 := s.StepEvent(s.CurrentStep())
	to, ok2 := s.StepEvent(s.CurrentStep() + 1)
	var gap time.Duration
	switch {
	case ok1 && ok2:
		gap = to.Time.Sub(from.Time)
	case ok2 && len(s.Events()) > 0:
		gap = to.Time.Sub(s.Event(0).Time)
	}
	gap = max(20*time.Millisecond, min(gap, idleCap))
	return time.Duration(float64(gap) / speeds[ls.speed])
}

// --- step markers

// jumpMarker goes to the next (d > 0) or previous step marker.
func (ls *lessonScreen) jumpMarker(d int) {
	cur := ls.s.CurrentStep()
	ms := ls.rp.markers
	target := -1
	if d > 0 {
		for _, st := range ms {
			if st > cur {
				target = st
				break
			}
		}
	} else {
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i] < cur {
				target = ms[i]
				break
			}
		}
	}
	if target < 0 {
		return
	}
	ls.setPlaying(false)
	ls.s.Seek(target + 1)
}

// --- search

func (ls *lessonScreen) askSearch() {
	ls.setPlaying(false)
	ls.ask("search", ls.rp.search, "")
}

func (ls *lessonScreen) searchDone(key tcell.Key) {
	if !ls.answered(key) {
		return
	}
	if q := ls.rp.search.GetText(); q != "" { // an empty search repeats the last
		ls.rp.query = q
	}
	ls.searchMove(1)
}

// here is the event the learner looks at: the selected line's, else the
// last one shown.
func (ls *lessonScreen) here() int {
	if i := ls.tv.Selected(); i >= 0 && i < ls.trans.Len() {
		if row := ls.trans.Row(i); row != nil {
			return row.Ref
		}
	}
	return ls.s.End() - 1
}

// searchMove jumps to the next (d > 0) or previous line matching the
// query, wrapping around.
func (ls *lessonScreen) searchMove(d int) {
	rp := ls.rp
	if rp.query == "" {
		ls.setFlash("")
		return
	}
	hits := ls.searchHits(rp.query)
	if len(hits) == 0 {
		ls.setFlash(fmt.Sprintf("%s: %q", tr(ls.u.Lang, "not found"), rp.query))
		return
	}
	at := ls.here()
	var ev int
	if d > 0 {
		k := sort.SearchInts(hits, at+1)
		ev = hits[k%len(hits)]
	} else {
		k := sort.SearchInts(hits, at) - 1
		if k < 0 {
			k = len(hits) - 1
		}
		ev = hits[k]
	}
	n := sort.SearchInts(hits, ev) + 1
	ls.showEvent(ev)
	ls.setFlash(fmt.Sprintf("/%s  %d/%d", rp.query, n, len(hits)))
}

// searchHits are the events whose line matches q: of the cursor's matches
// (lines, annotations, narrative, case folded), those whose line as shown
// contains q, case-sensitive when q has a capital letter (smart case); when
// no line shows q, every match with a line.
func (ls *lessonScreen) searchHits(q string) []int {
	evs := ls.s.Events()
	exact := strings.ToLower(q) != q
	shows := func(text string) bool {
		if exact {
			return strings.Contains(text, q)
		}
		return strings.Contains(strings.ToLower(text), strings.ToLower(q))
	}
	var all, lines []int
	for _, i := range ls.rp.cur.Search(q) {
		if i >= len(evs) || !hasRow(&evs[i]) {
			continue
		}
		all = append(all, i)
		row := ls.trans.Row(ls.trans.RowOfEvent(i))
		if row == nil || row.Ref != i {
			continue
		}
		text := row.Text
		for _, b := range row.Block {
			text += "\n" + b
		}
		if shows(text) {
			lines = append(lines, i)
		}
	}
	if len(lines) > 0 {
		return lines
	}
	return all
}

// showEvent moves to the step that holds event ev and selects its line.
func (ls *lessonScreen) showEvent(ev int) {
	ls.setPlaying(false)
	if err := ls.rp.cur.SeekEvent(ev); err != nil {
		return
	}
	ls.s.Seek(ls.s.PosOfEvent(ev))
	if row := ls.trans.RowOfEvent(ev); row >= 0 {
		ls.tv.Select(row)
	}
}

// noSnapshot is what the state pane and the story say when a replayed
// recording has no snapshot of the servers (an imported capture, a
// classroom session): in a replay no server starts.
const noSnapshot = "This recording holds no snapshot of the servers' mailboxes: only what crossed the wire."

// noSteps is the story of a replayed recording with no steps: all of it
// is in the transcript at once.
const noSteps = "The whole session is in the transcript: ↑↓ picks a line and shows what it means, / searches."
