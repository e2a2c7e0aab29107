package gallery

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

func TestEveryCatalogEntryIsComplete(t *testing.T) {
	list, err := lessons.Claims()
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]bool{}
	for _, c := range list {
		claims[c.ID] = true
	}
	seen := map[string]bool{}
	for _, s := range Samples() {
		if seen[s.Name] {
			t.Errorf("catalog.yaml: sample %s is listed twice", s.Name)
		}
		seen[s.Name] = true
		if len(s.Steps) == 0 || s.Protocol == "" || s.Client == "" {
			t.Errorf("catalog.yaml: sample %s lacks steps, a protocol or a client", s.Name)
		}
		texts := map[string]i18n.Text{"title": s.Title, "intro": s.Intro}
		for i, st := range s.Steps {
			texts[fmt.Sprintf("step %d title", i+1)] = st.Title
			if st.Say != nil {
				texts[fmt.Sprintf("step %d say", i+1)] = st.Say
			}
		}
		for what, text := range texts {
			for _, lang := range []string{"en", "vi"} {
				if strings.TrimSpace(text[lang]) == "" {
					t.Errorf("sample %s: the %s has no %s text", s.Name, what, lang)
				}
			}
		}
		for _, c := range s.Covers {
			if !claims[c] {
				t.Errorf("sample %s covers %q, which is not a claim of lessons/claims.yaml", s.Name, c)
			}
		}
	}
}

// TestEverySampleLoadsAndReplaysToTheEnd loads every shipped sample, steps
// a cursor through all of it, and prints it as `replay --plain` does.
func TestEverySampleLoadsAndReplaysToTheEnd(t *testing.T) {
	for _, s := range Samples() {
		t.Run(s.Name, func(t *testing.T) {
			tr, err := Load(Prefix + s.Name)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Lesson == nil || tr.Lesson.ID != Prefix+s.Name || tr.Lesson.Steps != len(s.Steps) {
				t.Fatalf("%s: the transcript is not sample %s with %d steps: %+v (record it again: mailsim gallery record %s)", s.File(), s.Name, len(s.Steps), tr.Lesson, s.Name)
			}
			if !tr.Live || !tr.Redacted || !tr.Deterministic {
				t.Errorf("%s: live %v, redacted %v, deterministic %v; want all three", s.File(), tr.Live, tr.Redacted, tr.Deterministic)
			}
			c := transcripts.NewCursor(tr)
			for c.Step() {
			}
			if c.Pos() != c.Len()-1 {
				t.Errorf("%s: stepping stopped at event %d of %d", s.File(), c.Pos()+1, c.Len())
			}
			if last := tr.Events[len(tr.Events)-1]; last.Kind != events.EventEnd {
				t.Errorf("%s: the last event is %q, want end", s.File(), last.Kind)
			}
			if c.Steps() != len(s.Steps) {
				t.Errorf("%s: %d steps, the catalog has %d", s.File(), c.Steps(), len(s.Steps))
			}
			for _, lang := range []string{"en", "vi"} {
				var out bytes.Buffer
				if err := transcripts.Replay(&out, tr, transcripts.PlainOptions{Lang: lang}); err != nil {
					t.Fatalf("%s: replay --plain --lang %s: %v", s.File(), lang, err)
				}
				if !strings.Contains(out.String(), s.Intro.In(lang)) {
					t.Errorf("%s: replay --lang %s does not show the intro", s.File(), lang)
				}
				// A recording checked nothing: it ends, with no lesson result.
				end := tr.Events[len(tr.Events)-1].Text.In(lang)
				if !strings.Contains(out.String(), "\n"+end+"\n") {
					t.Errorf("%s: replay --lang %s does not say %q", s.File(), lang, end)
				}
				var md bytes.Buffer
				if err := transcripts.Markdown(&md, tr, transcripts.ExportOptions{Lang: lang}); err != nil {
					t.Fatal(err)
				}
				for _, ok := range []bool{true, false} {
					result := i18n.Wordf(lang, "Result: %s — %s", i18n.Word(lang, map[bool]string{true: "passed", false: "FAILED"}[ok]), end)
					if strings.Contains(out.String(), result) || strings.Contains(md.String(), i18n.Word(lang, "Result:")) {
						t.Errorf("%s: --lang %s gives the recording a lesson's result", s.File(), lang)
					}
				}
			}
		})
	}
}

// genericKeys are glossary entries that explain a whole family of client
// commands without saying what this one does: a client line explained
// only by one of them lacks a meaning of its own.
var genericKeys = map[string]bool{"UID": true}

// TestEveryClientLineHasAMeaning: each line a real client sent is
// explained by a glossary entry of its own, in English and Vietnamese,
// both in the shipped file and by today's glossary. A line without one
// fails with its file, line and text: add the entry to lessons/glossary.
func TestEveryClientLineHasAMeaning(t *testing.T) {
	g, err := lessons.LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Samples() {
		tr, err := Load(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := files.ReadFile(s.File())
		if err != nil {
			t.Fatal(err)
		}
		lines := eventLines(raw)
		if len(lines) != len(tr.Events) {
			t.Fatalf("%s: %d event lines for %d events", s.File(), len(lines), len(tr.Events))
		}
		for i, e := range tr.Events {
			if e.Kind != events.EventWire || e.Unit.Dir != wire.ClientToServer || e.Unit.Kind != wire.Line || e.Unit.Layer == wire.Cipher {
				continue
			}
			where := fmt.Sprintf("transcripts/gallery/%s:%d: C: %s", s.File(), lines[i], e.Unit.Text)
			ge, ok := g.Explain(string(e.Protocol), true, e.Unit.Command, e.Unit.Text)
			switch {
			case !ok:
				t.Errorf("%s: no glossary entry explains this %s line (add one to lessons/glossary/%s.yaml)", where, e.Protocol, e.Protocol)
				continue
			case genericKeys[ge.Key]:
				t.Errorf("%s: only the generic entry %q explains it (add one of its own to lessons/glossary/%s.yaml)", where, ge.Key, e.Protocol)
				continue
			case ge.Text["en"] == "" || ge.Text["vi"] == "":
				t.Errorf("%s: the entry %q lacks an English or Vietnamese text", where, ge.Key)
			}
			if e.Gloss == nil || e.Gloss.Key != ge.Key {
				got := "none"
				if e.Gloss != nil {
					got = e.Gloss.Key
				}
				t.Errorf("%s: the file's annotation is %s, the glossary's is %q (record it again: mailsim gallery record %s)", where, got, ge.Key, s.Name)
			}
		}
	}
}

// eventLines is the file line of each event of a transcript file: the
// events section has one event per line.
func eventLines(raw []byte) []int {
	var out []int
	in := false
	for i, l := range bytes.Split(raw, []byte("\n")) {
		switch {
		case bytes.HasPrefix(l, []byte("events:")):
			in = true
		case in && bytes.HasPrefix(l, []byte("- ")):
			out = append(out, i+1)
		case in && len(l) > 0 && l[0] != ' ' && l[0] != '#':
			in = false
		}
	}
	return out
}

func TestLoadNamesTheSamplesWhenOneIsUnknown(t *testing.T) {
	_, err := Load("gallery:thunderbird")
	if err == nil || !strings.Contains(err.Error(), `no gallery sample "thunderbird"`) || !strings.Contains(err.Error(), "fetchmail-delete") {
		t.Fatalf("Load of an unknown sample: %v", err)
	}
}

func TestTheSamplesArePickerLessonsInTheirOwnGroup(t *testing.T) {
	ls := Lessons()
	if len(ls) != len(Samples()) {
		t.Fatalf("%d picker lessons for %d samples", len(ls), len(Samples()))
	}
	for _, l := range ls {
		if l.Group != Group || !strings.HasPrefix(l.ID, Prefix) || len(l.Steps) == 0 {
			t.Errorf("picker lesson %s: group %q, %d steps", l.ID, l.Group, len(l.Steps))
		}
	}
	if got := lessons.GroupTitle(Group); got != "Real clients" {
		t.Errorf("the group's title is %q, want Real clients", got)
	}
}

// TestEverySampleIsWrittenBackByteForByte: loading a shipped sample and
// writing it again gives the file as it is, so the in-memory model and
// the file format say the same things.
func TestEverySampleIsWrittenBackByteForByte(t *testing.T) {
	for _, s := range Samples() {
		raw, err := files.ReadFile(s.File())
		if err != nil {
			t.Fatal(err)
		}
		tr, err := transcripts.Unmarshal(raw, s.File())
		if err != nil {
			t.Fatal(err)
		}
		again, err := transcripts.Marshal(tr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, again) {
			a, b := bytes.Split(raw, []byte("\n")), bytes.Split(again, []byte("\n"))
			for i := range min(len(a), len(b)) {
				if !bytes.Equal(a[i], b[i]) {
					t.Errorf("%s:%d: written back as\n%s\nwas\n%s", s.File(), i+1, b[i], a[i])
					break
				}
			}
			if len(a) != len(b) {
				t.Errorf("%s: %d lines written back for %d", s.File(), len(b), len(a))
			}
		}
	}
}
