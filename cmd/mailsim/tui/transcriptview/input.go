package transcriptview

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// Binding is one key binding of the pane, for help screens and menus:
// its keys (special keys, then plain ones) and what they do. Screens write
// the keys' names themselves, and leave out those they take first.
type Binding struct {
	Special []tcell.Key
	Runes   string
	Help    string
}

// binding maps keys to an action. The table is the single source of both
// the input handler and Bindings.
type binding struct {
	Binding
	act func(v *View)
}

var bindings = []binding{
	{Binding: Binding{[]tcell.Key{tcell.KeyUp}, "k", "previous line (follow off)"},
		act: func(v *View) { v.moveTo(v.cursor() - 1) }},
	{Binding: Binding{[]tcell.Key{tcell.KeyDown}, "j", "next line"},
		act: func(v *View) { v.moveTo(v.cursor() + 1) }},
	{Binding: Binding{[]tcell.Key{tcell.KeyPgUp, tcell.KeyCtrlB}, "", "previous page (follow off)"},
		act: func(v *View) { v.page(-1) }},
	{Binding: Binding{[]tcell.Key{tcell.KeyPgDn, tcell.KeyCtrlF}, "", "next page"},
		act: func(v *View) { v.page(+1) }},
	{Binding: Binding{[]tcell.Key{tcell.KeyHome}, "g", "first line (follow off)"},
		act: func(v *View) { v.moveTo(0) }},
	{Binding: Binding{[]tcell.Key{tcell.KeyEnd}, "G", "last line, follow on"},
		act: func(v *View) { v.follow = true; v.toEnd(); v.notify() }},
	{Binding: Binding{[]tcell.Key{tcell.KeyEnter}, " ", "expand or collapse a message body"},
		act: func(v *View) {
			if i := v.Selected(); i >= 0 {
				v.ToggleBlock(i)
			}
		}},
	{Binding: Binding{[]tcell.Key{tcell.KeyLeft}, "h", "scroll text left"},
		act: func(v *View) { v.hoff = max(0, v.hoff-hscrollStep) }},
	{Binding: Binding{[]tcell.Key{tcell.KeyRight}, "l", "scroll text right"},
		act: func(v *View) { v.hoff = min(v.hoff+hscrollStep, maxHScroll) }},
}

const (
	hscrollStep = 8
	maxHScroll  = 1 << 16
	wheelStep   = 3
)

// Bindings returns the pane's key bindings, in the order of its help.
func Bindings() []Binding {
	out := make([]Binding, len(bindings))
	for i, b := range bindings {
		out[i] = b.Binding
	}
	return out
}

// page moves the cursor and the view by one screen (dir -1 or +1).
func (v *View) page(dir int) {
	if v.wrap && len(v.screenLines) > 0 {
		v.pageWrapped(dir)
		return
	}
	h := max(v.height, 1)
	top := v.folds.line(v.topRow, v.topSub) + dir*h
	v.topRow, v.topSub = v.folds.locate(max(0, top))
	v.topWrap = 0
	v.moveTo(v.cursor() + dir*h)
}

// InputHandler returns the handler for the keys in Bindings.
func (v *View) InputHandler() func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
	return v.WrapInputHandler(func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
		key, r := event.Key(), event.Rune()
		for _, b := range bindings {
			if key == tcell.KeyRune {
				for _, c := range b.Runes {
					if c == r {
						b.act(v)
						return
					}
				}
				continue
			}
			for _, k := range b.Special {
				if k == key {
					b.act(v)
					return
				}
			}
		}
	})
}

// MouseHandler selects the clicked line (a double click also toggles its
// block) and scrolls with the wheel.
func (v *View) MouseHandler() func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (consumed bool, capture tview.Primitive) {
	return v.WrapMouseHandler(func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (consumed bool, capture tview.Primitive) {
		mx, my := event.Position()
		if !v.InRect(mx, my) {
			return false, nil
		}
		switch action {
		case tview.MouseLeftDown:
			setFocus(v)
			return true, nil
		case tview.MouseLeftClick, tview.MouseLeftDoubleClick:
			if !v.InInnerRect(mx, my) {
				return true, nil
			}
			_, y, _, _ := v.GetInnerRect()
			d := v.folds.line(v.topRow, v.topSub) + my - y
			if v.wrap && my-y < len(v.screenLines) {
				d = v.screenLines[my-y]
			}
			if n := v.src.Len(); d < v.total(n) {
				if d != v.total(n)-1 {
					v.follow = false
				}
				v.selRow, v.selSub = v.folds.locate(d)
				v.keepSel = true
				v.notify()
				if action == tview.MouseLeftDoubleClick {
					v.ToggleBlock(v.selRow)
				}
			}
			return true, nil
		case tview.MouseScrollUp:
			v.follow = false
			v.scroll(-wheelStep)
			return true, nil
		case tview.MouseScrollDown:
			v.scroll(wheelStep)
			return true, nil
		}
		return false, nil
	})
}

// scroll moves the view by delta lines, leaving the selection where it is.
func (v *View) scroll(delta int) {
	top := v.folds.line(v.topRow, v.topSub) + delta
	v.topRow, v.topSub = v.folds.locate(max(0, top))
	v.topWrap = 0
	v.keepSel = false
}
