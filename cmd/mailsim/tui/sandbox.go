package tui

import (
	"net"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/lessons"
)

// sandbox is "try it": a command line attached to one of the lesson's
// devices. Lines go to the live servers through the driver; the replies
// appear in the transcript like the lesson's own, and the state panes
// follow. Tab picks the next device, Esc closes.
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
}

func newSandbox(ls *lessonScreen) *sandbox {
	th := ls.u.th
	sb := &sandbox{ls: ls, tag: 1, addr: make([]string, len(ls.s.Lesson.Actors))}
	sb.info = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	sb.info.SetBackgroundColor(tcell.ColorDefault)
	sb.input = tview.NewInputField()
	sb.input.SetFieldStyle(th.Text.Underline(true)).SetPlaceholderStyle(th.Dim)
	// Reverse video sets the drop-down apart from the panes it covers, in
	// colour and without.
	sb.input.SetAutocompleteStyles(tcell.ColorDefault, th.Text.Reverse(true), th.Accent.Reverse(true))
	sb.input.SetBackgroundColor(tcell.ColorDefault)
	sb.input.SetAutocompleteFunc(func(text string) []string {
		return complete(sb.protocol(), text, sb.tag)
	})
	sb.input.SetDoneFunc(sb.done)
	sb.input.SetInputCapture(sb.history)
	sb.root = tview.NewFlex().SetDirection(tview.FlexRow).AddItem(sb.info, 1, 0, false).AddItem(sb.input, 1, 0, true)
	th.frame(sb.root.Box, tr(ls.u.lang, "Try it"))
	sb.relabel()
	return sb
}

func (sb *sandbox) protocol() string {
	acts := sb.ls.s.Lesson.Actors
	if len(acts) == 0 {
		return ""
	}
	return acts[sb.actor].Protocol
}

func (sb *sandbox) actorName() string {
	acts := sb.ls.s.Lesson.Actors
	if len(acts) == 0 {
		return ""
	}
	return acts[sb.actor].Name
}

// show opens the sandbox at the live end of the lesson.
func (sb *sandbox) show() {
	ls := sb.ls
	if len(ls.s.Lesson.Actors) == 0 || ls.s.StartErr() != nil {
		ls.s.SetError("This lesson has no device to type as.")
		return
	}
	ls.setPlaying(false)
	ls.s.Seek(ls.s.Ran())
	ls.tv.SetFollow(true)
	sb.open = true
	ls.layout(ls.u.width())
	sb.relabel()
	ls.u.app.SetFocus(sb.input)
}

func (sb *sandbox) hide() {
	sb.open = false
	sb.ls.layout(sb.ls.u.width())
	sb.ls.u.app.SetFocus(sb.ls.tv)
}

// relabel writes the info line: the device, where it connects, and the
// `nc` line to do the same from another terminal.
func (sb *sandbox) relabel() {
	ls, th, lang := sb.ls, sb.ls.u.th, sb.ls.u.lang
	th.frame(sb.root.Box, tr(lang, "Try it")+" · Tab: device · Esc")
	name := sb.actorName()
	if name == "" {
		return
	}
	st := ls.trans.actorStyle(name)
	addr := sb.addr[sb.actor]
	if addr == "" {
		addr = ls.addrs[name]
	}
	info := th.tag(st.Bold(true)) + tview.Escape(name) + reset + " " + strings.ToUpper(sb.protocol())
	if addr != "" {
		host, port, err := net.SplitHostPort(addr)
		if err == nil {
			info += "  " + th.tag(th.Dim) + tview.Escape(lessons.Wordf(lang, "· same from a shell: nc %s %s", host, port)) + reset
		}
	}
	sb.info.SetText(info)
	sb.input.SetLabel(name + " C: ").SetLabelStyle(st.Bold(true))
	sb.input.SetPlaceholder(strings.Join(protocolVerbs[sb.protocol()][:4], " ") + " …")
}

// done handles Enter (send), Tab (next device) and Esc (close).
func (sb *sandbox) done(key tcell.Key) {
	ls := sb.ls
	switch key {
	case tcell.KeyEscape:
		sb.hide()
	case tcell.KeyTab, tcell.KeyBacktab:
		n := len(ls.s.Lesson.Actors)
		d := 1
		if key == tcell.KeyBacktab {
			d = n - 1
		}
		sb.actor = (sb.actor + d) % n
		sb.relabel()
	case tcell.KeyEnter:
		line := strings.TrimRight(sb.input.GetText(), "\r\n")
		if ls.s.Busy() || strings.TrimSpace(line) == "" {
			return
		}
		if ls.u.drv.send(ls.gen, sb.actorName(), line) {
			ls.s.SetError("")
			ls.s.SetBusy(true)
			sb.hist = append(sb.hist, line)
			sb.histI = len(sb.hist)
			if sb.protocol() == "imap" {
				sb.tag++
			}
			sb.input.SetText("")
		}
	}
}

// history recalls earlier lines with ↑ and ↓.
func (sb *sandbox) history(ev *tcell.EventKey) *tcell.EventKey {
	if t := sb.input.GetText(); t != "" && (sb.histI >= len(sb.hist) || t != sb.hist[sb.histI]) {
		return ev // typing: arrows belong to the completion list
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
func (sb *sandbox) finished(res *result) {
	ls := sb.ls
	for i, a := range ls.s.Lesson.Actors {
		if a.Name == res.actor {
			sb.addr[i] = res.addr
		}
	}
	if res.err != nil {
		ls.s.SetError(res.actor + ": " + res.err.Error())
	}
	sb.relabel()
}
