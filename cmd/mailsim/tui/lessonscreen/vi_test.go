package lessonscreen

import (
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/mailstore"
)

// vi gives a text in English and Vietnamese.
func vi(en, vi string) i18n.Text { return i18n.Text{"en": en, "vi": vi} }

// vietnameseLesson is testLesson written in English and Vietnamese, with
// Vietnamese names and subjects: the cells the server pane must align
// hold letters with diacritics (precomposed, and one decomposed: "Đà Lạt"
// with a combining dot below).
func vietnameseLesson() *lessons.Lesson {
	l := testLesson(false)
	l.ID = "test-pop3-vi"
	steps := []struct{ title, say i18n.Text }{
		{vi("Connect", "Kết nối"), vi("The laptop opens a TCP connection to port 110.", "Laptop mở kết nối TCP tới cổng 110.")},
		{vi("Who are you?", "Bạn là ai?"), nil},
		{vi("Password", "Mật khẩu"), nil},
		{vi("How much mail?", "Có bao nhiêu thư?"), nil},
		{vi("Download", "Tải về"), nil},
		{vi("Delete", "Xóa"), vi("DELE only marks the message.", "DELE chỉ đánh dấu thư.")},
		{vi("Quit", "Thoát"), vi("At QUIT the server removes what was marked.", "Khi QUIT, máy chủ mới xóa thư đã đánh dấu.")},
		{vi("Check", "Kiểm tra"), nil},
	}
	for i, s := range steps {
		l.Steps[i].Title, l.Steps[i].Say = s.title, s.say
		if l.Steps[i].Note != nil {
			l.Steps[i].Note = vi(l.Steps[i].Note["en"], "Ghi chú: "+l.Steps[i].Note["en"])
		}
	}
	l.Title = vi("POP3 in Vietnamese", "POP3 bằng tiếng Việt")
	l.Actors[0].Client = vi("Thunderbird", "Thunderbird trên laptop")
	l.Seed.Users[0].Mailboxes = map[string][]mailstore.SeedMessage{"INBOX": {
		{From: "Bình <binh@example.org>", Subject: "Ăn trưa không?", Body: "Trưa nay?"},
		{From: "Câu lạc bộ ảnh <club@example.net>", Subject: "Ảnh Đa\u0300 La\u0323t", Body: "Ảnh đây."},
		{From: "Dũng <dung@example.org>", Subject: "Chào", Body: "Xin chào"},
	}}
	return l
}

// findInRow is the x of the cell where s starts in a row of cells, or -1.
// s is matched cell by cell, so letters with combining marks count once.
func findInRow(row []string, s string) int {
	for x := range row {
		if row[x] != "" && strings.HasPrefix(strings.Join(row[x:], ""), s) {
			return x
		}
	}
	return -1
}

func isOneOf(cell, set string) bool { return cell != "" && strings.Contains(set, cell) }

// serverPaneRows finds the Server pane (framed, titled "Máy chủ") on the
// screen, checks that its border is whole, and that every message row's
// UID ends under the header's "UID" and its flags start under "Cờ". It
// returns the rows, as text.
func serverPaneRows(t *testing.T, grid [][]string, screen string) []string {
	t.Helper()
	top, left, right := -1, -1, -1
	for y, row := range grid {
		if x := findInRow(row, "Máy chủ"); x >= 0 {
			top = y
			for left = x; left >= 0 && !isOneOf(row[left], "┌╔"); left-- {
			}
			for right = x; right < len(row) && !isOneOf(row[right], "┐╗"); right++ {
			}
			break
		}
	}
	if top < 0 || left < 0 || right >= len(grid[top]) {
		t.Fatalf("no framed Server pane (Máy chủ) on the screen:\n%s", screen)
	}
	bottom := -1
	for y := top + 1; y < len(grid); y++ {
		if isOneOf(grid[y][left], "└╚") {
			bottom = y
			break
		}
		if !isOneOf(grid[y][left], "│║") || !isOneOf(grid[y][right], "│║") {
			t.Errorf("row %d: the Server pane's border is broken (%q at x=%d, %q at x=%d):\n%s", y, grid[y][left], left, grid[y][right], right, screen)
		}
	}
	if bottom < 0 || !isOneOf(grid[bottom][right], "┘╝") {
		t.Fatalf("the Server pane has no bottom border:\n%s", screen)
	}
	uidEnd, flagsAt := -1, -1
	var rows []string
	for y := top + 1; y < bottom; y++ {
		pane := grid[y][left+1 : right]
		line := strings.Join(pane, "")
		if x := findInRow(pane, "UID"); x >= 0 {
			uidEnd, flagsAt = x+2, findInRow(pane, "Cờ")
			if !strings.Contains(line, "Tiêu đề") || flagsAt < 0 {
				t.Errorf("the header is not in Vietnamese: %q", line)
			}
			continue
		}
		if uidEnd < 0 {
			continue
		}
		uid := ""
		for x := uidEnd; x >= 0 && len(pane[x]) == 1 && pane[x][0] >= '0' && pane[x][0] <= '9'; x-- {
			uid = pane[x] + uid
		}
		if uid == "" || pane[uidEnd+1] != " " {
			t.Errorf("row %d: the UID does not end at x=%d, under the header's: %q", y, left+1+uidEnd, line)
			continue
		}
		if strings.Contains(line, "Ăn trưa") && pane[flagsAt] != "S" { // \Seen, as a letter in a narrow pane
			t.Errorf("row %d: the flags do not start under the header's Cờ (x=%d): %q", y, left+1+flagsAt, line)
		}
		rows = append(rows, line)
	}
	return rows
}

func TestVietnameseLessonScreenAt80x24IsAligned(t *testing.T) {
	h := startApp(t, appOptions{Lessons: []*lessons.Lesson{vietnameseLesson()}, Start: "test-pop3-vi", Lang: "vi"}, 80, 24)
	h.started()
	h.WaitFor("Nhấn → để bắt đầu.", "Máy chủ", "Thiết bị", "Đường truyền", "Câu chuyện")
	for i := 1; i <= 6; i++ { // up to DELE 1
		h.TypeText("n")
		h.idleAt(i)
	}
	s := h.WaitFor("Bước 6/8 · Xóa", "DELE chỉ đánh dấu thư.", "alice/INBOX: 3 thư", "× 1 đánh dấu xóa")
	grid := h.Cells()
	if len(grid) != 24 || len(grid[0]) != 80 {
		t.Fatalf("the screen is %d×%d", len(grid[0]), len(grid))
	}
	if rows := serverPaneRows(t, grid, s); len(rows) < 2 || !strings.HasPrefix(rows[0], "×") {
		t.Errorf("after DELE 1 the pane shows the first message marked: %q", rows)
	}

	// After QUIT: the removed message, struck, and the two left, one of
	// them with a decomposed subject.
	h.Key(tcell.KeyRight)
	h.idleAt(7)
	s = h.WaitFor("Bước 7/8 · Thoát", "alice/INBOX: 2 thư", "chưa kết nối")
	rows := serverPaneRows(t, h.Cells(), s)
	if len(rows) != 3 || !strings.HasPrefix(rows[0], "−") || !strings.Contains(rows[1], "Ảnh Đa\u0300 La\u0323t") || !strings.Contains(rows[2], "Chào") {
		t.Errorf("after QUIT, the server pane's rows: %q\n%s", rows, s)
	}

	// L switches the words to English on the fly, and back.
	h.TypeText("L")
	h.WaitFor("Step 7/8 · Quit", "Server", "alice/INBOX: 2 messages", "not connected")
	h.TypeText("L")
	s = h.WaitFor("Bước 7/8 · Thoát", "Máy chủ", "2 thư")
	if rows := serverPaneRows(t, h.Cells(), s); len(rows) != 3 {
		t.Errorf("after switching back, %d rows: %q", len(rows), rows)
	}
}
