package lessonscreen

import (
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/widgets"
)

// shape is the lesson screen's layout for a size: the rows each pane gets
// and the width of the state column. The lesson screen rebuilds its flex
// boxes only when the shape changes.
type shape struct {
	w, h                        int
	storyH, meaningH, sandboxH  int
	serverH, devicesH, stateW   int
	zoom                        tview.Primitive
	presenting, quiz, noDevices bool
}

// stateWidth is the width of the state column (server and devices) for a
// screen width: 9 parts in 20, or 2 in 5 when presenting.
func stateWidth(w int, presenting bool) int {
	if presenting {
		return w * 2 / 5
	}
	return w * 9 / 20
}

// arrange lays the lesson screen out for a w×h screen from what the step
// needs to show: the story and meaning panes get the rows their text
// needs, up to a cap that leaves the middle enough for the state at a
// glance; the state column gets its panes' lines fitted by fitState.
func (ls *lessonScreen) arrange(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	if !ls.dirty && w == ls.shape.w && h == ls.shape.h {
		return
	}
	if ls.quiz != nil && (w != ls.shape.w || h != ls.shape.h) {
		ls.quiz.render() // the quiz fits the new size
	}
	ls.dirty = false
	th, lang := ls.u.Theme, ls.u.Lang
	inner := max(w-2, 4)
	small := h < 30
	ls.status.SetText(ls.statusLine(w))
	ls.hints.Invalidate()

	sbH := 0
	if ls.sb.open {
		sbH = 4
	}
	avail := h - 2 - sbH // status line and hint bar

	stateW := stateWidth(w, ls.presenting)
	zoomState := ls.zoomed == ls.server || ls.zoomed == ls.devices
	if zoomState {
		stateW = w
	}
	m := widgets.BuildState(th, lang, ls.s.View(), ls.trans.actorStyle)
	if ls.rp != nil && m.NoState != "" {
		// A recording with no snapshot (an imported capture, a classroom
		// session): no server starts in a replay.
		m.NoState = tr(lang, noSnapshot)
	}
	if ls.quizOn {
		m = widgets.StateModel{NoState: tr(lang, "Hidden until you answer the quiz.")}
	}
	compact := widgets.FitState(th, lang, m, stateW-2, 0) // the smallest it can be
	need := len(compact.Server) + len(compact.Devices) + 4
	if len(m.Devices) == 0 {
		need -= 2
	}
	middleMin := 14
	if small {
		middleMin = 9
	}
	middleMin = max(middleMin, need)

	storyL := ls.storyLines(inner)
	meanL := ls.meaningLines(inner)
	meanCap, storyCap := 5, 12
	if small {
		meanCap, storyCap = 2, 6
	}
	if ls.sb.open && small {
		meanCap = 1
	}
	meanN := max(1, min(len(meanL), meanCap))
	storyN := max(1, min(len(storyL), storyCap, avail-middleMin-(meanN+2)-2))
	for avail-(storyN+2)-(meanN+2) < middleMin && meanN > 1 {
		meanN--
	}
	meaningH := meanN + 2
	if avail-(storyN+2)-meaningH < need && small {
		meaningH = 0 // the state at a glance comes first; Tab still reaches the transcript
	}
	middle := avail - (storyN + 2) - meaningH
	switch ls.zoomed {
	case nil:
	case ls.story:
		storyN = len(storyL)
	case ls.meaning:
		meanN = len(meanL)
	default:
		middle = avail + sbH // the zoomed pane has the screen but the status line and hint bar
	}

	ls.story.MoreTxt, ls.meaning.MoreTxt = tr(lang, "more ↓"), tr(lang, "more ↓")
	ls.server.MoreTxt, ls.devices.MoreTxt = ls.story.MoreTxt, ls.story.MoreTxt
	ls.story.SetLines(storyL)
	ls.meaning.SetLines(meanL)

	// The state column: server above devices, each as tall as its lines.
	f := widgets.FitState(th, lang, m, stateW-2, middle-4)
	devL, srvL := f.Devices, f.Server
	ls.server.Footer, ls.devices.Footer = "", ""
	if len(m.Devices) > 0 {
		ls.devices.Footer = f.Legend
	} else {
		ls.server.Footer = f.Legend
	}
	ls.server.SetLines(srvL)
	ls.devices.SetLines(devL)
	sh := shape{w: w, h: h, storyH: storyN + 2, meaningH: meaningH, sandboxH: sbH, stateW: stateW,
		zoom: ls.zoomed, presenting: ls.presenting, quiz: ls.quizOn, noDevices: len(m.Devices) == 0}
	switch {
	case sh.noDevices:
		sh.serverH = middle
	case len(srvL)+len(devL)+4 <= middle:
		sh.serverH = len(srvL) + 2
		sh.devicesH = middle - sh.serverH
	default: // neither fits: share the rows in proportion, both scroll
		sh.serverH = max(3, min(len(srvL)+2, middle*len(srvL)/max(1, len(srvL)+len(devL))+1))
		sh.devicesH = middle - sh.serverH
	}
	if !ls.timeSet {
		ls.tv.SetShowTime(w >= 120 && !ls.presenting)
	}
	ls.tv.SetWrap(ls.presenting)
	if sh == ls.shape {
		return
	}
	ls.shape = sh
	ls.build(sh)
}

// build puts the panes into the flex boxes for a shape.
func (ls *lessonScreen) build(sh shape) {
	ls.root.Clear()
	ls.right.Clear().AddItem(ls.server, sh.serverH, 0, false)
	if !sh.noDevices {
		ls.right.AddItem(ls.devices, 0, 1, false)
	}
	if sh.zoom != nil {
		z := sh.zoom
		if z == ls.server || z == ls.devices {
			z = ls.right
		}
		ls.root.AddItem(z, 0, 1, true).AddItem(ls.status, 1, 0, false).AddItem(ls.bottom, 1, 0, false)
		return
	}
	ls.middle.Clear().AddItem(ls.tv, 0, 1, true).AddItem(ls.right, sh.stateW, 0, false)
	ls.root.AddItem(ls.story, sh.storyH, 0, false).AddItem(ls.middle, 0, 1, true)
	if sh.meaningH > 0 {
		ls.root.AddItem(ls.meaning, sh.meaningH, 0, false)
	}
	if sh.sandboxH > 0 {
		ls.root.AddItem(ls.sb.root, sh.sandboxH, 0, false)
	}
	ls.root.AddItem(ls.status, 1, 0, false).AddItem(ls.bottom, 1, 0, false)
}

// layout asks for the screen to be laid out again at the next draw (the
// sandbox opened or closed, a mode changed).
func (ls *lessonScreen) layout(int) { ls.shape, ls.dirty = shape{}, true }
