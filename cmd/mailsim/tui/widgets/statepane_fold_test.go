package widgets

import "testing"

func TestACompactBlockOfAWholeMailboxChangedShowsItsEnds(t *testing.T) {
	rows := make([]MsgRow, 10000)
	for i := range rows {
		rows[i] = MsgRow{UID: uint32(i + 1), Mark: markDown}
	}
	b := stateBlock{rows: rows}
	shown, gaps := b.shown(false)
	var uids []uint32
	for _, r := range shown {
		uids = append(uids, r.UID)
	}
	if len(uids) != 3 || uids[0] != 1 || uids[1] != 2 || uids[2] != 10000 {
		t.Errorf("compact shows UIDs %v, want 1 2 10000", uids)
	}
	if len(gaps) != 4 || gaps[2] != 9997 {
		t.Errorf("gaps %v, want 9997 folded before UID 10000", gaps)
	}
	if full, _ := b.shown(true); len(full) != MaxMailboxRows+2 {
		t.Errorf("in full, %d rows shown, want %d and the last two", len(full), MaxMailboxRows)
	}
}
