package transcripts

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// Audience says who a handout is for.
type Audience string

// The audiences of a handout. A trainer's handout has the quizzes'
// answers, their explanations, the answers a learner gave while recording
// and an answer key; a student's has each quiz as a question with an
// empty box to answer in, and nothing that gives an answer away.
const (
	ForTrainer Audience = "trainer"
	ForStudent Audience = "student"
)

// Audiences lists the audiences, the default first.
var Audiences = []Audience{ForTrainer, ForStudent}

// ExportOptions configure the exports.
type ExportOptions struct {
	Lang string // "" = the transcript's language
	// Eavesdropper shows what crossed the network (TLS records) instead of
	// the lines inside TLS, as PlainOptions.Eavesdropper.
	Eavesdropper bool
	// BlockLines is how many lines of a multi-line body to show; 0 = 12.
	BlockLines int
	// For is who the handout is for; "" = ForTrainer.
	For Audience
	// Paper is the HTML page's paper size when printed ("A4", "letter");
	// "" leaves it to the printer.
	Paper string
}

func (o ExportOptions) lang(t *Transcript) string {
	if o.Lang == "" {
		return t.Lang()
	}
	return o.Lang
}

// wireCols is how wide a handout's wire text may be, after the 12 columns
// of "laptop   C: ": with them, 98 columns of 8 pt DejaVu Sans Mono are
// 167 mm, inside the 182 mm between A4's 14 mm margins (Letter is wider).
const wireCols = 86

// handout is what the markdown and HTML exports show, built once.
type handout struct {
	L       labels // the handout's own words, in its language
	Student bool
	Paper   string
	Title   string
	Summary string
	About   string
	Shows   []string // the claims the lesson shows: "what this shows"
	Start   *table
	Steps   []hStep
	End     *table
	Result  string
	Key     []hKey  // the answer key (trainer)
	Terms   []hTerm // the glossary of the terms the wire lines used
}

// labels are the handout's headings and labels in its language.
type labels struct {
	Lang, AtStart, AtEnd, WhatChanged, Result, Shows, Contents, Glossary, AnswerKey, Answer, YourAnswer,
	AnswerFirst, Explanation, Legend, Trainer, Student string
}

func handoutLabels(lang string) labels {
	w := func(s string) string { return i18n.Word(lang, s) }
	html := lang
	if html == "" {
		html = "en"
	}
	return labels{Lang: html, AtStart: w("At the start"), AtEnd: w("At the end"), WhatChanged: w("What changed:"), Result: w("Result:"),
		Shows: w("What this shows"), Contents: w("Steps"), Glossary: w("Glossary"), AnswerKey: w("Answer key"), Answer: w("Answer:"),
		YourAnswer: w("Your answer:"), AnswerFirst: w("Answer the question before you read on."), Explanation: w("Why:"),
		Legend: w("+ added   − removed   ~ changed"), Trainer: w("trainer's copy"), Student: w("student's copy")}
}

type hStep struct {
	N         int    // 1-based
	ID        string // the HTML anchor: "step-3"
	Head      string // "Step 2/19 · Step 1: connect"
	Short     string // for the table of contents
	Say       []string
	Lines     []hLine
	Changes   []string // "+ example.com alice/INBOX: UID 4 …": what changed, one line each
	Diff      *table   // the rows of the state that changed
	State     *table   // the whole state (at a quiz)
	Quiz      *hQuiz
	AfterQuiz bool // the step after a quiz: a student turns the page to it
	Keep      bool // short enough to keep on one page
}

// hLine is one line of a step's transcript box.
type hLine struct {
	Class string   // pop3, imap, smtp (wire lines); event, good, bad (others)
	Who   string   // "laptop   C:" ; "" for events and a body's lines
	Text  []string // the line, wrapped: the later pieces start with Contd
	Whole string   // the line, not wrapped
	gloss string   // the key of the glossary entry that explains it
	Notes []string
}

type hQuiz struct {
	Question string
	Choices  []hChoice // trainer only
	Explain  string    // trainer only
	Answers  []string  // trainer only: what the learner answered
}

type hChoice struct {
	Letter  string // "a"
	Text    string
	Correct bool
}

// hKey is one line of the answer key.
type hKey struct {
	Step     string // "Step 23/37"
	ID       string
	Question string
	Answer   string // "a) Four EXPUNGE lines…"
	Explain  string
}

// hTerm is a glossary entry that explained a line of the transcript,
// with the first line it explained.
type hTerm struct {
	Term, Proto, RFC, Example, Text string
}

func buildHandout(t *Transcript, o ExportOptions) *handout {
	lang := o.lang(t)
	if o.BlockLines == 0 {
		o.BlockLines = 12
	}
	tr := func(x i18n.Text) string { return strings.TrimSpace(x.In(lang)) }
	l := t.Heading()
	word := func(s string) string { return i18n.Word(lang, s) }
	h := &handout{L: handoutLabels(lang), Student: o.For == ForStudent, Paper: o.Paper, Title: fmt.Sprintf("mailsim · %s — %s", l.ID, tr(l.Title)), Summary: tr(l.Summary)}
	layout := word("2 January 2006 15:04") // a time layout: dates as the reader writes them
	h.About = i18n.Wordf(lang, "Transcript %s, recorded %s.", t.ID, t.Created.Format(layout))
	if t.Redacted {
		h.About += " " + word("Passwords and SASL payloads are shown as •••.")
	}
	h.Shows = claimsShown(t, lang)
	terms := map[string]*hTerm{}
	var cur *hStep
	var shown, stepShown *table // the state as the handout last showed it, and as it was when the step began
	steps := l.Steps
	for i := range t.Events {
		e := &t.Events[i]
		switch e.Kind {
		case events.EventStart:
			shown = stateTable(e.State, lang)
			h.Start = shown.folded(lang)
		case events.EventStep:
			title := ""
			if s := tr(e.Title); s != "" {
				title = " · " + s
			}
			n := len(h.Steps) + 1
			h.Steps = append(h.Steps, hStep{N: n, ID: fmt.Sprintf("step-%d", n), Head: i18n.Wordf(lang, "Step %d/%d%s", e.Step+1, steps, title),
				Short: tr(e.Title), Say: paragraphs(tr(e.Say))})
			if cur != nil && cur.Quiz != nil {
				h.Steps[n-1].AfterQuiz = true
			}
			cur = &h.Steps[n-1]
			stepShown = shown
		case events.EventEnd:
			if !l.Recording { // a recording of real clients checked nothing: it only ends
				h.Result = word(map[bool]string{true: "passed", false: "FAILED"}[e.OK]) + " — " + tr(e.Text)
			}
		}
		if cur == nil && t.Lesson == nil && (e.Kind == events.EventConnect || e.Kind == events.EventWire) {
			// a live session (classroom mode, an imported capture) has no
			// steps: its connections make one section
			h.Steps = append(h.Steps, hStep{N: 1, ID: "step-1", Head: word("The session"), Short: word("The session")})
			cur = &h.Steps[0]
			stepShown = shown
		}
		if cur == nil {
			continue
		}
		switch e.Kind {
		case events.EventConnect:
			tls := ", " + word("plain text")
			if e.Role.ImplicitTLS() {
				tls = ", " + word("TLS from the first byte")
			}
			cur.addEvent("event", fmt.Sprintf("%s ⇄ %s (%s%s)", e.Actor, e.Host, strings.ToUpper(string(e.Protocol)), tls))
		case events.EventClose:
			cur.addEvent("event", fmt.Sprintf("%s ✕ %s: %s", e.Actor, e.Host, tr(e.Text)))
		case events.EventWire:
			u := e.Unit
			if u.Layer == wire.Cipher && !o.Eavesdropper || u.Layer == wire.Inner && o.Eavesdropper {
				continue
			}
			cur.addWire(e, lang, o.BlockLines)
			if g := e.Gloss; g != nil && u.Kind == wire.Line && terms[g.Key] == nil {
				terms[g.Key] = &hTerm{Term: g.Key, Proto: strings.ToUpper(string(e.Protocol)), RFC: g.RFC, Example: u.Text, Text: oneLine(tr(g.Text))}
			}
		case events.EventCheck:
			c, mark := "good", "✓"
			if !e.OK {
				c, mark = "bad", "✗"
			}
			cur.addEvent(c, mark+" "+tr(e.Text))
		case events.EventFail:
			cur.addEvent("bad", "✗ "+tr(e.Text))
		case events.EventQuiz:
			if e.Quiz == nil {
				continue
			}
			cur.Quiz = buildQuiz(t, e, lang, h.Student)
			cur.State = stateTable(lastState(t, i), lang).folded(lang)
			if !h.Student {
				h.Key = append(h.Key, answerKey(cur, lang))
			}
		case events.EventState:
			cur.Changes = append(cur.Changes, changeLines(e.Delta, lang)...)
			if len(e.Delta) > 0 {
				now := stateTable(e.State, lang)
				if cur.Diff = diffTable(stepShown, now).folded(lang); cur.Diff != nil {
					cur.Diff.Caption, cur.Diff.Legend = h.L.WhatChanged, h.L.Legend
				}
				shown = now
			}
		}
	}
	h.End = stateTable(t.Final(), lang).folded(lang)
	for i := range h.Steps {
		s := &h.Steps[i]
		s.Keep = s.rows() <= keepRows
		if s.Short == "" {
			s.Short = s.summary()
		}
	}
	for _, term := range terms {
		h.Terms = append(h.Terms, *term)
	}
	sort.Slice(h.Terms, func(i, j int) bool {
		a, b := h.Terms[i], h.Terms[j]
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		return strings.ToLower(a.Term) < strings.ToLower(b.Term)
	})
	return h
}

// claimsShown gives the texts of the claims the lesson shows, in the
// order of the seed article. A transcript saved before lessons recorded
// their claims takes them from the built-in lesson of its id.
func claimsShown(t *Transcript, lang string) []string {
	if t.Lesson == nil {
		return nil
	}
	covers := t.Lesson.Covers
	if len(covers) == 0 {
		if list, err := lessons.Builtin(); err == nil {
			if l, ok := lessons.Find(list, t.Lesson.ID); ok {
				covers = l.Covers
			}
		}
	}
	all, err := lessons.Claims()
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range all {
		if slices.Contains(covers, c.ID) {
			out = append(out, strings.TrimSpace(c.Text.In(lang)))
		}
	}
	return out
}

// lastState is the state in force at event i: the latest start or state
// event's before it.
func lastState(t *Transcript, i int) *events.State {
	for ; i >= 0; i-- {
		if st := t.Events[i].State; st != nil {
			return st
		}
	}
	return nil
}

func buildQuiz(t *Transcript, e *events.Event, lang string, student bool) *hQuiz {
	tr := func(x i18n.Text) string { return strings.TrimSpace(x.In(lang)) }
	q := &hQuiz{Question: tr(e.Quiz.Question)}
	if student {
		return q // the question alone: the choices would hold the answer
	}
	for k, c := range e.Quiz.Choices {
		q.Choices = append(q.Choices, hChoice{Letter: string(rune('a' + k)), Text: tr(c.Text), Correct: c.Correct})
	}
	q.Explain = oneLine(tr(e.Quiz.Explain))
	for _, a := range t.Answers {
		if a.Step == e.Step {
			right := "wrong"
			if a.Correct {
				right = "right"
			}
			q.Answers = append(q.Answers, i18n.Wordf(lang, "answered %c): %s", 'a'+a.Choice, i18n.Word(lang, right)))
		}
	}
	return q
}

func answerKey(s *hStep, lang string) hKey {
	k := hKey{Step: i18n.Wordf(lang, "Step %d", s.N), ID: s.ID, Question: s.Quiz.Question, Explain: s.Quiz.Explain}
	var right []string
	for _, c := range s.Quiz.Choices {
		if c.Correct {
			right = append(right, c.Letter+") "+c.Text)
		}
	}
	k.Answer = strings.Join(right, "; ")
	return k
}

func (s *hStep) addEvent(class, text string) {
	s.Lines = append(s.Lines, hLine{Class: class, Text: []string{text}, Whole: text})
}

// addWire adds a wire unit: a line, or a body with its first lines.
func (s *hStep) addWire(e *events.Event, lang string, blockLines int) {
	u := e.Unit
	proto := string(e.Protocol)
	who := fmt.Sprintf("%-8s %s:", e.Actor, u.Dir)
	var notes []string
	if n := strings.TrimSpace(e.ShownNote().In(lang)); n != "" {
		notes = append(notes, "↳ "+oneLine(n))
	} else if e.Gloss != nil && !s.glossedLast(e.Gloss) {
		if g := strings.TrimSpace(e.Gloss.Text.In(lang)); g != "" {
			ref := ""
			if e.Gloss.RFC != "" {
				ref = " [" + e.Gloss.RFC + "]"
			}
			notes = append(notes, "· "+oneLine(g)+ref)
		}
	}
	if u.Kind != wire.Block {
		s.Lines = append(s.Lines, hLine{Class: proto, Who: who, Text: wrapWire(u.Text, wireCols), Whole: u.Text, Notes: notes, gloss: glossKey(e)})
		return
	}
	lines := strings.Split(strings.TrimSuffix(u.Text, "\n"), "\n")
	head := "┌ " + i18n.Wordf(lang, "%d lines, %d octets", len(lines), u.Len)
	s.Lines = append(s.Lines, hLine{Class: proto, Who: who, Text: []string{head}, Whole: head})
	lines, more := cutBlock(lines, blockLines)
	for _, l := range lines {
		s.Lines = append(s.Lines, hLine{Class: proto, Text: wrapWire("│ "+l, wireCols), Whole: "│ " + l})
	}
	if more > 0 {
		s.addEvent(proto, "└ "+i18n.Wordf(lang, "… %d more lines", more))
	}
	s.Lines[len(s.Lines)-1].Notes = notes
}

// keepRows is the most printed lines a step may take and still be kept on
// one page: a third of an A4 page of 8 pt lines. A longer step may break
// across pages (between two lines, never inside one); a shorter one moves
// whole to the next page, which leaves at most a third of a page empty.
const keepRows = 22

// glossedLast: the step's wire line before this one was explained by the
// same glossary entry ("* 1 EXPUNGE" four times is explained once).
func (s *hStep) glossedLast(g *lessons.Entry) bool {
	return len(s.Lines) > 0 && s.Lines[len(s.Lines)-1].gloss == g.Key
}

func glossKey(e *events.Event) string {
	if e.Gloss == nil {
		return ""
	}
	return e.Gloss.Key
}

// rows is about how many printed lines the step takes.
func (s *hStep) rows() int {
	n := 2
	for _, p := range s.Say {
		n += 1 + len(p)/90
	}
	for _, l := range s.Lines {
		n += len(l.Text) + len(l.Notes)
	}
	for _, tb := range []*table{s.Diff, s.State} {
		if tb != nil {
			n += 2 + tb.rows()
		}
	}
	if s.Quiz != nil {
		n += 6 + len(s.Quiz.Choices)
	}
	return n
}

// summary names a step without a title in the table of contents: its
// first sentence, or its first line on the wire.
func (s *hStep) summary() string {
	if len(s.Say) > 0 {
		first := oneLine(s.Say[0])
		if i := strings.Index(first, ". "); i > 0 {
			first = first[:i+1]
		}
		return shorten(first, 70)
	}
	if s.Quiz != nil {
		return shorten(s.Quiz.Question, 70)
	}
	for _, l := range s.Lines {
		if len(l.Text) > 0 {
			actor, _, _ := strings.Cut(l.Who, " ")
			return shorten(actor+": "+l.Whole, 70)
		}
	}
	return ""
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// changeLine is one entry of "what changed", in lang.
func changeLine(c events.Change, lang string) string {
	sign := map[events.ChangeKind]string{events.Added: "+", events.Removed: "−", events.FlagsChanged: "~", events.Marked: "×", events.Unmarked: "↺", events.Downloaded: "↓"}[c.Kind]
	extra := ""
	switch c.Kind {
	case events.FlagsChanged:
		extra = " " + flagList(c.Flags)
	case events.Downloaded:
		extra = ": " + detailIn(lang, c.Detail)
	}
	where := c.Where
	if name, ok := strings.CutPrefix(where, "device "); ok {
		where = i18n.Wordf(lang, "device %s", name)
	}
	return fmt.Sprintf("%s %s: UID %d %q %s%s", sign, where, c.UID, c.Subject, i18n.Word(lang, c.Kind.String()), extra)
}

func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
