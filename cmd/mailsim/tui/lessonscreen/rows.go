package lessonscreen

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/transcriptview"
	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// transcript is the transcript pane's Source over a Session: one row per
// event worth a line, only up to the session's position, built lazily and
// kept.
type transcript struct {
	s     *model.Session
	th    *widgets.Theme
	lang  string
	rowEv []int                  // event index of each row, ascending
	cache []*transcriptview.Row  // built rows, parallel to rowEv
	seen  int                    // events already indexed
	color map[string]tcell.Color // actor -> colour
}

func newTranscript(s *model.Session, th *widgets.Theme, lang string) *transcript {
	t := &transcript{s: s, th: th, lang: lang, color: map[string]tcell.Color{}}
	t.assignColors()
	return t
}

// assignColors gives each actor a colour of its protocol's palette.
func (t *transcript) assignColors() {
	used := map[string]int{}
	for _, a := range t.s.Shown.Actors {
		t.color[a.Name] = t.th.ActorColor(a.Protocol, used[a.Protocol])
		used[a.Protocol]++
	}
}

// reset forgets every row (the session restarted, or the language changed).
func (t *transcript) reset() {
	t.rowEv, t.cache, t.seen = nil, nil, 0
	t.sync()
}

// relabel drops the built rows, keeping the index (the language changed).
func (t *transcript) relabel(lang string) {
	t.lang = lang
	clear(t.cache)
}

// sync indexes the events appended since the last call.
func (t *transcript) sync() {
	evs := t.s.Events()
	for i := t.seen; i < len(evs); i++ {
		if hasRow(&evs[i]) {
			t.rowEv = append(t.rowEv, i)
			t.cache = append(t.cache, nil)
		}
	}
	t.seen = len(evs)
}

func hasRow(e *events.Event) bool {
	switch e.Kind {
	case events.EventStart, events.EventState:
		return false
	case events.EventWire:
		return e.Unit != nil && e.Unit.Layer != wire.Cipher
	}
	return true
}

// Len is the number of rows visible at the session's position.
func (t *transcript) Len() int { return sort.SearchInts(t.rowEv, t.s.End()) }

// RowOfEvent is the last row at or before event ev, -1 if none.
func (t *transcript) RowOfEvent(ev int) int { return sort.SearchInts(t.rowEv, ev+1) - 1 }

// Row builds row i.
func (t *transcript) Row(i int) *transcriptview.Row {
	if i < 0 || i >= len(t.rowEv) {
		return nil
	}
	if r := t.cache[i]; r != nil {
		return r
	}
	r := t.build(t.rowEv[i])
	t.cache[i] = r
	return r
}

func (t *transcript) actorStyle(actor string) tcell.Style {
	if c, ok := t.color[actor]; ok {
		return t.th.Fg(c)
	}
	return t.th.Text
}

func (t *transcript) build(ev int) *transcriptview.Row {
	e := t.s.Event(ev)
	r := &transcriptview.Row{Time: e.Time, Actor: e.Actor, Ref: ev, Style: t.actorStyle(e.Actor)}
	tr := func(x interface{ In(string) string }) string { return widgets.OneLine(x.In(t.lang)) }
	switch e.Kind {
	case events.EventStep:
		r.Time, r.Actor = widgets.TimeZero, ""
		title := tr(e.Title)
		if title != "" {
			title = " · " + title
		}
		r.Text = fmt.Sprintf("── %s %d/%d%s ──", i18n.Word(t.lang, "Step"), e.Step+1, t.s.Steps(), title)
		r.Style = t.th.StepRow
	case events.EventConnect:
		r.Text = widgets.ConnectText(t.lang, "", e.Host, strings.ToUpper(string(e.Protocol))+tlsWord(t.lang, e.Role))
	case events.EventClose:
		r.Text = fmt.Sprintf("✕ %s: %s", e.Host, tr(e.Text))
	case events.EventWire:
		w := widgets.UnitOfEvent(e).Row(t.lang, !e.ShownNote().IsZero())
		r.Dir, r.Text, r.Block, r.Mark = w.Dir, w.Text, w.Block, w.Mark
	case events.EventCheck:
		r.Mark, r.Style = '✓', t.th.OK
		if !e.OK {
			r.Mark, r.Style = '✗', t.th.Bad
		}
		r.Text = tr(e.Text)
	case events.EventFail:
		r.Mark, r.Style = '!', t.th.Bad
		r.Text = tr(e.Text)
	case events.EventQuiz:
		r.Time = widgets.TimeZero
		r.Mark, r.Style = '?', t.th.Accent
		r.Text = i18n.Word(t.lang, "Quiz") + ": "
		if e.Quiz != nil {
			r.Text += tr(e.Quiz.Question)
		}
		if a, ok := t.s.AnswerOf(e.Step); ok {
			if a.Correct {
				r.Text += " — " + i18n.Word(t.lang, "right")
			} else {
				r.Text += " — " + i18n.Word(t.lang, "wrong")
			}
		}
	case events.EventEnd:
		r.Time = widgets.TimeZero
		r.Style = t.th.OK
		if !e.OK {
			r.Style = t.th.Bad
		}
		r.Text = "■ " + i18n.Word(t.lang, "Lesson over") + ": " + tr(e.Text)
		if t.s.Shown.Recording {
			r.Text = "■ " + tr(e.Text) // "The recording ends here."
		}
	}
	return r
}

func tlsWord(lang string, r roles.Role) string {
	if r.ImplicitTLS() {
		return ", TLS"
	}
	return ", " + tr(lang, "plain text")
}
