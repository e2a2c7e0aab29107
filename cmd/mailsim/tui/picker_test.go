package tui

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/internal/i18n"
	"mailsim/lessons"
)

// progressDir is a state folder whose progress says pop3-basics is done
// with 2 of 3 quizzes right and imap-basics done without quizzes.
func progressDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	data := `{"version": 1, "done": {
  "pop3-basics": {"at": "2026-12-01T10:00:00Z", "quiz_right": 2, "quiz_asked": 3},
  "imap-basics": {"at": "2026-12-01T11:00:00Z", "quiz_right": 0, "quiz_asked": 0}}}`
	if err := os.WriteFile(filepath.Join(dir, "progress.json"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// builtins are the lessons mailsim ships.
var builtins = screentest.Builtins

// cutAtWordEnd reports whether cell, a title or summary as the picker shows
// it, is text itself or a start of it that ends at the end of a word and
// then "…".
func cutAtWordEnd(cell, text string) bool {
	if cell == text {
		return true
	}
	prefix, ok := strings.CutSuffix(cell, "…")
	if !ok || !strings.HasPrefix(text, prefix) {
		return false
	}
	next := text[len(prefix):]
	return next == "" || strings.ContainsAny(next[:1], " ,;:·–—-")
}

// The picker at 80, 120 and 200 columns, in English and Vietnamese: each
// lesson's line has its mark, its title (whole, or cut at a word's end
// with "…"), its step count, its languages and its score, inside the
// frame, starting right at the frame's edge; the summary appears when
// there is room, and at 200 columns no title is cut.
func TestThePickerFitsItsColumnsToTheWidthInBothLanguages(t *testing.T) {
	list := builtins(t)
	for _, w := range []int{80, 120, 200} {
		for _, lang := range []string{"en", "vi"} {
			t.Run(lang+"-"+strconv.Itoa(w), func(t *testing.T) {
				h := startApp(t, Options{Lessons: list, Lang: lang, StateDir: progressDir(t)}, w, 45)
				h.WaitFor("mailsim")
				var rows []*lessons.Lesson
				h.On(func() { rows = append(rows, h.u.picker.rows...) })
				lines := strings.Split(h.Text(), "\n")
				if len(rows) != len(list)+len(lessons.Groups) {
					t.Fatalf("%d rows, want %d lessons and %d headings", len(rows), len(list), len(lessons.Groups))
				}
				for i, l := range rows {
					line := []rune(lines[1+i]) // below the frame's top
					if len(line) != w || line[0] != '║' || line[w-1] != '║' {
						t.Fatalf("row %d is not inside the frame:\n%s", i, string(line))
					}
					body := string(line[1 : w-1])
					if l == nil {
						if strings.HasPrefix(body, " ") {
							t.Errorf("a heading starts with a gutter: %q", body)
						}
						continue
					}
					mark, rest := []rune(body)[0], string([]rune(body)[1:])
					if !strings.HasPrefix(rest, "  ") || strings.HasPrefix(rest, "   ") {
						t.Fatalf("%s: the title does not start right after the mark: %q", l.ID, body)
					}
					rest = rest[2:]
					title := rest[:strings.Index(rest, "  ")]
					if !cutAtWordEnd(title, l.Title.In(lang)) {
						t.Errorf("%s: title %q is cut mid-word or without …; whole: %q", l.ID, title, l.Title.In(lang))
					}
					if w == 200 && title != l.Title.In(lang) {
						t.Errorf("%s: title cut at 200 columns: %q", l.ID, title)
					}
					cols := strings.Fields(strings.TrimSpace(rest[len(title):]))
					for _, want := range []string{stepCount(lang, len(l.Steps)), strings.Join(l.Languages(), " ")} {
						if !strings.Contains(rest, "  "+want+"  ") {
							t.Errorf("%s: no column %q in %q", l.ID, want, body)
						}
					}
					wantMark, score := ' ', ""
					switch l.ID {
					case "pop3-basics":
						wantMark, score = '✓', "2/3"
					case "imap-basics":
						wantMark, score = '✓', i18n.Word(lang, "done")
					case "pop-vs-imap": // the first of the path not done
						wantMark = '▶'
					}
					if mark != wantMark || score != "" && cols[len(cols)-1] != score {
						t.Errorf("%s: mark %q, last column %q; want %q and score %q", l.ID, mark, cols[len(cols)-1], wantMark, score)
					}
					if w >= 120 {
						sum := strings.TrimSpace(rest[len(title)+2:])
						sum = sum[:strings.Index(sum, "  ")]
						if !cutAtWordEnd(sum, l.Summary.In(lang)) {
							t.Errorf("%s: summary %q is cut mid-word or without …", l.ID, sum)
						}
					}
				}
				if !strings.Contains(h.Text(), i18n.Wordf(lang, "%d of %d lessons done", 2, len(list))) {
					t.Errorf("no progress line:\n%s", h.Text())
				}
			})
		}
	}
}

// Vietnamese titles are cut at a word's end: "chặng" never loses its last
// letter to become another word.
func TestThePickersCutNeverCutsAVietnameseSyllable(t *testing.T) {
	s := "SMTP: gửi một bức thư, qua từng chặng"
	for w := 10; w < len([]rune(s)); w++ {
		got := cutLine(s, w)
		if !cutAtWordEnd(got, s) {
			t.Errorf("cutLine(%d) = %q", w, got)
		}
		if n := len([]rune(got)); n > w {
			t.Errorf("cutLine(%d) = %q is %d wide", w, got, n)
		}
	}
}

// / filters by title and summary in both languages, ignoring accents; Esc
// shows every lesson again.
func TestThePickerFiltersAcrossTitlesAndSummariesInBothLanguages(t *testing.T) {
	list := builtins(t)
	h := startApp(t, Options{Lessons: list, Lang: "en"}, 120, 45)
	h.WaitFor("mailsim")
	shown := func() []string {
		var ids []string
		h.On(func() {
			for _, l := range h.u.picker.rows {
				if l != nil {
					ids = append(ids, l.ID)
				}
			}
		})
		return ids
	}
	h.TypeText("/")
	h.TypeText("tai ve roi xoa") // "tải về rồi xóa": pop3-basics' Vietnamese title
	h.waitUntil("the filter applies", func(u *ui) bool { return u.picker.query == "tai ve roi xoa" })
	if got := strings.Join(shown(), ","); got != "pop3-basics" {
		t.Errorf("filter %q shows %s", "tai ve roi xoa", got)
	}
	h.WaitFor(`filter "tai ve roi xoa": 1 shown`)
	h.Key(tcell.KeyEnter)
	h.TypeText("j") // the table has the keys again
	h.TypeText("/")
	h.Key(tcell.KeyEscape)
	h.waitUntil("the filter is cleared", func(u *ui) bool { return u.picker.query == "" })
	if n := len(shown()); n != len(list) {
		t.Errorf("after Esc %d lessons shown, want %d", n, len(list))
	}
	h.TypeText("/")
	h.TypeText("open relay")
	h.waitUntil("the filter applies", func(u *ui) bool { return u.picker.query == "open relay" })
	if got := strings.Join(shown(), ","); got != "smtp-open-relay" {
		t.Errorf("filter %q shows %s", "open relay", got)
	}
}

// The first lesson of the suggested path not yet done is marked and
// selected; R asks before forgetting progress, and n keeps it.
func TestThePickerStartsHereAndResetsProgressOnlyWhenConfirmed(t *testing.T) {
	dir := progressDir(t)
	h := startApp(t, Options{Lessons: builtins(t), Lang: "en", StateDir: dir}, 120, 45)
	h.WaitFor("▶  POP or IMAP? One mailbox, two devices", "start here: POP or IMAP? One mailbox, two devices", "2 of 16 lessons done", "quizzes 2/3 right")
	h.On(func() {
		if row, _ := h.u.picker.table.GetSelection(); h.u.picker.rows[row].ID != "pop-vs-imap" {
			t.Errorf("selected %s, want the start-here lesson", h.u.picker.rows[row].ID)
		}
	})
	h.TypeText("R")
	h.WaitFor("Forget the progress of 2 lessons")
	h.TypeText("n")
	h.waitUntil("the question is gone", func(u *ui) bool { return !u.Ov.IsOpen() })
	if data, _ := os.ReadFile(filepath.Join(dir, "progress.json")); !strings.Contains(string(data), "pop3-basics") {
		t.Fatal("n reset the progress")
	}
	h.TypeText("R")
	h.WaitFor("Forget the progress of 2 lessons")
	h.TypeText("y")
	h.WaitFor("Progress reset.", "No lesson done yet", "▶  POP3 basics")
	if data, _ := os.ReadFile(filepath.Join(dir, "progress.json")); strings.Contains(string(data), "pop3-basics") {
		t.Errorf("progress.json still holds it:\n%s", data)
	}
}

// The notice of files --lessons skipped shows on the picker.
func TestThePickerShowsTheNoticeOfSkippedFiles(t *testing.T) {
	h := startApp(t, Options{Lessons: builtins(t), Notice: "DIR: skipped a file that is not a lesson (x.mailsim.yaml)"}, 120, 45)
	h.WaitFor("skipped a file that is not a lesson (x.mailsim.yaml)")
}
