package transcripts

import (
	"bytes"
	"strings"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
)

// TestARunOfLinesWithOneMeaningIsExplainedOnce: fifty "* n FETCH" lines
// in a row carry one glossary entry; the plain transcript explains it
// under the first of the run, and again after a step marker or a line
// with another meaning.
func TestARunOfLinesWithOneMeaningIsExplainedOnce(t *testing.T) {
	tr := session("imap", "S: * 1 FETCH (FLAGS ())", "S: * 2 FETCH (FLAGS ())", "S: * 3 FETCH (FLAGS ())", "S: a1 OK FETCH completed", "S: * 4 FETCH (FLAGS ())", "S: * 5 FETCH (FLAGS ())")
	gloss := func(key, text string) *lessons.Entry { return &lessons.Entry{Key: key, Text: i18n.Text{"en": text}} }
	for i := 1; i < len(tr.Events); i++ {
		e := &tr.Events[i]
		if strings.HasPrefix(e.Unit.Text, "*") {
			e.Gloss = gloss("FETCH response", "a FETCH answer")
		} else {
			e.Gloss = gloss("tagged OK", "done")
		}
	}
	step := events.Event{Kind: events.EventStep, Step: 1}
	tr.Events = append(tr.Events[:6], append([]events.Event{step}, tr.Events[6:]...)...)
	var out bytes.Buffer
	p := NewPlain(&out, Heading{ID: "x", Steps: 2}, PlainOptions{})
	for _, e := range tr.Events {
		p.Event(e)
	}
	if got := strings.Count(out.String(), "· a FETCH answer"); got != 3 {
		t.Errorf("the FETCH answer is explained %d times, want 3 (first of the run, after the OK, after the step):\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "* 2 FETCH (FLAGS ())\n  laptop   S: * 3") {
		t.Errorf("the second line of the run is explained:\n%s", out.String())
	}
}
