package transcriptview

import (
	"slices"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
)

// bindings is the pane's key table, in the order of its help; actions
// holds what each binding does to a View, by ID. Screens show the table in
// their help (Bindings), without the keys they take first.
var bindings = []keymap.Binding{
	{ID: "lineUp", Keys: keys(tcell.KeyUp, 'k'), Desc: "previous line (follow off)"},
	{ID: "lineDown", Keys: keys(tcell.KeyDown, 'j'), Desc: "next line"},
	{ID: "pageUp", Keys: keys(tcell.KeyPgUp, tcell.KeyCtrlB), Desc: "previous page (follow off)"},
	{ID: "pageDown", Keys: keys(tcell.KeyPgDn, tcell.KeyCtrlF), Desc: "next page"},
	{ID: "first", Keys: keys(tcell.KeyHome, 'g'), Desc: "first line (follow off)"},
	{ID: "last", Keys: keys(tcell.KeyEnd, 'G'), Desc: "last line, follow on"},
	{ID: "fold", Keys: keys(tcell.KeyEnter, ' '), Desc: "expand or collapse a message body"},
	{ID: "left", Keys: keys(tcell.KeyLeft, 'h'), Desc: "scroll text left"},
	{ID: "right", Keys: keys(tcell.KeyRight, 'l'), Desc: "scroll text right"},
}

var actions = map[string]func(v *View){
	"lineUp":   func(v *View) { v.moveTo(v.cursor() - 1) },
	"lineDown": func(v *View) { v.moveTo(v.cursor() + 1) },
	"pageUp":   func(v *View) { v.page(-1) },
	"pageDown": func(v *View) { v.page(+1) },
	"first":    func(v *View) { v.moveTo(0) },
	"last":     func(v *View) { v.follow = true; v.toEnd(); v.notify() },
	"fold": func(v *View) {
		if i := v.Selected(); i >= 0 {
			v.ToggleBlock(i)
		}
	},
	"left":  func(v *View) { v.hoff = max(0, v.hoff-hscrollStep) },
	"right": func(v *View) { v.hoff = min(v.hoff+hscrollStep, maxHScroll) },
}

// keys lists special keys (tcell.Key) and runes.
func keys(ks ...any) []keymap.Key {
	var out []keymap.Key
	for _, x := range ks {
		switch x := x.(type) {
		case tcell.Key:
			out = append(out, keymap.Code(x))
		case rune:
			out = append(out, keymap.Char(x))
		}
	}
	return out
}

const (
	hscrollStep = 8
	maxHScroll  = 1 << 16
	wheelStep   = 3
)

// Bindings returns the pane's key bindings, in the order of its help.
// Their actions belong to the View (its InputHandler), so they have none.
func Bindings() []keymap.Binding { return slices.Clone(bindings) }

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
		for _, b := range bindings {
			for _, x := range b.Keys {
				if x.Matches(event) {
					actions[b.ID](v)
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
