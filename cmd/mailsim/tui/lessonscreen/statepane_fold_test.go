package lessonscreen

import (
	"testing"

	"mailsim/cmd/mailsim/tui/widgets"
)

func TestABigMailboxFoldsToItsEndsAndItsChanges(t *testing.T) {
	rows := make([]widgets.MsgRow, 10000)
	for i := range rows {
		rows[i] = widgets.MsgRow{UID: uint32(i + 1)}
	}
	rows[5000].Mark = widgets.MarkNew
	shown, gaps := widgets.FoldRows(rows)
	var uids []uint32
	total := 0
	for i, r := range shown {
		uids = append(uids, r.UID)
		total += gaps[i] + 1
	}
	total += gaps[len(shown)]
	want := []uint32{1, 2, 3, 5001, 9999, 10000}
	if len(uids) != len(want) {
		t.Fatalf("shown UIDs %v, want %v", uids, want)
	}
	for i := range want {
		if uids[i] != want[i] {
			t.Fatalf("shown UIDs %v, want %v", uids, want)
		}
	}
	if total != len(rows) {
		t.Errorf("shown + skipped = %d, want %d", total, len(rows))
	}
	small := rows[:10]
	if s, g := widgets.FoldRows(small); len(s) != 10 || len(g) != 11 {
		t.Errorf("a small mailbox folded: %d rows, %d gaps", len(s), len(g))
	}
}
