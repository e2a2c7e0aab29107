package lessons

import (
	"strings"
	"testing"
)

func TestBuiltinLessonsSortInTheGroupsOrderWithThePathFirst(t *testing.T) {
	list, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var groups, ids []string
	for _, l := range SortByGroup(list) {
		if len(groups) == 0 || groups[len(groups)-1] != l.Group {
			groups = append(groups, l.Group)
		}
		ids = append(ids, l.ID)
	}
	if got := strings.Join(groups, " "); got != "pop3 imap smtp compare setup history" {
		t.Errorf("groups in order %q", got)
	}
	pos := func(id string) int {
		for i, x := range ids {
			if x == id {
				return i
			}
		}
		t.Fatalf("%s missing from %v", id, ids)
		return -1
	}
	if pos("imap-basics") > pos("imap-attachments-on-demand") {
		t.Errorf("imap-basics, on the suggested path, is not first among IMAP lessons: %v", ids)
	}
	if pos("imap-big-mailbox") != pos("imap-attachments-on-demand")+1 {
		t.Errorf("imap-big-mailbox, the next step after imap-attachments-on-demand, does not follow it: %v", ids)
	}
	for _, id := range Path {
		pos(id) // every lesson on the path exists
	}
}

func TestClosestSuggestsTheLessonAMistypedIDMeant(t *testing.T) {
	list, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ typed, want string }{
		{"pop3-basic", "pop3-basics"},
		{"pop3basics", "pop3-basics"},
		{"imap-basisc", "imap-basics"},
		{"pop-vs-imaps", "pop-vs-imap"},
		{"smtp-sned", "smtp-send"},
		{"histroy", "history"},
		{"ports", "ports-and-tls"}, // the one id it begins
		{"pop3", ""},               // begins three ids: no single guess
		{"thunderbird", ""},
		{"", ""},
	} {
		if got := Closest(list, tt.typed); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.typed, got, tt.want)
		}
	}
}

func TestEveryGroupHasAHeading(t *testing.T) {
	for _, g := range Groups {
		if _, ok := groupTitles[g]; !ok {
			t.Errorf("group %q has no heading in groupTitles", g)
		}
	}
}
