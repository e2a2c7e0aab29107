package lessonscreen

import (
	"regexp"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
)

// lastRow is the bottom row of the screen text: the hint bar.
func lastRow(s string) string {
	rows := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return rows[len(rows)-1]
}

func TestVietnameseHintBarHelpAndBlockSummary(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{vietnameseLesson()}, Start: "test-pop3-vi", Lang: "vi"}, 120, 50)
	h.started()
	s := h.WaitFor("→ tiếp", "← lùi", "? trợ giúp")
	bar := lastRow(s)
	for _, want := range []string{"→ tiếp", "← lùi", "P chạy", "s tự thử", "w lưu", "? trợ giúp", "q thoát"} {
		if !strings.Contains(bar, want) {
			t.Errorf("the hint bar lacks %q: %q", want, bar)
		}
	}
	if strings.Contains(bar, "next") || strings.Contains(bar, "help") {
		t.Errorf("the Vietnamese hint bar still has English: %q", bar)
	}

	// The help overlay: the tables' names and sentences.
	h.TypeText("?")
	h.WaitFor("Trợ giúp · Esc", "Bài học", "trợ giúp này", "Khung đường truyền", "dòng tiếp theo")
	h.Key(tcell.KeyEscape)

	// A multi-line body is summed up in Vietnamese.
	for i := 1; i <= 5; i++ { // up to RETR
		h.TypeText("n")
		h.idleAt(i)
	}
	s = h.WaitFor(" dòng, ")
	if !regexp.MustCompile(`\d+ dòng, \d+ octet`).MatchString(s) {
		t.Errorf("no Vietnamese block summary:\n%s", s)
	}

	// L: the same bar in English, as before.
	h.TypeText("L")
	s = h.WaitFor("→ next", "? help")
	if bar := lastRow(s); !strings.Contains(bar, "← back") || !strings.Contains(bar, "q quit") {
		t.Errorf("the English hint bar: %q", bar)
	}
	if !regexp.MustCompile(`\d+ lines, \d+ octets`).MatchString(s) {
		t.Errorf("no English block summary:\n%s", s)
	}
}
