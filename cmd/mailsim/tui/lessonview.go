package tui

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/wire"
)

// speeds are the autoplay speeds; baseDelay is the pause between steps at 1×.
var speeds = []float64{0.25, 0.5, 1, 2, 4, 8}

const baseDelay = 1500 * time.Millisecond

// lessonScreen is a lesson being learned: the Session (model) and the
// panes that show it.
type lessonScreen struct {
	u     *ui
	s     *Session
	gen   int
	trans *transcript
	keys  *KeyMap

	root    *tview.Flex
	middle  *tview.Flex
	right   *tview.Flex
	story   *tview.TextView
	tv      *transcriptview.View
	meaning *tview.TextView
	server  *textPane
	devices *textPane
	bottom  *tview.Pages // hints, or the go-to-step field
	hints   *textPane
	goTo    *tview.InputField
	sb      *sandbox
	panes   []tview.Primitive // Tab order

	wide    int // the layout built: 0 none, 1 narrow, 2 wide
	sbShown bool
	timeSet bool // the learner chose whether timestamps show

	playing bool
	speed   int // index into speeds
	runTo   int // keep running steps until Pos reaches this
	timer   *time.Timer
	addrs   map[string]string // actor -> server address
	scratch []sim.Event
	quizOn  bool

	rp      *replayer // replay mode (replay.go): the steps come from a saved transcript
	flash   string    // a message for the story pane ("saved to …"); cleared on the next move
	saveDir string    // where w offers to save; "" = the transcripts folder (save.go)
	// saveField asks where w saves (save.go), in the bottom line.
	saveField *tview.InputField
}

func newLessonScreen(u *ui, l *lessons.Lesson, gen int) *lessonScreen {
	ls := &lessonScreen{u: u, s: NewSession(l), gen: gen, speed: 2}
	th := u.th
	ls.trans = newTranscript(ls.s, th, u.lang)

	ls.story = tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	ls.tv = transcriptview.New(ls.trans)
	ls.tv.SetActorWidth(actorWidth(l))
	ls.tv.SetSelectedFunc(func(int) { ls.renderMeaning() })
	ls.meaning = tview.NewTextView().SetDynamicColors(true).SetWrap(true).SetWordWrap(true)
	ls.server = newTextPane(func(w int) string { return renderServer(th, u.lang, ls.s.View(), w) })
	ls.devices = newTextPane(func(w int) string {
		return renderDevices(th, u.lang, ls.s.View(), ls.trans.actorStyle, w)
	})
	ls.hints = newTextPane(func(w int) string { return ls.keys.Hints(th, u.lang, w) })
	ls.goTo = tview.NewInputField().SetAcceptanceFunc(tview.InputFieldInteger).SetFieldWidth(6)
	ls.goTo.SetLabelStyle(th.Accent).SetFieldStyle(th.Select)
	ls.goTo.SetDoneFunc(ls.goToDone)
	ls.bottom = tview.NewPages().AddPage("hints", ls.hints, true, true).AddPage("goto", ls.goTo, true, false)
	ls.sb = newSandbox(ls)
	for _, p := range []*tview.Box{ls.story.Box, ls.meaning.Box, ls.server.Box, ls.devices.Box} {
		p.SetBackgroundColor(tcell.ColorDefault)
	}
	ls.story.SetTextColor(tcell.ColorDefault)
	ls.meaning.SetTextColor(tcell.ColorDefault)
	ls.relabelFrames()
	ls.panes = []tview.Primitive{ls.tv, ls.server, ls.devices, ls.meaning, ls.story}

	ls.root = tview.NewFlex().SetDirection(tview.FlexRow)
	ls.middle = tview.NewFlex()
	ls.right = tview.NewFlex().SetDirection(tview.FlexRow)
	ls.keys = ls.keyMap()
	ls.layout(u.width())
	ls.s.AddListener(ls)
	ls.SessionChanged(ls.s, ChangedReset|ChangedStatus)
	return ls
}

// actorWidth fits the transcript's actor column to the lesson's actors.
func actorWidth(l *lessons.Lesson) int {
	w := 6
	for _, a := range l.Actors {
		w = max(w, len([]rune(a.Name)))
	}
	return min(w, 12)
}

func (ls *lessonScreen) relabelFrames() {
	th, lang := ls.u.th, ls.u.lang
	th.frame(ls.story.Box, tr(lang, "Story"))
	th.frame(ls.tv.Box, tr(lang, "Transcript"))
	th.frame(ls.meaning.Box, tr(lang, "Meaning"))
	th.frame(ls.server.Box, tr(lang, "Server"))
	th.frame(ls.devices.Box, tr(lang, "Devices"))
	ls.goTo.SetLabel(tr(lang, "Go to step") + fmt.Sprintf(" (1-%d): ", ls.s.Steps()))
}

// layout arranges the panes for a screen width: side by side when wide,
// with a smaller story and meaning when narrow (80×24 still shows all).
func (ls *lessonScreen) layout(width int) {
	wide := 1
	if width >= 120 {
		wide = 2
	}
	if wide == ls.wide && ls.sbShown == ls.sb.open {
		return
	}
	ls.wide, ls.sbShown = wide, ls.sb.open
	if !ls.timeSet {
		ls.tv.SetShowTime(wide == 2) // narrow panes keep their width for the text
	}
	storyH, meaningH := 5, 5
	if wide == 2 {
		storyH, meaningH = 8, 7
	}
	ls.right.Clear().AddItem(ls.server, 0, 3, false).AddItem(ls.devices, 0, 2, false)
	ls.middle.Clear().AddItem(ls.tv, 0, 11, true).AddItem(ls.right, 0, 9, false)
	ls.root.Clear().AddItem(ls.story, storyH, 0, false).AddItem(ls.middle, 0, 1, true)
	switch {
	case ls.sb.open && wide == 2:
		ls.root.AddItem(ls.meaning, meaningH, 0, false).AddItem(ls.sb.root, 4, 0, false)
	case ls.sb.open:
		ls.root.AddItem(ls.sb.root, 4, 0, false)
	default:
		ls.root.AddItem(ls.meaning, meaningH, 0, false)
	}
	ls.root.AddItem(ls.bottom, 1, 0, false)
}

// keyMap is the lesson screen's key table.
func (ls *lessonScreen) keyMap() *KeyMap {
	u := ls.u
	return &KeyMap{Name: "Lesson", Bindings: []Binding{
		{Keys: []Key{k(tcell.KeyRight), r('n'), r(' ')}, Label: "→ n space", Short: "next", Desc: "next step (runs it when it is new)", Action: ls.next},
		{Keys: []Key{k(tcell.KeyLeft), r('p')}, Label: "← p", Short: "back", Desc: "previous step (from the stored state, nothing reruns)", Action: ls.prev},
		{Keys: []Key{r('P')}, Label: "P", Short: "play", Desc: "play / pause", Action: ls.togglePlay},
		{Keys: []Key{r('+'), r('=')}, Label: "+", Desc: "play faster (up to 8×)", Action: func() { ls.setSpeed(ls.speed + 1) }},
		{Keys: []Key{r('-')}, Label: "-", Desc: "play slower (down to 0.25×)", Action: func() { ls.setSpeed(ls.speed - 1) }},
		{Keys: []Key{r('s')}, Label: "s", Short: "try it", Desc: "sandbox: type your own commands as a device", Action: ls.sb.show},
		{Keys: []Key{r('g')}, Label: "g", Short: "go to", Desc: "go to step…", Action: ls.askGoTo},
		{Keys: []Key{r('G')}, Label: "G", Desc: "go to the latest step", Action: func() { ls.s.Seek(ls.s.Ran()) }},
		{Keys: []Key{r('r')}, Label: "r", Desc: "restart the lesson (fresh servers)", Action: ls.restart},
		{Keys: []Key{r('w')}, Label: "w", Short: "save", Desc: saveHelp, Action: ls.save},
		{Keys: []Key{r('f')}, Label: "f", Desc: "follow the newest line on/off", Action: ls.toggleFollow},
		{Keys: []Key{r('t')}, Label: "t", Desc: "timestamps on/off", Action: ls.toggleTime},
		{Keys: []Key{k(tcell.KeyEnter)}, Label: "Enter", Desc: "fold / unfold the selected message body", Action: ls.toggleBlock},
		{Keys: []Key{k(tcell.KeyTab)}, Label: "Tab", Desc: "next pane", Action: func() { ls.cycleFocus(1) }},
		{Keys: []Key{k(tcell.KeyBacktab)}, Label: "S-Tab", Desc: "previous pane", Action: func() { ls.cycleFocus(-1) }},
		{Keys: []Key{r('L')}, Label: "L", Desc: "language: English / Tiếng Việt", Action: u.nextLang},
		{Keys: []Key{r('?')}, Label: "?", Short: "help", Desc: "this help", Action: func() { u.showHelp(ls.keys, paneKeys(ls.keys)) }},
		{Keys: []Key{k(tcell.KeyEscape), k(tcell.KeyBackspace2)}, Label: "Esc", Short: "lessons", Desc: "back to the lessons", Action: u.backToPicker},
		{Keys: []Key{r('q'), k(tcell.KeyCtrlC)}, Label: "q Ctrl-C", Short: "quit", Desc: "quit", Action: u.quit},
	}}
}

// paneKeys is the transcript pane's own key table, without the keys the
// lesson screen takes for itself, for the help overlay.
func paneKeys(taken *KeyMap) *KeyMap {
	used := map[string]bool{}
	for _, b := range taken.Bindings {
		for _, w := range strings.Fields(b.Label) {
			used[strings.ToLower(w)] = true
		}
	}
	m := &KeyMap{Name: "Transcript pane"}
	for _, b := range transcriptview.Bindings() {
		var keep []string
		for _, w := range strings.Fields(b.Keys) {
			if !used[strings.ToLower(w)] {
				keep = append(keep, w)
			}
		}
		if len(keep) > 0 {
			m.Bindings = append(m.Bindings, Binding{Label: strings.Join(keep, " "), Desc: b.Help})
		}
	}
	return m
}

// SessionChanged refreshes the panes that show what changed.
func (ls *lessonScreen) SessionChanged(s *Session, what What) {
	if what&(ChangedPosition|ChangedReset) != 0 {
		ls.flash = ""
	}
	if what&ChangedReset != 0 {
		ls.trans.reset()
	}
	if what&(ChangedEvents|ChangedPosition|ChangedReset|ChangedQuiz) != 0 {
		ls.trans.sync()
		if what&ChangedQuiz != 0 {
			clear(ls.trans.cache)
		}
		ls.tv.Refresh()
		ls.server.invalidate()
		ls.devices.invalidate()
		ls.renderMeaning()
	}
	ls.renderStory()
}

// relabel re-renders every text in the current language.
func (ls *lessonScreen) relabel() {
	ls.trans.relabel(ls.u.lang)
	ls.relabelFrames()
	ls.sb.relabel()
	ls.server.invalidate()
	ls.devices.invalidate()
	ls.hints.invalidate()
	ls.renderStory()
	ls.renderMeaning()
}

func (ls *lessonScreen) close() {
	ls.stopTimer()
	ls.playing = false
}

// --- the story pane

func (ls *lessonScreen) renderStory() {
	th, lang, s := ls.u.th, ls.u.lang, ls.s
	l := s.Lesson
	var b strings.Builder
	step := s.CurrentStep()
	head := l.Title.In(lang)
	if step >= 0 {
		head = fmt.Sprintf("%s %d/%d", tr(lang, "Step"), step+1, s.Steps())
		if t := sectionTitle(l, step, lang); t != "" {
			head += " · " + t
		}
	}
	b.WriteString(th.tag(th.Title) + tview.Escape(head) + reset)
	b.WriteString(th.tag(th.Dim) + "   " + tview.Escape(ls.status()) + reset + "\n")

	switch {
	case s.StartErr() != nil:
		b.WriteString(th.tag(th.Bad) + tview.Escape(lessons.Wordf(lang, "Could not start the lesson's servers: %s", tr(lang, s.StartErr().Error()))) + reset + "\n")
	case step < 0:
		if sum := l.Summary.In(lang); sum != "" {
			b.WriteString(tview.Escape(sum) + "\n")
		}
		if s.View().State == nil {
			b.WriteString(th.tag(th.Dim) + tr(lang, "Starting the servers…") + reset + "\n")
		} else {
			b.WriteString(th.tag(th.Accent) + tview.Escape(tr(lang, "Press → to start.")) + reset + "\n")
		}
	default:
		st := &l.Steps[step]
		if say := strings.TrimSpace(st.Say.In(lang)); say != "" {
			b.WriteString(tview.Escape(say) + "\n")
		}
		if act := stepAction(lang, st); act != "" {
			b.WriteString(th.tag(ls.trans.actorStyle(st.Actor)) + tview.Escape(act) + reset)
			if n := oneLine(st.Note.In(lang)); n != "" {
				b.WriteString(" " + th.tag(th.Dim) + "— " + tview.Escape(n) + reset)
			}
			b.WriteString("\n")
		}
		ls.storyQuiz(&b, step)
		for _, e := range s.StepEvents(step) {
			if e.Kind == sim.EventFail {
				b.WriteString(th.tag(th.Bad) + "✗ " + tview.Escape(oneLine(e.Text.In(lang))) + reset + "\n")
			}
		}
	}
	if ended, ok := s.Ended(); ended && s.AtEnd() {
		right, asked := s.Score()
		msg := tr(lang, "Lesson complete.")
		st := th.OK
		if !ok {
			msg, st = tr(lang, "Some steps did not go as the lesson expected."), th.Bad
		}
		if asked > 0 {
			msg += fmt.Sprintf(" %s %d/%d.", tr(lang, "Score"), right, asked)
		}
		b.WriteString(th.tag(st) + tview.Escape(msg) + reset + "\n")
	}
	if e := s.LastError(); e != "" {
		b.WriteString(th.tag(th.Bad) + tview.Escape(tr(lang, e)) + reset + "\n")
	}
	if ls.flash != "" {
		b.WriteString(th.tag(th.OK) + tview.Escape(ls.flash) + reset + "\n")
	}
	ls.story.SetText(strings.TrimRight(b.String(), "\n"))
	ls.story.ScrollToBeginning()
}

// sectionTitle is the title of the step, or of the last step before it that
// has one: lessons title the first step of each part.
func sectionTitle(l *lessons.Lesson, step int, lang string) string {
	for i := step; i >= 0; i-- {
		if t := l.Steps[i].Title.In(lang); t != "" {
			return t
		}
	}
	return ""
}

// stepAction says in a line what a step does, e.g. "laptop ▸ DELE 2".
func stepAction(lang string, st *lessons.Step) string {
	switch st.Kind {
	case lessons.Connect:
		to := st.To
		if st.Host != "" {
			to = st.Host
		}
		return fmt.Sprintf("%s ⇄ %s", st.Actor, to)
	case lessons.Send:
		return fmt.Sprintf("%s ▸ %s", st.Actor, st.Command)
	case lessons.Data:
		return fmt.Sprintf("%s ▸ DATA …", st.Actor)
	case lessons.Disconnect:
		return fmt.Sprintf("%s ▸ QUIT", st.Actor)
	case lessons.Drop:
		return fmt.Sprintf("%s ✕ %s", st.Actor, tr(lang, "connection lost"))
	case lessons.Wait:
		return fmt.Sprintf("%s … %s", st.Actor, tr(lang, "waits"))
	case lessons.Deliver:
		if st.Deliver != nil {
			return "✉ → " + st.Deliver.To
		}
	}
	return ""
}

// storyQuiz writes a quiz step's question and the learner's answer.
func (ls *lessonScreen) storyQuiz(b *strings.Builder, step int) {
	th, lang := ls.u.th, ls.u.lang
	q := ls.s.Lesson.Steps[step].Quiz
	if q == nil {
		return
	}
	b.WriteString(th.tag(th.Accent) + "? " + tview.Escape(q.Question.In(lang)) + reset + "\n")
	a, ok := ls.s.AnswerOf(step)
	if !ok || a.Choice < 0 || a.Choice >= len(q.Choices) {
		return
	}
	verdict, st := tr(lang, "Right!"), th.OK
	if !a.Correct {
		verdict, st = tr(lang, "Not quite."), th.Bad
	}
	b.WriteString(th.tag(st) + tview.Escape(verdict+" "+q.Choices[a.Choice].Text.In(lang)) + reset + "\n")
	if ex := q.Explain.In(lang); ex != "" {
		b.WriteString(tview.Escape(oneLine(ex)) + "\n")
	}
}

// status is the story header's right part: score, play state, follow.
func (ls *lessonScreen) status() string {
	lang := ls.u.lang
	var parts []string
	if right, asked := ls.s.Score(); asked > 0 {
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
	if ls.s.Busy() {
		parts = append(parts, tr(lang, "running…"))
	}
	if on, from := ls.s.Exploring(); on {
		parts = append(parts, lessons.Wordf(lang, "exploring: not checked from step %d", from+1))
	}
	return strings.Join(parts, " · ")
}

// --- the meaning pane

func (ls *lessonScreen) renderMeaning() {
	th, lang := ls.u.th, ls.u.lang
	i := ls.tv.Selected()
	row := ls.trans.Row(i)
	if i < 0 || row == nil || i >= ls.trans.Len() {
		ls.meaning.SetText(th.tag(th.Dim) + tview.Escape(tr(lang, "Select a line to see what it means.")) + reset)
		return
	}
	e := ls.s.Event(row.Ref)
	var b strings.Builder
	line := row.Text
	if row.Dir != 0 {
		line = string(row.Dir) + ": " + line
	}
	if e.Actor != "" {
		line = e.Actor + " " + line
	}
	b.WriteString(th.tag(ls.trans.actorStyle(e.Actor).Bold(true)) + tview.Escape(line) + reset)
	if u := e.Unit; u != nil {
		var about []string
		if u.Dir == wire.ServerToClient && u.Command != "" {
			about = append(about, tr(lang, "reply to")+" "+u.Command)
		}
		about = append(about, fmt.Sprintf("%d %s", u.Len, tr(lang, "octets")))
		if !e.Time.IsZero() {
			about = append(about, e.Time.Format("15:04:05.000"))
		}
		b.WriteString("  " + th.tag(th.Dim) + tview.Escape(strings.Join(about, " · ")) + reset)
	}
	b.WriteString("\n")
	if n := strings.TrimSpace(e.Note.In(lang)); n != "" {
		b.WriteString(tview.Escape(oneLine(n)) + "\n")
	}
	if e.Gloss != nil {
		if g := oneLine(e.Gloss.Text.In(lang)); g != "" {
			b.WriteString(th.tag(th.Dim) + "· " + reset + tview.Escape(g))
			if e.Gloss.RFC != "" {
				b.WriteString(" " + th.tag(th.Dim) + tview.Escape("["+e.Gloss.RFC+"]") + reset)
			}
			b.WriteString("\n")
		}
	}
	if dec, ok := saslPlain(e.Unit, lang); ok {
		b.WriteString(th.tag(th.Bad) + tview.Escape(dec) + reset + "\n")
	}
	if e.Kind == sim.EventStep {
		b.WriteString(tview.Escape(oneLine(e.Say.In(lang))) + "\n")
	}
	ls.meaning.SetText(strings.TrimRight(b.String(), "\n"))
	ls.meaning.ScrollToBeginning()
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
	if ls.u.drv.step(ls.gen) {
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
func (ls *lessonScreen) finished(res *result) {
	s := ls.s
	switch res.op {
	case "start":
		if res.err != nil {
			s.SetStartErr(res.err)
			return
		}
		ls.addrs = res.addrs
		ls.sb.relabel()
		ls.renderStory()
	case "step":
		s.SetBusy(false)
		var se *sim.StepError
		if res.err != nil && !errors.As(res.err, &se) {
			s.SetError(res.err.Error())
		}
		if ended, _ := s.Ended(); ended {
			right, asked := s.Score()
			if err := ls.u.progress.MarkDone(s.Lesson.ID, right, asked); err != nil {
				s.SetError(err.Error())
			}
		}
		ls.afterAdvance()
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
	if p := ls.s.Pos(); p < ls.s.Steps() && ls.s.Lesson.Steps[p].Kind == lessons.Pause && ls.s.Lesson.Steps[p].Timeout > 0 {
		d += time.Duration(float64(time.Duration(ls.s.Lesson.Steps[p].Timeout)*time.Millisecond) / speeds[ls.speed])
	}
	if ls.rp != nil {
		d = ls.replayDelay() // the recorded pace
	}
	gen := ls.gen
	ls.timer = time.AfterFunc(d, func() {
		ls.u.post(func() {
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
	if !ls.u.drv.start(ls.s.Lesson, ls.gen) {
		ls.s.SetStartErr(fmt.Errorf("the simulator is busy; press r to try again"))
	}
}

// --- go to step

func (ls *lessonScreen) askGoTo() {
	ls.goTo.SetText("")
	ls.bottom.SwitchToPage("goto")
	ls.u.app.SetFocus(ls.goTo)
}

func (ls *lessonScreen) goToDone(key tcell.Key) {
	ls.bottom.SwitchToPage("hints")
	ls.u.app.SetFocus(ls.tv)
	if key != tcell.KeyEnter {
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
	f := ls.u.app.GetFocus()
	at := 0
	for i, p := range ls.panes {
		if p == f {
			at = i
		}
	}
	n := len(ls.panes)
	ls.u.app.SetFocus(ls.panes[((at+d)%n+n)%n])
}
