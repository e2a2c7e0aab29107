package lessonscreen

import (
	"fmt"
	"net"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
)

// sandbox is "try it": a command line attached to one of the lesson's
// devices. Lines go to the live servers through the driver; the replies
// appear in the transcript like the lesson's own, and the state panes
// follow. Its keys are sandbox.keyMap's: Tab picks the next device, Esc
// closes.
//
// The sandbox is a branch of the lesson. Entering it marks where the
// lesson was; leaving it after typing anything asks the learner to choose:
// back to the lesson exactly as it was (the events since the mark are
// dropped and the servers are rebuilt by running the lesson's steps again,
// so its checks hold), or keep what they did and explore, where the
// lesson's remaining steps run against the changed servers and are no
// longer checked. Nothing is decided without asking, and Esc in the
// question goes back to the sandbox.
type sandbox struct {
	ls    *lessonScreen
	root  *tview.Flex
	info  *tview.TextView
	input *tview.InputField
	open  bool
	actor int      // index into the lesson's actors
	addr  []string // per actor: the address it is connected to, once it is
	tag   int      // the next IMAP tag offered
	hist  []string
	histI int

	cands   []string // completions of what is typed, shown on the info line
	candI   int      // the completion in the line, -1 for none
	cycling bool     // the line changes because ↑ or ↓ picked a completion

	keys *keymap.Map // what the line's keys do; the hint bar while it has the focus

	mark    int  // the session's event count when the branch began
	markRan int  // the steps run then
	typed   bool // a line was sent since the branch began
}

func newSandbox(ls *lessonScreen) *sandbox {
	th := ls.u.Theme
	sb := &sandbox{ls: ls, tag: 1, addr: make([]string, len(ls.s.Shown.Actors))}
	sb.info = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	sb.info.SetBackgroundColor(tcell.ColorDefault)
	sb.input = tview.NewInputField()
	sb.input.SetFieldStyle(th.Text.Underline(true)).SetPlaceholderStyle(th.Dim)
	sb.input.SetBackgroundColor(tcell.ColorDefault)
	// Completions are listed on the info line, inside the sandbox's frame,
	// rather than in a drop-down drawn over the frame and the panes; ↑ and
	// ↓ put them in the line one by one.
	sb.input.SetChangedFunc(sb.changed)
	sb.keys = sb.keyMap()
	sb.input.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if sb.keys.Handle(ev) {
			return nil
		}
		return sb.history(ev)
	})
	sb.root = tview.NewFlex().SetDirection(tview.FlexRow).AddItem(sb.info, 1, 0, false).AddItem(sb.input, 1, 0, true)
	th.Frame(sb.root.Box, tr(ls.u.Lang, "Try it"))
	sb.relabel()
	return sb
}

func (sb *sandbox) protocol() string {
	acts := sb.ls.s.Shown.Actors
	if len(acts) == 0 {
		return ""
	}
	return acts[sb.actor].Protocol
}

func (sb *sandbox) actorName() string {
	acts := sb.ls.s.Shown.Actors
	if len(acts) == 0 {
		return ""
	}
	return acts[sb.actor].Name
}

// show opens the sandbox at the live end of the lesson.
func (sb *sandbox) show() {
	ls := sb.ls
	if len(ls.s.Shown.Actors) == 0 || ls.s.StartErr() != nil {
		ls.s.SetError("This lesson has no device to type as.")
		return
	}
	ls.setPlaying(false)
	ls.s.Seek(ls.s.Ran())
	ls.tv.SetFollow(true)
	if !sb.typed || !ls.s.HasStudentEvents() { // a new branch (r restarts the lesson)
		sb.typed = false
		sb.mark, sb.markRan = len(ls.s.Events()), ls.s.Ran()
	}
	sb.open = true
	ls.layout(ls.u.Width())
	sb.relabel()
	ls.u.App.SetFocus(sb.input)
}

func (sb *sandbox) hide() {
	sb.open = false
	sb.ls.layout(sb.ls.u.Width())
	sb.ls.u.App.SetFocus(sb.ls.tv)
}

// changed lists the completions of what is typed.
func (sb *sandbox) changed(text string) {
	if sb.cycling {
		return
	}
	sb.cands, sb.candI = complete(sb.protocol(), text, sb.tag), -1
	sb.relabel()
}

// cycle puts the next (d > 0) or previous completion in the line.
func (sb *sandbox) cycle(d int) {
	n := len(sb.cands)
	sb.candI = ((sb.candI+d)%n + n) % n
	sb.cycling = true
	sb.input.SetText(sb.cands[sb.candI])
	sb.cycling = false
	sb.relabel()
}

// relabel writes the info line: the completions of what is typed, or the
// device, where it connects, and the `nc` line to do the same from another
// terminal.
func (sb *sandbox) relabel() {
	ls, th, lang := sb.ls, sb.ls.u.Theme, sb.ls.u.Lang
	th.Frame(sb.root.Box, tr(lang, "Try it"))
	name := sb.actorName()
	if name == "" {
		return
	}
	if len(sb.cands) > 0 {
		var b strings.Builder
		b.WriteString(th.Tag(th.Dim) + "↑↓ " + widgets.Reset)
		for i, c := range sb.cands {
			st := th.Text
			if i == sb.candI {
				st = th.Accent.Reverse(true)
			}
			b.WriteString(th.Tag(st) + tview.Escape(c) + widgets.Reset + "  ")
		}
		sb.info.SetText(b.String())
		return
	}
	st := ls.trans.actorStyle(name)
	addr := sb.addr[sb.actor]
	if addr == "" {
		addr = ls.addrs[name]
	}
	info := th.Tag(st.Bold(true)) + tview.Escape(name) + widgets.Reset + " " + strings.ToUpper(sb.protocol())
	if addr != "" {
		host, port, err := net.SplitHostPort(addr)
		if err == nil {
			info += "  " + th.Tag(th.Dim) + tview.Escape(i18n.Wordf(lang, "· same from a shell: nc %s %s", host, port)) + widgets.Reset
		}
	}
	sb.info.SetText(info)
	sb.input.SetLabel(name + " C: ").SetLabelStyle(st.Bold(true))
	sb.input.SetPlaceholder(strings.Join(protocolVerbs[sb.protocol()][:4], " ") + " …")
}

// keyMap is the sandbox's keys. They are the line's own: the lesson's
// keys type into it, so while it has the focus the hint bar shows these.
// ↑ and ↓ are history's, which lets them through to the line while a
// new line is typed.
func (sb *sandbox) keyMap() *keymap.Map {
	several := func() bool { return len(sb.ls.s.Shown.Actors) > 1 }
	return &keymap.Map{Name: "Try it", Bindings: []keymap.Binding{
		{ID: "send", Keys: []keymap.Key{k(tcell.KeyEnter)}, Short: "send", Desc: "send the line to the server, as the device before it", Action: sb.send},
		{ID: "device", Keys: []keymap.Key{k(tcell.KeyTab), k(tcell.KeyBacktab)}, Short: "device", Desc: "type as the next device (Shift-Tab: the previous one)", When: several,
			Action: func() { sb.nextDevice(sb.keys.Last().Key() == tcell.KeyBacktab) }},
		{ID: "recall", Keys: []keymap.Key{k(tcell.KeyUp), k(tcell.KeyDown)}, Short: "earlier lines", Desc: "the lines typed before; while completions are listed, pick one"},
		{ID: "close", Keys: []keymap.Key{k(tcell.KeyEscape)}, Short: "close", Keep: true, Desc: "close the sandbox (after lines that changed the servers, it asks whether to keep the changes)", Action: sb.close},
	}}
}

// close leaves the sandbox, asking first what becomes of what the
// learner changed.
func (sb *sandbox) close() {
	if exploring, _ := sb.ls.s.Exploring(); sb.typed && sb.ls.s.HasStudentEvents() && !exploring {
		sb.askLeave()
		return
	}
	sb.hide()
}

// nextDevice types as the next device, or the previous one.
func (sb *sandbox) nextDevice(back bool) {
	n := len(sb.ls.s.Shown.Actors)
	d := 1
	if back {
		d = n - 1
	}
	sb.actor = (sb.actor + d) % n
	sb.relabel()
}

// send sends the line as the chosen device.
func (sb *sandbox) send() {
	ls := sb.ls
	line := strings.TrimRight(sb.input.GetText(), "\r\n")
	if ls.s.Busy() || strings.TrimSpace(line) == "" {
		return
	}
	if ls.u.drv.Send(ls.gen, sb.actorName(), line) {
		ls.s.SetError("")
		ls.s.SetBusy(true)
		ls.s.SetStudent(true)
		sb.typed = true
		sb.hist = append(sb.hist, line)
		sb.histI = len(sb.hist)
		if sb.protocol() == "imap" {
			sb.tag++
		}
		sb.input.SetText("")
	}
}

// history recalls earlier lines with ↑ and ↓; while there are
// completions of what is typed, ↑ and ↓ pick among them.
func (sb *sandbox) history(ev *tcell.EventKey) *tcell.EventKey {
	if len(sb.cands) > 0 && (ev.Key() == tcell.KeyUp || ev.Key() == tcell.KeyDown) {
		if ev.Key() == tcell.KeyUp {
			sb.cycle(-1)
		} else {
			sb.cycle(1)
		}
		return nil
	}
	if t := sb.input.GetText(); t != "" && (sb.histI >= len(sb.hist) || t != sb.hist[sb.histI]) {
		return ev // typing
	}
	switch ev.Key() {
	case tcell.KeyUp:
		if sb.histI > 0 {
			sb.histI--
			sb.input.SetText(sb.hist[sb.histI])
		}
		return nil
	case tcell.KeyDown:
		if sb.histI < len(sb.hist)-1 {
			sb.histI++
			sb.input.SetText(sb.hist[sb.histI])
		} else {
			sb.histI = len(sb.hist)
			sb.input.SetText("")
		}
		return nil
	}
	return ev
}

// finished shows the outcome of a sandbox line.
func (sb *sandbox) finished(res *model.Result) {
	ls := sb.ls
	ls.s.SetStudent(false)
	for i, a := range ls.s.Shown.Actors {
		if a.Name == res.Actor {
			sb.addr[i] = res.Addr
		}
	}
	if res.Err != nil {
		ls.s.SetError(res.Actor + ": " + res.Err.Error())
	}
	sb.relabel()
}

// The choices when leaving the sandbox after typing.
const (
	leaveBack    = "Back to the lesson (undo what I did)"
	leaveExplore = "Keep it and explore"
	leaveStay    = "Stay in the sandbox"
)

// askLeave asks what becomes of what the learner did in the sandbox. The
// first choice, which Enter takes, changes nothing in the lesson; b and k
// (or e) choose too, and Esc goes back to the sandbox.
func (sb *sandbox) askLeave() {
	ls, lang := sb.ls, sb.ls.u.Lang
	ls.u.Ask("leave-sandbox",
		i18n.Wordf(lang, "You changed the servers in the sandbox. Go back to step %d exactly as the lesson left it, or keep your changes and explore? When you explore, the lesson's remaining steps run against what you changed and are no longer checked.", sb.markRan),
		[]string{tr(lang, leaveBack), tr(lang, leaveExplore), tr(lang, leaveStay)},
		map[rune]int{'b': 0, 'k': 1, 'e': 1}, ls.u.Theme.Accent, sb.input,
		func(choice int) {
			switch choice {
			case 0:
				sb.goBack()
			case 1:
				sb.keep()
			}
		})
}

// goBack returns to the lesson where the branch began: the session drops
// what happened since, and the driver rebuilds the servers under a new run
// number, so nothing the old servers still send can reach the screen.
func (sb *sandbox) goBack() {
	ls := sb.ls
	sb.hide()
	sb.typed = false
	clear(sb.addr)
	ls.u.gen++
	ls.gen = ls.u.gen
	ls.s.Rewind(sb.mark)
	ls.s.SetError("") // a sandbox line's error is undone with it
	ls.s.SetBusy(true)
	if !ls.u.drv.Rewind(ls.lesson, ls.gen, sb.markRan) {
		ls.s.SetBusy(false)
		ls.s.SetStartErr(fmt.Errorf("the simulator is busy; press r to try again"))
	}
}

// rewound is the end of goBack's rebuild.
func (sb *sandbox) rewound(res *model.Result) {
	ls := sb.ls
	ls.s.SetBusy(false)
	if res.Err != nil {
		ls.s.SetStartErr(res.Err)
		return
	}
	ls.addrs = res.Addrs
	sb.relabel()
	ls.setFlash(i18n.Wordf(ls.u.Lang, "Back at step %d as the lesson left it: what you did in the sandbox is undone.", sb.markRan))
}

// keep leaves the sandbox keeping its changes: the lesson goes on in
// explore mode.
func (sb *sandbox) keep() {
	ls := sb.ls
	sb.hide()
	ls.s.Explore()
	ls.setFlash(i18n.Wordf(ls.u.Lang, "Exploring: from step %d on, the lesson runs against what you changed and is no longer checked.", sb.markRan+1))
}
