package widgets

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

// untagged is a rendered line as it shows: tview's colour tags gone, the
// escaped brackets back.
func untagged(s string) string {
	s = regexp.MustCompile(`\[[a-zA-Z0-9#:,-]*\]`).ReplaceAllString(s, "")
	return strings.ReplaceAll(s, "[]", "]")
}

func TestTheMeaningPaneLaysOutALineItsDetailsAndItsNotes(t *testing.T) {
	th := NewTheme()
	line := Meaning{Line: "laptop USER alice", Style: th.Text, About: []string{"12 octets"},
		Notes: []Para{{Style: th.Text, Text: "USER names the mailbox."}, {Style: th.Text, Text: " "}, {Style: th.Text, Text: "· the gloss", Ref: "[RFC 1939 §7]"}}}
	paused := line
	paused.Paused = true
	for _, tc := range []struct {
		name string
		m    Meaning
		w    int
		want []string
	}{
		{"the details sit beside a line that leaves room", line, 40,
			[]string{"laptop USER alice  12 octets", "USER names the mailbox.", "· the gloss [RFC 1939 §7]"}},
		{"the details go last when the line leaves no room, and notes wrap", line, 18,
			[]string{"laptop USER alice", "USER names the", "mailbox.", "· the gloss", "[RFC 1939 §7]", "12 octets"}},
		{"a line wider than the pane is cut on one row", Meaning{Line: "a1 FETCH 1:* (FLAGS)", Style: th.Text}, 10,
			[]string{"a1 FETCH…"}},
		{"paused annotations hide the notes and say so", paused, 60,
			[]string{"laptop USER alice  12 octets", "Annotations are paused (a resumes them)."}},
		{"a hint alone", Meaning{Notes: []Para{{Style: th.Dim, Text: "Select a line to see what it means."}}}, 60,
			[]string{"Select a line to see what it means."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, l := range tc.m.Lines(th, "en", tc.w) {
				got = append(got, strings.TrimRight(untagged(l), " "))
				if w := uniseg.StringWidth(untagged(l)); w > tc.w {
					t.Errorf("%q is %d cells, wider than %d", untagged(l), w, tc.w)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
