package transcripts

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
)

// builtinTranscripts records every built-in lesson once for the handout
// tests.
var builtinTranscripts = struct {
	sync.Mutex
	m map[string]*Transcript
}{m: map[string]*Transcript{}}

func builtinTranscript(t *testing.T, id string) *Transcript {
	t.Helper()
	builtinTranscripts.Lock()
	defer builtinTranscripts.Unlock()
	if tr := builtinTranscripts.m[id]; tr != nil {
		return tr
	}
	tr := recordLesson(t, id)
	builtinTranscripts.m[id] = tr
	return tr
}

func builtinLessons(t *testing.T) []*lessons.Lesson {
	t.Helper()
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// quizzes are a lesson's quiz steps, with their step index.
func quizzes(l *lessons.Lesson) (idx []int, qs []*lessons.QuizSpec) {
	for i, s := range l.Steps {
		if s.Kind == lessons.Quiz && s.Quiz != nil {
			idx = append(idx, i)
			qs = append(qs, s.Quiz)
		}
	}
	return idx, qs
}

func render(t *testing.T, f func(io.Writer, *Transcript, ExportOptions) error, tr *Transcript, o ExportOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, tr, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pageText parses a page as HTML with encoding/xml's HTML mode, checking
// that every element is closed in order (as the template writes them; the
// void ones aside), and returns its text with white space folded, and the
// ids and local links it holds.
func pageText(t *testing.T, page string) (text string, ids map[string]bool, hrefs []string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var b strings.Builder
	var open []string
	ids = map[string]bool{}
	inStyle := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the page does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			open = append(open, tok.Name.Local)
			inStyle = tok.Name.Local == "style"
			for _, a := range tok.Attr {
				switch a.Name.Local {
				case "id":
					if ids[a.Value] {
						t.Errorf("id %q is given twice", a.Value)
					}
					ids[a.Value] = true
				case "href":
					hrefs = append(hrefs, a.Value)
				}
			}
			b.WriteString(" ")
		case xml.EndElement:
			if len(open) == 0 || open[len(open)-1] != tok.Name.Local {
				line, _ := d.InputPos()
				t.Fatalf("line %d: </%s> closes %v", line, tok.Name.Local, open)
			}
			open = open[:len(open)-1]
			inStyle = false
			b.WriteString(" ")
		case xml.CharData:
			if !inStyle {
				b.Write(tok)
			}
		}
	}
	if len(open) > 0 {
		t.Errorf("unclosed elements: %v", open)
	}
	return oneLine(b.String()), ids, hrefs
}

func TestAStudentHandoutGivesNoQuizAnswerAwayAndATrainersHasThemAll(t *testing.T) {
	for _, l := range builtinLessons(t) {
		steps, qs := quizzes(l)
		if len(qs) == 0 {
			continue
		}
		t.Run(l.ID, func(t *testing.T) {
			tr := *builtinTranscript(t, l.ID)
			// A learner answered every quiz while it was recorded: the
			// trainer sees how, the student must not.
			tr.Answers = nil
			for _, s := range steps {
				tr.Answers = append(tr.Answers, Answer{Step: s, Choice: 0, Correct: l.Steps[s].Quiz.Choices[0].Correct})
			}
			// The same transcript with the quizzes' choices and
			// explanations taken out: what the rest of the lesson says.
			bare := tr
			bare.Answers = nil
			bare.Events = append([]events.Event(nil), tr.Events...)
			for i := range bare.Events {
				if q := bare.Events[i].Quiz; q != nil {
					bare.Events[i].Quiz = &lessons.QuizSpec{Question: q.Question}
				}
			}
			for _, lang := range l.Languages() {
				for _, who := range Audiences {
					o := ExportOptions{Lang: lang, For: who}
					text, _, _ := pageText(t, render(t, HTML, &tr, o))
					md := render(t, Markdown, &tr, o)
					bareText, _, _ := pageText(t, render(t, HTML, &bare, o))
					bareMD := render(t, Markdown, &bare, o)
					// count is how often s is in the page and the markdown
					// beyond what the rest of the lesson says.
					count := func(s string) (inPage, inMD int) {
						s = oneLine(s)
						return strings.Count(text, s) - strings.Count(bareText, s), strings.Count(md, mdEscape(s)) - strings.Count(bareMD, mdEscape(s))
					}
					answered := i18n.Wordf(lang, "answered %c): %s", 'a', "")
					for _, q := range qs {
						if q := oneLine(q.Question.In(lang)); !strings.Contains(text, q) || !strings.Contains(md, mdEscape(q)) {
							t.Errorf("%s, %s: the question %q is missing", lang, who, q)
						}
						check := func(what, s string) {
							p, m := count(s)
							if who == ForStudent && (p != 0 || m != 0) {
								t.Errorf("%s, %s: %s %q is in the page %d times, in the markdown %d times", lang, who, what, s, p, m)
							}
							if who == ForTrainer && (p < 1 || m < 1) {
								t.Errorf("%s, %s: %s %q: in the page %d times, in the markdown %d times", lang, who, what, s, p, m)
							}
						}
						for _, c := range q.Choices {
							if c.Correct {
								check("the answer", c.Text.In(lang))
							}
						}
						check("the explanation", q.Explain.In(lang))
						check("the learner's reply", answered)
					}
					keyHead := i18n.Word(lang, "Answer key")
					if got := strings.Contains(text, keyHead) && strings.Contains(md, "## "+keyHead); got != (who == ForTrainer) {
						t.Errorf("%s, %s: an answer key: %v", lang, who, got)
					}
				}
			}
		})
	}
}

func TestTheTrainersHandoutMarksTheRightChoice(t *testing.T) {
	tr := builtinTranscript(t, "pop3-basics")
	page := render(t, HTML, tr, ExportOptions{})
	_, qs := quizzes(findLesson(t, "pop3-basics"))
	for _, c := range qs[0].Choices {
		want := "<li>" + c.Text.In("en") + "</li>"
		if c.Correct {
			want = `<li class="correct">` + c.Text.In("en") + "</li>"
		}
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, `<div class="answer-box">`) {
		t.Error("a trainer's page has an answer box")
	}
	student := render(t, HTML, tr, ExportOptions{For: ForStudent})
	if !strings.Contains(student, `<div class="answer-box"></div>`) || !strings.Contains(student, ` after-quiz"`) {
		t.Error("a student's page lacks the empty answer box, or the page break after the quiz")
	}
}

func TestMarkdownShowsPerStepOnlyWhatChanged(t *testing.T) {
	for _, l := range builtinLessons(t) {
		t.Run(l.ID, func(t *testing.T) {
			tr := builtinTranscript(t, l.ID)
			_, qs := quizzes(l)
			for _, who := range Audiences {
				md := render(t, Markdown, tr, ExportOptions{For: who})
				// the whole state: at the start, at each quiz, at the end
				if got, want := strings.Count(md, "\n| Where | UID |"), 2+len(qs); got != want {
					t.Errorf("%s: %d state tables, want %d (start, %d quizzes, end)", who, got, want, len(qs))
				}
				lines := strings.Count(md, "\n")
				if l.ID == "pop-vs-imap" && lines >= 250 {
					t.Errorf("%s: %d lines, want under 250", who, lines)
				}
				t.Logf("%s: %d lines for %d steps", who, lines, len(l.Steps))
			}
		})
	}
}

func TestTheHTMLHandoutIsOneWellFormedPageWithContentsClaimsAndGlossary(t *testing.T) {
	claims, err := lessons.Claims()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range builtinLessons(t) {
		t.Run(l.ID, func(t *testing.T) {
			tr := builtinTranscript(t, l.ID)
			page := render(t, HTML, tr, ExportOptions{})
			text, ids, hrefs := pageText(t, page)
			for _, bad := range []string{"<script", "http://", "https://", "<link", "<img", "@import", "url("} {
				if strings.Contains(page, bad) {
					t.Errorf("the page is not self-contained: it holds %q", bad)
				}
			}
			for _, h := range hrefs {
				if !strings.HasPrefix(h, "#") || !ids[h[1:]] {
					t.Errorf("a link to %q, which the page does not hold", h)
				}
			}
			for i := range l.Steps {
				if !ids[stepID(i+1)] {
					t.Errorf("no section for step %d", i+1)
				}
			}
			toc := page[strings.Index(page, `<nav class="toc">`):strings.Index(page, "</nav>")]
			if n := strings.Count(toc, `<li><a href="#step-`); n != len(l.Steps) {
				t.Errorf("the contents list %d steps, want %d", n, len(l.Steps))
			}
			for _, c := range claims {
				want := false
				for _, id := range l.Covers {
					want = want || id == c.ID
				}
				if got := strings.Contains(text, oneLine(c.Text.In("en"))); got != want {
					t.Errorf("claim %s shown: %v, want %v", c.ID, got, want)
				}
			}
			// every glossary entry that explained a line is in the glossary
			glossary := text[strings.LastIndex(text, " Glossary "):]
			for _, e := range tr.Events {
				if e.Gloss != nil && e.Unit.Kind == wire.Line && e.Unit.Layer != wire.Cipher && !strings.Contains(glossary, e.Gloss.Key) {
					t.Errorf("the glossary lacks %q", e.Gloss.Key)
				}
			}
		})
	}
}

func stepID(n int) string { return "step-" + itoa(n) }

func TestTheHTMLHandoutMarksWhatChangedInTheState(t *testing.T) {
	tr := builtinTranscript(t, "pop-vs-imap")
	h := buildHandout(tr, ExportOptions{})
	marks := map[string]int{}
	for _, s := range h.Steps {
		if s.Diff == nil {
			continue
		}
		for _, r := range s.Diff.Rows {
			marks[r.Mark]++
			if r.Mark == "~" && !strings.Contains(strings.Join(r.Cells, " "), "Seen") && !strings.Contains(strings.Join(r.Cells, " "), "marked") {
				t.Errorf("a changed row that shows no change: %v", r.Cells)
			}
		}
	}
	// pop-vs-imap: the phone and laptop gain messages, the laptop's RETRs
	// set \Seen and DELE marks them, QUIT removes them from the server
	// and the phone.
	for _, m := range []string{"+", "~", "−"} {
		if marks[m] == 0 {
			t.Errorf("no row marked %q: %v", m, marks)
		}
	}
	if marks[""] != 0 {
		t.Errorf("%d unchanged rows in the diffs", marks[""])
	}
}

func TestHandoutsInVietnameseSayTheirOwnWordsInVietnamese(t *testing.T) {
	tr := builtinTranscript(t, "pop-vs-imap")
	for _, who := range Audiences {
		page := render(t, HTML, tr, ExportOptions{Lang: "vi", For: who})
		md := render(t, Markdown, tr, ExportOptions{Lang: "vi", For: who})
		l := handoutLabels("en")
		english := []string{l.Shows, l.Contents, l.Glossary, l.YourAnswer, l.AnswerFirst, l.Explanation, l.Legend, l.Trainer, l.Student, l.AnswerKey, l.AtStart, l.AtEnd, l.WhatChanged}
		for _, w := range english {
			if strings.Contains(page, ">"+w+"<") || strings.Contains(md, "## "+w+"\n") {
				t.Errorf("%s: the Vietnamese handout still says %q", who, w)
			}
		}
		if !strings.Contains(page, "Những điều được minh họa ở đây") {
			t.Errorf("%s: no Vietnamese \"what this shows\"", who)
		}
		if date := tr.Created.Format("02/01/2006 15:04"); !strings.Contains(md, "ghi lúc "+date) {
			t.Errorf("%s: the recording date is not written day/month/year (%s)", who, date)
		}
	}
}

func TestWrappedWireLinesFitAndLoseNothing(t *testing.T) {
	line := `* 1 FETCH (UID 1 FLAGS (\Recent) RFC822.SIZE 238 ENVELOPE ("Tue, 24 Nov 2026 09:00:00 +0700" "Lunch?" (("Bob" NIL "bob" "example.org")))) AGVsbG8AYWxpY2UAd29uZGVybGFuZGFsaWNld29uZGVybGFuZGFsaWNld29uZGVybGFuZA== Tiếng Việt 日本語`
	for _, cols := range []int{20, 40, 86} {
		pieces := wrapWire(line, cols)
		var joined strings.Builder
		for i, p := range pieces {
			if width(p) > cols {
				t.Errorf("cols %d: piece %q is %d wide", cols, p, width(p))
			}
			if i > 0 {
				if !strings.HasPrefix(p, Contd) {
					t.Errorf("cols %d: piece %q lacks the continuation mark", cols, p)
				}
				p = strings.TrimPrefix(p, Contd)
			}
			joined.WriteString(p)
		}
		if strip := func(s string) string { return strings.ReplaceAll(s, " ", "") }; strip(joined.String()) != strip(line) {
			t.Errorf("cols %d: the pieces hold %q", cols, joined.String())
		}
	}
	if got := wrapWire("short", 86); len(got) != 1 || got[0] != "short" {
		t.Errorf("a short line: %q", got)
	}
}

func TestControlCharactersShowInTheHTMLHandout(t *testing.T) {
	tr := *builtinTranscript(t, "pop3-basics")
	tr.Events = append([]events.Event(nil), tr.Events...)
	for i := range tr.Events {
		if e := &tr.Events[i]; e.Kind == events.EventWire && e.Unit.Dir == wire.ServerToClient && e.Unit.Kind == wire.Line {
			u := *e.Unit
			u.Text = "+OK \x1b]52;c;aGVsbG8=\x07 \x1b[2J\x00"
			e.Unit = &u
			break
		}
	}
	page := render(t, HTML, &tr, ExportOptions{})
	if strings.ContainsAny(page, "\x1b\x07\x00") || !strings.Contains(page, "OK ␛]52;c;aGVsbG8=␇ ␛[2J") {
		i := strings.Index(page, "52;c;")
		t.Errorf("the control characters of a wire line reach the page as they are: %q", page[max(0, i-40):i+40])
	}
}

// A live session has no steps (classroom mode, mailsim import): its
// connections still make the handout, as one section.
func TestAHandoutOfALiveSessionShowsItsLines(t *testing.T) {
	tr := session("pop3", "S: +OK ready", "C: USER alice", "S: +OK")
	tr.Live = true
	for _, lang := range []string{"en", "vi"} {
		var md, html bytes.Buffer
		if err := Markdown(&md, tr, ExportOptions{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if err := HTML(&html, tr, ExportOptions{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		head := map[string]string{"en": "The session", "vi": "Phiên làm việc"}[lang]
		for name, out := range map[string]string{"markdown": md.String(), "html": html.String()} {
			if !strings.Contains(out, "USER alice") || !strings.Contains(out, head) {
				t.Errorf("%s %s handout without the session's lines under %q:\n%s", lang, name, head, out)
			}
		}
	}
}
