package widgets

import (
	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/keymap"
	"mailsim/internal/i18n"
)

// Shell is what every screen of the learners' app shares: the tview
// application and its pages, the theme, the language the app speaks now,
// the one overlay manager, and the size of the screen at the last draw.
// The root tui package builds it; the picker and the lesson screens
// (tui/lessonscreen) show themselves in it.
type Shell struct {
	App   *tview.Application
	Pages *tview.Pages
	Theme *Theme
	Lang  string
	Ov    Overlays      // help, quiz, summary, questions
	Stop  chan struct{} // closed when the app stops
	w, h  int           // the screen size at the last draw
}

// NewShell makes the app on screen (nil: the real terminal), speaking
// lang, with mouse support and its pages as the root.
func NewShell(screen tcell.Screen, lang string) *Shell {
	ApplyGlobalStyles()
	sh := &Shell{App: tview.NewApplication(), Pages: tview.NewPages(), Theme: NewTheme(), Lang: lang, Stop: make(chan struct{})}
	sh.Ov = Overlays{App: sh.App, Pages: sh.Pages}
	if screen != nil {
		sh.App.SetScreen(screen)
	}
	sh.App.EnableMouse(true)
	sh.App.SetRoot(sh.Pages, true)
	return sh
}

// Post runs f on the UI goroutine and redraws (Poster.Post).
func (sh *Shell) Post(f func()) { Poster{App: sh.App, Stop: sh.Stop}.Post(f) }

// SetSize records the screen size, at each draw.
func (sh *Shell) SetSize(w, h int) { sh.w, sh.h = w, h }

// Size is the screen size at the last draw (80×24 before the first).
func (sh *Shell) Size() (int, int) {
	if sh.w == 0 {
		return 80, 24
	}
	return sh.w, sh.h
}

// Width is the screen width at the last draw.
func (sh *Shell) Width() int { w, _ := sh.Size(); return w }

// Quit ends the app.
func (sh *Shell) Quit() { sh.App.Stop() }

// ShowHelp shows the key tables of the current screen, one section per
// table, the descriptions wrapped beside the keys; it scrolls (↑ ↓ PgUp
// PgDn) when taller than the screen.
func (sh *Shell) ShowHelp(maps ...*keymap.Map) {
	back := sh.App.GetFocus()
	w, h := sh.Size()
	bw := max(20, min(90, w-2))
	p := NewLinesPane(sh.Theme)
	p.MoreTxt = i18n.Word(sh.Lang, "more ↓")
	p.SetLines(HelpLines(sh.Theme, sh.Lang, bw-2, maps...))
	sh.Theme.Frame(p.Box, i18n.Word(sh.Lang, "Help")+" · Esc")
	sh.Ov.CloseOn(p.Box, "?q", back)
	sh.Ov.Show("help", p, bw, min(len(p.Lines)+2, h-2))
	sh.Ov.SetKeys(OverlayScroll, OverlayClose)
}

// Ask puts a question with buttons over the screen, as the overlay name.
// Enter takes the focused button (the first, at the start), Esc takes none
// (-1), and a rune of keys takes its button. The question is gone, and the
// focus back on back, when done runs with the choice.
func (sh *Shell) Ask(name, text string, buttons []string, keys map[rune]int, border tcell.Style, back tview.Primitive, done func(choice int)) {
	th := sh.Theme
	m := tview.NewModal().SetText(text).AddButtons(buttons)
	m.SetBackgroundColor(tcell.ColorDefault)
	m.SetTextColor(tcell.ColorDefault)
	m.SetBorderStyle(border)
	m.SetButtonStyle(th.Text.Reverse(true)).SetButtonActivatedStyle(th.Accent.Reverse(true))
	answer := func(i int) {
		sh.Ov.Hide(back)
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
	sh.Ov.ShowModal(name, m)
	sh.Ov.SetKeys(
		keymap.Binding{ID: "choose", Keys: []keymap.Key{keymap.Code(tcell.KeyEnter)}, Short: "choose", Desc: "choose the highlighted button"},
		keymap.Binding{ID: "button", Keys: []keymap.Key{keymap.Code(tcell.KeyLeft), keymap.Code(tcell.KeyRight), keymap.Code(tcell.KeyTab)}, Short: "button", Desc: "highlight another button"},
		keymap.Binding{ID: "cancel", Keys: []keymap.Key{keymap.Code(tcell.KeyEscape)}, Short: "cancel", Keep: true, Desc: "answer none"})
}

// HintBar is the screen's line of key hints: the open overlay's keys
// while one is open, else the keys screen() gives (they may follow the
// focus). It is written again at every draw.
func (sh *Shell) HintBar(screen func() *keymap.Map) *TextPane {
	p := NewTextPane(func(w int) string {
		m := screen()
		if sh.Ov.IsOpen() {
			m = sh.Ov.Keys()
		}
		return Hints(m, sh.Theme, sh.Lang, w)
	})
	p.EveryDraw = true
	return p
}

// NextLang is the language after the one spoken now, in the cycle of the
// languages the app's words are written in.
func (sh *Shell) NextLang() string {
	langs := i18n.WordLanguages
	for i, l := range langs {
		if l == sh.Lang {
			return langs[(i+1)%len(langs)]
		}
	}
	return "en"
}

// Capture is the app's key handler: Ctrl-C quits; overlays and input
// fields get their keys; otherwise the key table of the screen shown,
// keys(), decides.
func (sh *Shell) Capture(keys func() *keymap.Map) func(*tcell.EventKey) *tcell.EventKey {
	return func(ev *tcell.EventKey) *tcell.EventKey {
		if ev.Key() == tcell.KeyCtrlC {
			sh.Quit()
			return nil
		}
		if sh.Ov.IsOpen() {
			return ev // the overlay's own handlers
		}
		if _, typing := sh.App.GetFocus().(*tview.InputField); typing {
			return ev
		}
		if keys().Handle(ev) {
			return nil
		}
		return ev
	}
}
