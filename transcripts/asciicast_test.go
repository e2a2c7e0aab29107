package transcripts

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

type castEvent struct {
	At         float64
	Kind, Text string
}

func readCast(t *testing.T, data []byte) (hdr map[string]any, evs []castEvent) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err := json.Unmarshal([]byte(lines[0]), &hdr); err != nil {
		t.Fatalf("header %q: %v", lines[0], err)
	}
	last := 0.0
	for _, l := range lines[1:] {
		var ev []any
		if err := json.Unmarshal([]byte(l), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("event %q: %v", l, err)
		}
		e := castEvent{ev[0].(float64), ev[1].(string), ev[2].(string)}
		if e.At < last {
			t.Fatalf("time goes back: %v after %v", e.At, last)
		}
		last = e.At
		evs = append(evs, e)
	}
	return hdr, evs
}

// readingTime is the documented pacing: base seconds plus the words (or
// one word per six characters, if more) at wpm words a minute.
func readingTime(base float64, text string, wpm int) float64 {
	words := max(len(strings.Fields(text)), int(math.Ceil(float64(utf8.RuneCountInString(strings.TrimSpace(text)))/6)))
	return base + float64(words)*60/float64(wpm)
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestTheAsciicastIsPacedForReadingAndFitsItsWidth(t *testing.T) {
	tr := builtinTranscript(t, "pop-vs-imap")
	l := findLesson(t, "pop-vs-imap")
	for _, tc := range []struct {
		wpm, cols int
		lang      string
	}{{120, 100, "en"}, {60, 60, "en"}, {200, 80, "vi"}} {
		var b bytes.Buffer
		if err := Asciicast(&b, tr, AsciicastOptions{ExportOptions: ExportOptions{Lang: tc.lang}, WPM: tc.wpm, Width: tc.cols}); err != nil {
			t.Fatal(err)
		}
		hdr, evs := readCast(t, b.Bytes())
		if hdr["width"] != float64(tc.cols) || hdr["idle_time_limit"] != nil {
			t.Errorf("header %v: want width %d and no idle_time_limit (it would cut the reading pauses)", hdr, tc.cols)
		}
		// every line fits
		var all strings.Builder
		for _, e := range evs {
			if e.Kind == "o" {
				all.WriteString(e.Text)
			}
		}
		for _, line := range strings.Split(ansiRE.ReplaceAllString(all.String(), ""), "\r\n") {
			if w := uniseg.StringWidth(line); w > tc.cols {
				t.Errorf("wpm %d, cols %d: a line %d wide: %q", tc.wpm, tc.cols, w, line)
			}
		}
		// one marker per step; the narration stays up for its reading time
		stepWord := map[string]string{"en": "Step ", "vi": "Bước "}[tc.lang]
		markers := 0
		for i, e := range evs {
			if e.Kind != "m" {
				continue
			}
			if !strings.HasPrefix(e.Text, stepWord) {
				t.Errorf("marker %q", e.Text)
			}
			say := strings.TrimSpace(l.Steps[markers].Say.In(tc.lang))
			markers++
			shown, next := evs[i+1], evs[i+2]
			if shown.At != e.At || !strings.Contains(shown.Text, e.Text) {
				t.Fatalf("marker %q is not followed by its step: %+v", e.Text, shown)
			}
			if got, want := next.At-shown.At, readingTime(1.5, say, tc.wpm); math.Abs(got-want) > 0.002 {
				t.Errorf("wpm %d: %s: the narration (%d words) is held %.3f s, want %.3f s", tc.wpm, e.Text, len(strings.Fields(say)), got, want)
			}
		}
		if markers != len(l.Steps) {
			t.Errorf("%d markers, want one per step (%d)", markers, len(l.Steps))
		}
		// the quiz: the question and its choices, a pause, then the answer
		_, qs := quizzes(l)
		q := qs[0]
		for i, e := range evs {
			if !strings.Contains(e.Text, "? ") || !strings.Contains(oneLine(ansiRE.ReplaceAllString(e.Text, "")), oneLine(q.Question.In(tc.lang))) {
				continue
			}
			for _, c := range q.Choices {
				if strings.Contains(e.Text, "✓") || !strings.Contains(oneLine(e.Text), strings.Fields(c.Text.In(tc.lang))[0]) {
					t.Errorf("the question's screen %q shows the answer, or lacks a choice", e.Text)
				}
			}
			asked := strings.TrimRight(strings.ReplaceAll(e.Text, "\r\n", "\n"), "\n")
			if got, want := evs[i+1].At-e.At, readingTime(4, asked, tc.wpm); math.Abs(got-want) > 0.002 {
				t.Errorf("the answer comes %.3f s after the question, want %.3f s", got, want)
			}
			if !strings.Contains(evs[i+1].Text, "✓") {
				t.Errorf("after the pause: %q, want the answer", evs[i+1].Text)
			}
		}
	}
}

func TestAClientsLineIsTypedAtAReadablePace(t *testing.T) {
	tr := builtinTranscript(t, "pop3-basics")
	var b bytes.Buffer
	if err := Asciicast(&b, tr, AsciicastOptions{NoColor: true}); err != nil {
		t.Fatal(err)
	}
	_, evs := readCast(t, b.Bytes())
	for i, e := range evs {
		if !strings.HasSuffix(e.Text, "C: ") || !strings.Contains(e.Text, "laptop") {
			continue
		}
		typed := ""
		for j := i + 1; j < len(evs) && len(evs[j].Text) <= 4 && evs[j].Text != "\r\n"; j++ {
			typed += evs[j].Text
			if d := evs[j].At - evs[j-1].At; math.Abs(d-0.045) > 0.0005 {
				t.Fatalf("%q typed with %.3f s between characters, want 0.045", typed, d)
			}
		}
		if typed != "USER alice" {
			t.Errorf("typed %q, want the first command, USER alice", typed)
		}
		return
	}
	t.Fatal("no client line typed")
}
