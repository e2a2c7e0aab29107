package widgets

import (
	"os"
	"sync"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

var TimeZero time.Time

// Theme is every style the app draws with. Colours are the 16 basic ones
// (tcell.ColorXxx names, never RGB) so that any terminal shows them; with
// NO_COLOR set there are no colours at all, only attributes.
type Theme struct {
	NoColor bool

	Text    tcell.Style
	Dim     tcell.Style
	Title   tcell.Style // pane titles and headings
	Accent  tcell.Style // keys in the hint bar, the step counter
	Border  tcell.Color
	Focus   tcell.Color // border of the focused pane
	StepRow tcell.Style
	OK      tcell.Style
	Bad     tcell.Style
	Select  tcell.Style // selected row of lists

	// State highlights: what the last step changed.
	Added   tcell.Style
	Removed tcell.Style // struck through and dim
	Changed tcell.Style
	Marked  tcell.Style // POP3 DELE: marked for deletion until QUIT

	// One palette per protocol; actors get its colours in turn.
	POP3, IMAP, SMTP []tcell.Color
}

// NewTheme returns the theme, honouring NO_COLOR (https://no-color.org).
func NewTheme() *Theme {
	if os.Getenv("NO_COLOR") != "" {
		return monoTheme()
	}
	d := tcell.StyleDefault
	return &Theme{
		Text:    d,
		Dim:     d.Foreground(tcell.ColorGray),
		Title:   d.Foreground(tcell.ColorWhite).Bold(true),
		Accent:  d.Foreground(tcell.ColorYellow).Bold(true),
		Border:  tcell.ColorGray,
		Focus:   tcell.ColorWhite,
		StepRow: d.Foreground(tcell.ColorWhite).Bold(true),
		OK:      d.Foreground(tcell.ColorGreen),
		Bad:     d.Foreground(tcell.ColorRed).Bold(true),
		Select:  d.Background(tcell.ColorNavy).Foreground(tcell.ColorWhite),
		Added:   d.Foreground(tcell.ColorGreen).Bold(true),
		Removed: d.Foreground(tcell.ColorRed).StrikeThrough(true).Dim(true),
		Changed: d.Foreground(tcell.ColorAqua),
		Marked:  d.Foreground(tcell.ColorRed),
		POP3:    []tcell.Color{tcell.ColorYellow, tcell.ColorOlive},
		IMAP:    []tcell.Color{tcell.ColorAqua, tcell.ColorTeal, tcell.ColorBlue},
		SMTP:    []tcell.Color{tcell.ColorFuchsia, tcell.ColorPurple},
	}
}

func monoTheme() *Theme {
	d := tcell.StyleDefault
	return &Theme{
		NoColor: true,
		Text:    d,
		Dim:     d.Dim(true),
		Title:   d.Bold(true),
		Accent:  d.Bold(true),
		Border:  tcell.ColorDefault,
		Focus:   tcell.ColorDefault,
		StepRow: d.Bold(true),
		OK:      d,
		Bad:     d.Bold(true),
		Select:  d.Reverse(true),
		Added:   d.Bold(true),
		Removed: d.StrikeThrough(true).Dim(true),
		Changed: d.Underline(true),
		Marked:  d.Italic(true).Underline(true),
		POP3:    []tcell.Color{tcell.ColorDefault},
		IMAP:    []tcell.Color{tcell.ColorDefault},
		SMTP:    []tcell.Color{tcell.ColorDefault},
	}
}

// ProtoColor is the protocol's own colour.
func (t *Theme) ProtoColor(proto string) tcell.Color { return t.ActorColor(proto, 0) }

// ActorColor is the n-th colour of a protocol's palette.
func (t *Theme) ActorColor(proto string, n int) tcell.Color {
	var p []tcell.Color
	switch proto {
	case "pop3":
		p = t.POP3
	case "imap":
		p = t.IMAP
	case "smtp":
		p = t.SMTP
	}
	if len(p) == 0 {
		if t.NoColor {
			return tcell.ColorDefault
		}
		return tcell.ColorSilver
	}
	return p[n%len(p)]
}

// Fg is the text style in colour c.
func (t *Theme) Fg(c tcell.Color) tcell.Style {
	if t.NoColor {
		return t.Text
	}
	return t.Text.Foreground(c)
}

// Tag is a tview colour tag for a style's foreground and attributes, so
// TextViews can use the theme; "" in NO_COLOR mode for colour-only styles.
func (t *Theme) Tag(s tcell.Style) string {
	fg, _, attr := s.Decompose()
	c := "-"
	if fg != tcell.ColorDefault && !t.NoColor {
		c = fg.String()
	}
	a := ""
	for _, x := range []struct {
		m tcell.AttrMask
		r string
	}{{tcell.AttrBold, "b"}, {tcell.AttrDim, "d"}, {tcell.AttrItalic, "i"}, {tcell.AttrUnderline, "u"}, {tcell.AttrStrikeThrough, "s"}, {tcell.AttrReverse, "r"}} {
		if attr&x.m != 0 {
			a += x.r
		}
	}
	if a == "" {
		a = "-"
	}
	return "[" + c + "::" + a + "]"
}

// Reset is the tview tag that ends a tag() span.
const Reset = "[-:-:-]"

var stylesOnce sync.Once

// ApplyGlobalStyles sets tview's defaults once per process: default
// backgrounds and foregrounds, so the terminal's own colours show through
// and 16-colour terminals look right.
func ApplyGlobalStyles() {
	stylesOnce.Do(func() {
		tview.Styles.PrimitiveBackgroundColor = tcell.ColorDefault
		tview.Styles.ContrastBackgroundColor = tcell.ColorDefault
		tview.Styles.MoreContrastBackgroundColor = tcell.ColorDefault
		tview.Styles.BorderColor = tcell.ColorDefault
		tview.Styles.TitleColor = tcell.ColorDefault
		tview.Styles.GraphicsColor = tcell.ColorDefault
		tview.Styles.PrimaryTextColor = tcell.ColorDefault
		tview.Styles.SecondaryTextColor = tcell.ColorDefault
		tview.Styles.TertiaryTextColor = tcell.ColorDefault
		tview.Styles.InverseTextColor = tcell.ColorDefault
		tview.Styles.ContrastSecondaryTextColor = tcell.ColorDefault
	})
}

// Frame gives a pane the theme's border and title.
func (t *Theme) Frame(b *tview.Box, title string) {
	if title != "" {
		title = " " + title + " "
	}
	b.SetBorder(true).SetTitle(title).SetTitleAlign(tview.AlignLeft)
	b.SetBorderStyle(tcell.StyleDefault.Foreground(t.Border))
	b.SetTitleColor(t.titleColor())
	b.SetBackgroundColor(tcell.ColorDefault)
	focus, blur := t.Focus, t.Border
	b.SetFocusFunc(func() { b.SetBorderStyle(tcell.StyleDefault.Foreground(focus).Bold(true)) })
	b.SetBlurFunc(func() { b.SetBorderStyle(tcell.StyleDefault.Foreground(blur)) })
}

func (t *Theme) titleColor() tcell.Color {
	fg, _, _ := t.Title.Decompose()
	return fg
}
