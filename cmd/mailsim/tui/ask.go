package tui

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// ask puts a question with buttons over the screen, as the overlay name.
// Enter takes the focused button (the first, at the start), Esc takes none
// (-1), and a rune of keys takes its button. The question is gone, and the
// focus back on back, when done runs with the choice.
func (u *ui) ask(name, text string, buttons []string, keys map[rune]int, border tcell.Style, back tview.Primitive, done func(choice int)) {
	th := u.th
	m := tview.NewModal().SetText(text).AddButtons(buttons)
	m.SetBackgroundColor(tcell.ColorDefault)
	m.SetTextColor(tcell.ColorDefault)
	m.SetBorderStyle(border)
	m.SetButtonStyle(th.Text.Reverse(true)).SetButtonActivatedStyle(th.Accent.Reverse(true))
	answer := func(i int) {
		u.hideOverlay(back)
		done(i)
	}
	m.SetDoneFunc(func(i int, _ string) { answer(i) })
	m.SetInputCapture(func(ev *tcell.EventKey) *tcell.EventKey {
		if i, ok := keys[ev.Rune()]; ok && ev.Key() == tcell.KeyRune {
			answer(i)
			return nil
		}
		return ev
	})
	u.ov.ShowModal(name, m)
}
