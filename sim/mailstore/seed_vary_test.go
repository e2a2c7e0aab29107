package mailstore

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"
)

func variedSeed(every string) Seed {
	return Seed{Users: []SeedUser{{Name: "alice", Password: "pw", Mailboxes: map[string][]SeedMessage{
		Inbox: {{From: "Bob <bob@example.org>", Subject: "News", Date: "2016-12-01T08:00:00+07:00",
			Body: "one\ntwo\nthree\nfour\n", Repeat: 200,
			Vary: &SeedVary{From: []string{"Bob <bob@example.org>", "Club <club@example.net>"},
				Subjects: []string{"Lunch?", "Photos", "Invoice"}, Lines: []int{2, 9}, Every: every}}},
	}}}}
}

func TestAVariedSeedGivesTheSameMailboxEveryTimeAndVariesItsCopies(t *testing.T) {
	load := func() []*Message {
		s := New(Options{})
		if err := s.Load(variedSeed("8h45m"), nil); err != nil {
			t.Fatal(err)
		}
		msgs, _, err := s.Messages("alice", Inbox)
		if err != nil {
			t.Fatal(err)
		}
		return msgs
	}
	a, b := load(), load()
	if len(a) != 200 {
		t.Fatalf("%d messages, want 200", len(a))
	}
	sizes, froms, subjects := map[int]bool{}, map[string]bool{}, map[string]bool{}
	for i := range a {
		if !bytes.Equal(a[i].Raw, b[i].Raw) {
			t.Fatalf("message %d differs between two loads of the same seed", i+1)
		}
		sizes[len(a[i].Raw)] = true
		froms[a[i].From] = true
		subj, num, _ := strings.Cut(a[i].Subject, " #")
		subjects[subj] = true
		if want := strconv.Itoa(i + 1); num != want {
			t.Errorf("message %d is numbered %q", i+1, num)
		}
		want := time.Date(2016, 12, 1, 1, 0, 0, 0, time.UTC).Add(time.Duration(i) * (8*time.Hour + 45*time.Minute))
		if !a[i].InternalDate.Equal(want) {
			t.Errorf("message %d dated %s, want %s", i+1, a[i].InternalDate, want)
		}
	}
	if len(sizes) < 5 || len(froms) != 2 || len(subjects) != 3 {
		t.Errorf("copies hardly vary: %d sizes, %d senders, %d subjects", len(sizes), len(froms), len(subjects))
	}
}

func TestABadVaryIsRefusedByTheStoreToo(t *testing.T) {
	for name, seed := range map[string]Seed{
		"every that is not a duration": variedSeed("often"),
		"vary on one message": {Users: []SeedUser{{Name: "alice", Mailboxes: map[string][]SeedMessage{
			Inbox: {{Subject: "x", Body: "y", Vary: &SeedVary{Lines: []int{1, 2}}}}}}}},
		"lines out of order": {Users: []SeedUser{{Name: "alice", Mailboxes: map[string][]SeedMessage{
			Inbox: {{Subject: "x", Body: "y", Repeat: 3, Vary: &SeedVary{Lines: []int{5, 2}}}}}}}},
	} {
		if err := New(Options{}).Load(seed, nil); err == nil || !strings.Contains(err.Error(), "vary") {
			t.Errorf("%s: error %v, want one about vary", name, err)
		}
	}
}
