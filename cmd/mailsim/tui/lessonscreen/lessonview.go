package lessonscreen

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
)

// speeds are the autoplay speeds; baseDelay is the pause between steps at 1×.
var speeds = []float64{0.25, 0.5, 1, 2, 4, 8}

const baseDelay = 1500 * time.Millisecond

// lessonScreen is a lesson being learned: the Session (model) and the
// panes that show it.
type lessonScreen struct {
	u      *Host
	s      *model.Session
	lesson *lessons.Lesson // the lesson run; nil in a replay, which shows s.Shown only
	gen    int
	trans  *transcript
	keys   *keymap.Map

	root    *tview.Flex
	middle  *tview.Flex
	right   *tview.Flex
	story   *widgets.LinesPane
	tv      *transcriptview.View
	meaning *widgets.LinesPane
	server  *widgets.LinesPane
	devices *widgets.LinesPane
	status  *tview.TextView // the status line: messages, score, play state
	bottom  *tview.Pages    // hints, or the go-to-step field
	hints   *widgets.TextPane
	goTo    *tview.InputField
	sb      *sandbox
	panes   []tview.Primitive // Tab order

	shape      shape           // the layout built (layout.go)
	zoomed     tview.Primitive // the pane zoomed to the whole screen, nil for none
	presenting bool            // presenter mode: no timestamps, a wider transcript, long lines wrapped
	timeSet    bool            // the learner chose whether timestamps show

	playing      bool
	speed        int // index into speeds
	runTo        int // keep running steps until Pos reaches this
	timer        *time.Timer
	addrs        map[string]string // actor -> server address
	scratch      []events.Event
	quizOn       bool
	summaryShown bool          // the end-of-lesson summary has opened once
	quiz         *quizModal    // the quiz asked now, nil for none (quiz.go)
	quizGuard    time.Duration // how long keys do not answer a quiz that stopped running ahead
	dirty        bool          // the texts must be rendered again at the next draw

	rp      *replayer // replay mode (replay.go): the steps come from a saved transcript
	flash   string    // a message for the status line ("saved to …"); cleared on the next move
	saveDir string    // where w offers to save; "" = the transcripts folder (save.go)
	// saveField asks where w saves (save.go), in the bottom line.
	saveField *tview.InputField
}

// newLessonScreen shows sh: a run of lesson l, or a replay (l nil).
func newLessonScreen(u *Host, l *lessons.Lesson, sh *model.Shown, gen int) *lessonScreen {
	ls := &lessonScreen{u: u, s: model.NewSession(sh), lesson: l, gen: gen, speed: 2, quizGuard: quizGuard, presenting: u.o.Present}
	th := u.Theme
	ls.trans = newTranscript(ls.s, th, u.Lang)

	ls.story = widgets.NewLinesPane(th)
	ls.story.MoreKey = "J"
	ls.tv = transcriptview.New(ls.trans)
	ls.tv.SetActorWidth(actorWidth(sh))
	ls.tv.SetSelectedFunc(func(int) { ls.renderMeaning() })
	ls.meaning = widgets.NewLinesPane(th)
	ls.server = widgets.NewLinesPane(th)
	ls.devices = widgets.NewLinesPane(th)
	ls.status = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	ls.status.SetBackgroundColor(tcell.ColorDefault)
	ls.hints = u.HintBar(func() *keymap.Map {
		if ls.sb.open && ls.sb.input.HasFocus() { // not App.GetFocus, which waits for the lock the draw holds
			return ls.sb.keys
		}
		return ls.keys
	})
	ls.goTo = tview.NewInputField().SetAcceptanceFunc(tview.InputFieldInteger).SetFieldWidth(6)
	ls.goTo.SetLabelStyle(th.Accent).SetFieldStyle(th.Select)
	ls.goTo.SetDoneFunc(ls.goToDone)
	ls.bottom = tview.NewPages().AddPage("hints", ls.hints, true, true).AddPage("goto", ls.goTo, true, false)
	ls.sb = newSandbox(ls)
	ls.relabelFrames()
	ls.panes = []tview.Primitive{ls.tv, ls.server, ls.devices, ls.meaning, ls.story}

	ls.root = tview.NewFlex().SetDirection(tview.FlexRow)
	ls.middle = tview.NewFlex()
	ls.right = tview.NewFlex().SetDirection(tview.FlexRow)
	ls.keys = ls.keyMap()
	ls.s.AddListener(ls)
	ls.SessionChanged(ls.s, model.ChangedReset|model.ChangedStatus)
	return ls
}

// actorWidth fits the transcript's actor column to the lesson's actors.
func actorWidth(sh *model.Shown) int {
	w := 6
	for _, a := range sh.Actors {
		w = max(w, len([]rune(a.Name)))
	}
	return min(w, 12)
}

func (ls *lessonScreen) relabelFrames() {
	th, lang := ls.u.Theme, ls.u.Lang
	th.Frame(ls.story.Box, tr(lang, "Story"))
	th.Frame(ls.tv.Box, tr(lang, "Transcript"))
	th.Frame(ls.meaning.Box, tr(lang, "Meaning"))
	th.Frame(ls.server.Box, tr(lang, "Server"))
	th.Frame(ls.devices.Box, tr(lang, "Devices"))
	ls.goTo.SetLabel(tr(lang, "Go to step") + fmt.Sprintf(" (1-%d): ", ls.s.Steps()))
}

// keyMap is the lesson screen's key table.
func (ls *lessonScreen) keyMap() *keymap.Map {
	u := ls.u
	return &keymap.Map{Name: "Lesson", Bindings: []keymap.Binding{
		{ID: "next", Keys: []keymap.Key{k(tcell.KeyRight), r('n'), r(' ')}, Short: "next", Desc: "next step (runs it when it is new)", Action: ls.next},
		{ID: "back", Keys: []keymap.Key{k(tcell.KeyLeft), r('p')}, Short: "back", Desc: "previous step (from the stored state, nothing reruns)", Action: ls.prev},
		{ID: "more", Keys: []keymap.Key{r('J')}, Short: "more", Desc: "scroll the story down, when it says more ↓", Action: func() { ls.scrollStory(1) }, When: func() bool { return ls.story.Hidden() > 0 }},
		{ID: "less", Keys: []keymap.Key{r('K')}, Desc: "scroll the story up", Action: func() { ls.scrollStory(-1) }},
		{ID: "play", Keys: []keymap.Key{r('P')}, Short: "play", Desc: "play / pause", Action: ls.togglePlay},
		{ID: "faster", Keys: []keymap.Key{r('+'), r('=')}, Desc: "play faster (up to 8×)", Action: func() { ls.setSpeed(ls.speed + 1) }},
		{ID: "slower", Keys: []keymap.Key{r('-')}, Desc: "play slower (down to 0.25×)", Action: func() { ls.setSpeed(ls.speed - 1) }},
		{ID: "sandbox", Keys: []keymap.Key{r('s')}, Short: "try it", Desc: "sandbox: type your own commands as a device", Action: ls.sb.show},
		{ID: "goto", Keys: []keymap.Key{r('g')}, Short: "go to", Desc: "go to step…", Action: ls.askGoTo},
		{ID: "latest", Keys: []keymap.Key{r('G')}, Desc: "go to the latest step", Action: func() { ls.s.Seek(ls.s.Ran()) }},
		{ID: "restart", Keys: []keymap.Key{r('r')}, Desc: "restart the lesson (fresh servers)", Action: ls.restart},
		{ID: "save", Keys: []keymap.Key{r('w')}, Short: "save", Desc: saveHelp, Action: ls.save},
		{ID: "follow", Keys: []keymap.Key{r('f')}, Desc: "follow the newest line on/off", Action: ls.toggleFollow},
		{ID: "time", Keys: []keymap.Key{r('t')}, Desc: "timestamps on/off", Action: ls.toggleTime},
		{ID: "zoom", Keys: []keymap.Key{r('z')}, Desc: "zoom the focused pane to the whole screen, and back (Tab picks the pane)", Action: ls.toggleZoom},
		{ID: "present", Keys: []keymap.Key{r('m')}, Desc: "presenter mode on/off: no timestamps, a wider transcript, long lines wrapped", Action: ls.togglePresent},
		{ID: "fold", Keys: []keymap.Key{k(tcell.KeyEnter)}, Desc: "fold / unfold the selected message body", Action: ls.toggleBlock},
		{ID: "pane", Keys: []keymap.Key{k(tcell.KeyTab)}, Desc: "next pane", Action: func() { ls.cycleFocus(1) }},
		{ID: "panePrev", Keys: []keymap.Key{k(tcell.KeyBacktab)}, Desc: "previous pane", Action: func() { ls.cycleFocus(-1) }},
		{ID: "lang", Keys: []keymap.Key{r('L')}, Desc: "language: " + i18n.LanguageMenu(), Action: u.o.NextLang},
		{ID: "help", Keys: []keymap.Key{r('?')}, Short: "help", Keep: true, Desc: "this help", Action: ls.showHelp},
		{ID: "lessons", Keys: []keymap.Key{k(tcell.KeyEscape), k(tcell.KeyBackspace2)}, Short: "lessons", Keep: true, Desc: "back to the lessons", Action: u.o.Back},
		{ID: "quit", Keys: []keymap.Key{r('q'), k(tcell.KeyCtrlC)}, Short: "quit", Keep: true, Desc: "quit", Action: u.Quit},
	}}
}

// showHelp shows the lesson screen's keys, then those of the panes that
// the lesson screen leaves to them: generated from the tables that
// dispatch the keys, so every key listed works and every key that works is
// listed.
func (ls *lessonScreen) showHelp() { ls.u.ShowHelp(ls.helpMaps()...) }

// helpMaps are the key tables the help shows, in order.
func (ls *lessonScreen) helpMaps() []*keymap.Map {
	text := []keymap.Binding{
		{ID: "line", Keys: []keymap.Key{k(tcell.KeyUp), r('k'), k(tcell.KeyDown), r('j')}, Desc: "scroll a line"},
		{ID: "page", Keys: []keymap.Key{k(tcell.KeyPgUp), k(tcell.KeyPgDn)}, Desc: "scroll a page"},
		{ID: "ends", Keys: []keymap.Key{k(tcell.KeyHome), r('g'), k(tcell.KeyEnd), r('G')}, Desc: "to the top, to the bottom"},
	}
	maps := []*keymap.Map{ls.keys, widgets.PaneKeys(ls.keys),
		keymap.Without("Story, meaning, server and devices panes (Tab to them)", text, ls.keys)}
	if _, ok := ls.keys.Find("sandbox"); ok {
		maps = append(maps, ls.sb.keys)
	}
	return maps
}

// SessionChanged refreshes the panes that show what changed.
func (ls *lessonScreen) SessionChanged(s *model.Session, what model.What) {
	if what&(model.ChangedPosition|model.ChangedReset) != 0 {
		ls.flash = ""
	}
	if what&model.ChangedReset != 0 {
		ls.trans.reset()
	}
	if what&(model.ChangedEvents|model.ChangedPosition|model.ChangedReset|model.ChangedQuiz) != 0 {
		ls.trans.sync()
		if what&model.ChangedQuiz != 0 {
			clear(ls.trans.cache)
		}
		ls.tv.Refresh()
	}
	ls.dirty = true
}

// relabel re-renders every text in the current language.
func (ls *lessonScreen) relabel() {
	ls.trans.relabel(ls.u.Lang)
	ls.relabelFrames()
	ls.sb.relabel()
	ls.hints.Invalidate()
	ls.dirty = true
}

func (ls *lessonScreen) close() {
	ls.stopTimer()
	ls.playing = false
}

// renderStory and renderMeaning ask for the panes to be rendered again:
// arrange (layout.go) renders every text pane at the next draw, for the
// width it gives it.
func (ls *lessonScreen) renderStory()   { ls.dirty = true }
func (ls *lessonScreen) renderMeaning() { ls.dirty = true }

// --- the story pane

// storyLines is the story pane's text for a width: the step's head, its
// whole narration reflowed, what it does, a quiz's question and answer,
// and any failure.
func (ls *lessonScreen) storyLines(w int) []string {
	th, lang, s := ls.u.Theme, ls.u.Lang, ls.s
	l := s.Shown
	var out []string
	para := func(st tcell.Style, text string) {
		for _, ln := range widgets.Wrap(text, w) {
			out = append(out, th.Tag(st)+tview.Escape(ln)+widgets.Reset)
		}
	}
	step := s.CurrentStep()
	head := l.Title.In(lang)
	if step >= 0 {
		head = fmt.Sprintf("%s %d/%d", tr(lang, "Step"), step+1, s.Steps())
		if t := sectionTitle(l, step, lang); t != "" {
			head += " · " + t
		}
	}
	out = append(out, widgets.SegLine(th, w, widgets.Seg{Style: th.Title, Text: head}))
	if on, from := s.Exploring(); on {
		para(th.Bad, i18n.Wordf(lang, "exploring: not checked from step %d", from+1))
	}

	switch {
	case s.StartErr() != nil:
		para(th.Bad, i18n.Wordf(lang, "Could not start the lesson's servers: %s", tr(lang, s.StartErr().Error())))
	case step < 0:
		if sum := l.Summary.In(lang); sum != "" {
			para(th.Text, sum)
		}
		switch {
		case s.View().State != nil:
			para(th.Accent, tr(lang, "Press → to start."))
		case ls.rp != nil && s.Steps() == 0:
			para(th.Dim, tr(lang, noSnapshot))
			para(th.Accent, tr(lang, noSteps))
		case ls.rp != nil:
			para(th.Dim, tr(lang, noSnapshot))
			para(th.Accent, tr(lang, "Press → to start."))
		default:
			para(th.Dim, tr(lang, "Starting the servers…"))
		}
	default:
		st := &l.Steps[step]
		if say := strings.TrimSpace(st.Say.In(lang)); say != "" {
			para(th.Text, say)
		}
		if act := stepAction(lang, st.Action); act != "" {
			as := ls.trans.actorStyle(st.Action.Actor)
			n := widgets.OneLine(st.Note.In(lang))
			switch {
			case n == "":
				out = append(out, widgets.SegLine(th, w, widgets.Seg{Style: as, Text: act}))
			case uniseg.StringWidth(act+" — "+n) <= w:
				out = append(out, widgets.SegLine(th, w, widgets.Seg{Style: as, Text: act}, widgets.Seg{Style: th.Dim, Text: " — " + n}))
			default:
				out = append(out, widgets.SegLine(th, w, widgets.Seg{Style: as, Text: act}))
				para(th.Dim, "— "+n)
			}
		}
		ls.storyQuiz(para, step)
		for _, e := range s.StepEvents(step) {
			if e.Kind == events.EventFail {
				para(th.Bad, "✗ "+widgets.OneLine(e.Text.In(lang)))
			}
		}
	}
	return out
}

// sectionTitle is the title of the step, or of the last step before it that
// has one: lessons title the first step of each part.
func sectionTitle(l *model.Shown, step int, lang string) string {
	for i := step; i >= 0; i-- {
		if t := l.Steps[i].Title.In(lang); t != "" {
			return t
		}
	}
	return ""
}

// stepAction says in a line what a step does, e.g. "laptop ▸ DELE 2".
func stepAction(lang string, a model.Action) string {
	switch a.Verb {
	case model.Connects:
		return fmt.Sprintf("%s ⇄ %s", a.Actor, a.Object)
	case model.Sends:
		return fmt.Sprintf("%s ▸ %s", a.Actor, a.Object)
	case model.Drops:
		return fmt.Sprintf("%s ✕ %s", a.Actor, tr(lang, "connection lost"))
	case model.Waits:
		return fmt.Sprintf("%s … %s", a.Actor, tr(lang, "waits"))
	case model.Delivers:
		return "✉ → " + a.Object
	}
	return ""
}

// storyQuiz writes a quiz step's question and the learner's answer.
func (ls *lessonScreen) storyQuiz(para func(tcell.Style, string), step int) {
	th, lang := ls.u.Theme, ls.u.Lang
	q := ls.s.Shown.Steps[step].Quiz
	if q == nil {
		return
	}
	para(th.Accent, "? "+q.Question.In(lang))
	a, ok := ls.s.AnswerOf(step)
	if !ok || a.Choice < 0 || a.Choice >= len(q.Choices) {
		return
	}
	verdict, st := tr(lang, "Right!"), th.OK
	if !a.Correct {
		verdict, st = tr(lang, "Not quite."), th.Bad
	}
	para(st, verdict+" "+q.Choices[a.Choice].Text.In(lang))
	if ex := q.Explain.In(lang); ex != "" {
		para(th.Text, ex)
	}
}

// statusLine is the line above the hint bar: on the left the last message
// (saved to …, the lesson's end, an error), on the right the score, the
// play state and follow.
func (ls *lessonScreen) statusLine(w int) string {
	th, lang, s := ls.u.Theme, ls.u.Lang, ls.s
	var parts []string
	if right, asked := s.Score(); asked > 0 {
		parts = append(parts, fmt.Sprintf("%s %d/%d", tr(lang, "Score"), right, asked))
	}
	sp := strconv.FormatFloat(speeds[ls.speed], 'f', -1, 64) + "×"
	if ls.playing {
		parts = append(parts, "▶ "+tr(lang, "playing")+" "+sp)
	} else {
		parts = append(parts, "‖ "+sp)
	}
	if ls.tv.Follow() {
		parts = append(parts, tr(lang, "follow"))
	}
	if ls.presenting {
		parts = append(parts, tr(lang, "presenting"))
	}
	if s.Busy() {
		parts = append(parts, tr(lang, "running…"))
	}
	rightText := strings.Join(parts, " · ")

	var msg widgets.Seg
	switch {
	case s.LastError() != "":
		msg = widgets.Seg{Style: th.Bad, Text: tr(lang, s.LastError())}
	case ls.flash != "":
		msg = widgets.Seg{Style: th.OK, Text: ls.flash}
	default:
		if ended, ok := s.Ended(); ended && s.AtEnd() && s.Shown.Recording {
			msg = widgets.Seg{Style: th.OK, Text: tr(lang, "End of the recording.")}
		} else if ended && s.AtEnd() {
			right, asked := s.Score()
			msg = widgets.Seg{Style: th.OK, Text: tr(lang, "Lesson complete.")}
			if !ok {
				msg = widgets.Seg{Style: th.Bad, Text: tr(lang, "Some steps did not go as the lesson expected.")}
			}
			if asked > 0 {
				msg.Text += fmt.Sprintf(" %s %d/%d.", tr(lang, "Score"), right, asked)
			}
		}
	}
	rw := uniseg.StringWidth(rightText)
	if rw+2+uniseg.StringWidth(msg.Text) > w { // the message comes first
		return widgets.SegLine(th, w, msg)
	}
	left := widgets.SegLine(th, w-rw-2, msg)
	pad := w - rw - tview.TaggedStringWidth(left)
	return left + strings.Repeat(" ", max(1, pad)) + th.Tag(th.Dim) + tview.Escape(rightText) + widgets.Reset
}

// --- the meaning pane

// meaningLines is the meaning pane's text for a width: the selected line
// and what it means (widgets.Meaning, as the live view shows it).
func (ls *lessonScreen) meaningLines(w int) []string {
	th, lang := ls.u.Theme, ls.u.Lang
	return ls.meaningOf(th, lang).Lines(th, lang, w)
}

// meaningOf is what the meaning pane says: the selected line, its details
// (with the time unless presenting), the lesson's note, the glossary's
// gloss, a decoded SASL PLAIN secret, and a step marker's narration.
func (ls *lessonScreen) meaningOf(th *widgets.Theme, lang string) widgets.Meaning {
	hint := func(s string) widgets.Meaning {
		return widgets.Meaning{Notes: []widgets.Para{{Style: th.Dim, Text: tr(lang, s)}}}
	}
	if ls.quizOn { // what a line means can give the answer away
		return hint("Hidden until you answer the quiz.")
	}
	i := ls.tv.Selected()
	row := ls.trans.Row(i)
	if i < 0 || row == nil || i >= ls.trans.Len() {
		return hint("Select a line to see what it means.")
	}
	e := ls.s.Event(row.Ref)
	m := widgets.Meaning{Line: row.Text, Style: ls.trans.actorStyle(e.Actor)}
	if e.Unit != nil {
		u := widgets.UnitOfEvent(e)
		m.Line, m.About = u.Headline(lang), u.About(lang, !ls.presenting)
	}
	if e.Actor != "" {
		m.Line = e.Actor + " " + m.Line
	}
	m.Notes = append(m.Notes, widgets.Para{Style: th.Text, Text: e.ShownNote().In(lang)})
	if text, rfc := widgets.GlossLine(e.Gloss, lang); text != "" {
		m.Notes = append(m.Notes, widgets.Para{Style: th.Text, Text: "· " + text, Ref: rfc})
	}
	if dec, ok := widgets.SASLPlain(e.Unit, lang); ok {
		m.Notes = append(m.Notes, widgets.Para{Style: th.Bad, Text: dec})
	}
	if e.Kind == events.EventStep && e.Step != ls.s.CurrentStep() { // the story pane shows the current step's
		m.Notes = append(m.Notes, widgets.Para{Style: th.Text, Text: e.Say.In(lang)})
	}
	return m
}

// --- stepping

// next shows the next step: from memory when it has run, else runs it (a
// quiz step asks first).
func (ls *lessonScreen) next() {
	s := ls.s
	if s.Busy() || ls.quizOn || s.StartErr() != nil {
		return
	}
	if !s.NeedsRun() || ls.rp != nil { // a replay never runs anything
		if s.Seek(s.Pos() + 1) {
			ls.afterAdvance()
		} else {
			ls.runTo = 0
			ls.setPlaying(false)
		}
		return
	}
	if step, q, ok := s.NextQuiz(); ok {
		ls.askQuiz(step, q)
		return
	}
	if s.View().State == nil {
		return // not started yet
	}
	if ls.u.drv.Step(ls.gen) {
		s.SetError("")
		s.SetBusy(true)
	}
}

func (ls *lessonScreen) prev() {
	ls.runTo = 0
	ls.setPlaying(false)
	ls.s.Seek(ls.s.Pos() - 1)
}

// finished handles the end of a driver operation.
func (ls *lessonScreen) finished(res *model.Result) {
	s := ls.s
	switch res.Op {
	case "start":
		if res.Err != nil {
			s.SetStartErr(res.Err)
			return
		}
		ls.addrs = res.Addrs
		ls.sb.relabel()
		ls.renderStory()
	case "step":
		s.SetBusy(false)
		var se *sim.StepError
		if res.Err != nil && !errors.As(res.Err, &se) {
			s.SetError(res.Err.Error())
		}
		ended, _ := s.Ended()
		if ended {
			right, asked := s.Score()
			if err := ls.u.progress.MarkDone(s.Shown.ID, right, asked); err != nil {
				s.SetError(err.Error())
			}
		}
		ls.afterAdvance()
		if ended && s.AtEnd() && !ls.summaryShown && ls.rp == nil {
			ls.showSummary()
		}
	case "send":
		s.SetBusy(false)
		ls.sb.finished(res)
	case "rewind":
		ls.sb.rewound(res)
	}
}

// afterAdvance keeps going when a go-to-step or autoplay asks for more.
func (ls *lessonScreen) afterAdvance() {
	if ls.runTo > ls.s.Pos() {
		ls.next()
		return
	}
	ls.runTo = 0
	if ls.playing {
		if ls.s.AtEnd() {
			ls.setPlaying(false)
			return
		}
		ls.schedule()
	}
}

// schedule runs next after the autoplay delay (longer for a pause step).
func (ls *lessonScreen) schedule() {
	ls.stopTimer()
	d := time.Duration(float64(baseDelay) / speeds[ls.speed])
	if p := ls.s.Pos(); ls.lesson != nil && p < len(ls.lesson.Steps) && ls.lesson.Steps[p].Kind == lessons.Pause && ls.lesson.Steps[p].Timeout > 0 {
		d += time.Duration(float64(time.Duration(ls.lesson.Steps[p].Timeout)*time.Millisecond) / speeds[ls.speed])
	}
	if ls.rp != nil {
		d = ls.replayDelay() // the recorded pace
	}
	gen := ls.gen
	ls.timer = time.AfterFunc(d, func() {
		ls.u.Post(func() {
			if ls.u.ls == ls && ls.gen == gen && ls.playing {
				ls.next()
			}
		})
	})
}

func (ls *lessonScreen) stopTimer() {
	if ls.timer != nil {
		ls.timer.Stop()
		ls.timer = nil
	}
}

func (ls *lessonScreen) setPlaying(on bool) {
	if ls.playing == on {
		return
	}
	ls.playing = on
	if !on {
		ls.stopTimer()
	}
	ls.renderStory()
}

func (ls *lessonScreen) togglePlay() {
	ls.setPlaying(!ls.playing)
	if ls.playing {
		ls.next()
	}
}

func (ls *lessonScreen) setSpeed(i int) {
	ls.speed = max(0, min(i, len(speeds)-1))
	if ls.playing {
		ls.schedule()
	}
	ls.renderStory()
}

// restart closes the servers and starts the lesson again from scratch.
func (ls *lessonScreen) restart() {
	ls.setPlaying(false)
	ls.runTo = 0
	ls.quizOn = false
	ls.u.gen++
	ls.gen = ls.u.gen
	ls.s.Reset()
	if !ls.u.drv.Start(ls.lesson, ls.gen) {
		ls.s.SetStartErr(fmt.Errorf("the simulator is busy; press r to try again"))
	}
}

// --- go to step

func (ls *lessonScreen) askGoTo() { ls.ask("goto", ls.goTo, "") }

// ask puts a question in the bottom bar: page's input field, holding text.
func (ls *lessonScreen) ask(page string, field *tview.InputField, text string) {
	field.SetText(text)
	ls.bottom.SwitchToPage(page)
	ls.u.App.SetFocus(field)
}

// answered puts the hints back in the bottom bar, and reports whether
// the question was answered (Enter) rather than put away.
func (ls *lessonScreen) answered(key tcell.Key) bool {
	ls.bottom.SwitchToPage("hints")
	ls.u.App.SetFocus(ls.tv)
	return key == tcell.KeyEnter
}

func (ls *lessonScreen) goToDone(key tcell.Key) {
	if !ls.answered(key) {
		return
	}
	n, err := strconv.Atoi(ls.goTo.GetText())
	if err != nil {
		return
	}
	ls.goToStep(n)
}

// goToStep shows step n (1-based): from memory, or by running up to it.
func (ls *lessonScreen) goToStep(n int) {
	n = max(0, min(n, ls.s.Steps()))
	if n <= ls.s.Ran() {
		ls.s.Seek(n)
		return
	}
	ls.s.Seek(ls.s.Ran())
	ls.runTo = n
	ls.next()
}

// --- view toggles

// toggleZoom shows the focused pane alone on the screen, or puts it back.
// The server and devices panes zoom together: they are the state.
func (ls *lessonScreen) toggleZoom() {
	if ls.zoomed != nil {
		ls.zoomed = nil
	} else {
		f := ls.u.App.GetFocus()
		for _, p := range ls.panes {
			if p == f {
				ls.zoomed = p
			}
		}
		if ls.zoomed == nil {
			ls.zoomed = ls.tv
		}
	}
	ls.layout(0)
}

// togglePresent switches presenter mode: no timestamps (unless t asks
// for them), a wider transcript, and long wire lines wrapped (layout sets
// them).
func (ls *lessonScreen) togglePresent() {
	ls.presenting = !ls.presenting
	ls.timeSet = false
	ls.layout(0)
}

// scrollStory moves the story pane's text by d lines; the hint bar's
// "more" follows.
func (ls *lessonScreen) scrollStory(d int) {
	ls.story.Scroll(d)
	ls.hints.Invalidate()
}

func (ls *lessonScreen) toggleFollow() {
	ls.tv.SetFollow(!ls.tv.Follow())
	ls.renderStory()
}

func (ls *lessonScreen) toggleTime() {
	ls.timeSet = true
	ls.tv.SetShowTime(!ls.tv.ShowTime())
}

func (ls *lessonScreen) toggleBlock() {
	if i := ls.tv.Selected(); i >= 0 {
		ls.tv.ToggleBlock(i)
	}
}

// cycleFocus moves the focus to the next (or previous) pane.
func (ls *lessonScreen) cycleFocus(d int) {
	f := ls.u.App.GetFocus()
	at := 0
	for i, p := range ls.panes {
		if p == f {
			at = i
		}
	}
	n := len(ls.panes)
	ls.u.App.SetFocus(ls.panes[((at+d)%n+n)%n])
}
