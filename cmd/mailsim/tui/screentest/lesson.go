package screentest

import (
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/mailstore"
	"testing"
)

// en is a text in English only.
func en(s string) i18n.Text { return i18n.Text{"en": s} }

// TestLesson is a small POP3 lesson: three messages; connect, USER, PASS,
// STAT, RETR 1, DELE 1, QUIT, and a check that two remain. With quiz, two
// quizzes come before STAT and before QUIT. Its texts are in English: a
// test adds Vietnamese of its own (outside tests, Vietnamese lives only in
// the catalog, which internal/i18n checks).
func TestLesson(quiz bool) *lessons.Lesson {
	two := 2
	steps := []lessons.Step{
		{Kind: lessons.Connect, Actor: "laptop", To: "pop3", Title: en("Connect"), Say: en("The laptop opens a TCP connection to port 110.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "USER alice", Title: en("Who are you?"), Note: en("USER names the mailbox.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "PASS secret", Title: en("Password"), Note: en("PASS sends the password in clear text.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "STAT", Title: en("How much mail?")},
		{Kind: lessons.Send, Actor: "laptop", Command: "RETR 1", Title: en("Download")},
		{Kind: lessons.Send, Actor: "laptop", Command: "DELE 1", Title: en("Delete"), Say: en("DELE only marks the message.")},
		{Kind: lessons.Send, Actor: "laptop", Command: "QUIT", Title: en("Quit"), Say: en("At QUIT the server removes what was marked.")},
		{Kind: lessons.Check, Title: en("Check"), Check: &lessons.CheckSpec{Server: "alice/INBOX", Count: &two}},
	}
	if quiz {
		q1 := lessons.Step{Kind: lessons.Quiz, Title: en("Predict"), Quiz: &lessons.QuizSpec{
			Question: en("What will STAT answer?"),
			Choices:  []lessons.QuizChoice{{Text: en("+OK 3 and a size"), Correct: true}, {Text: en("-ERR")}},
			Explain:  en("STAT counts the messages and their octets."),
		}}
		q2 := lessons.Step{Kind: lessons.Quiz, Title: en("Predict again"), Quiz: &lessons.QuizSpec{
			Question: en("How many messages are left after QUIT?"),
			Choices:  []lessons.QuizChoice{{Text: en("3")}, {Text: en("2"), Correct: true}},
			Explain:  en("DELE marked one; QUIT removed it."),
		}}
		steps = append(steps[:3], append([]lessons.Step{q1}, steps[3:]...)...)
		steps = append(steps[:7], append([]lessons.Step{q2}, steps[7:]...)...)
	}
	return &lessons.Lesson{
		ID: "test-pop3", Group: "pop3",
		Title:   i18n.Text{"en": "POP3 by hand"},
		Summary: i18n.Text{"en": "Download, then delete"},
		Seed: lessons.Seed{Users: []lessons.SeedUser{{SeedUser: mailstore.SeedUser{Name: "alice", Password: "secret",
			Mailboxes: map[string][]mailstore.SeedMessage{"INBOX": {
				{From: "Bob <bob@example.org>", Subject: "Lunch?", Body: "Noon?"},
				{From: "Carol <carol@example.org>", Subject: "Report", Body: "Attached."},
				{From: "Dan <dan@example.org>", Subject: "Hi", Body: "Hello"},
			}}}}}},
		Actors: []lessons.Actor{{Name: "laptop", Protocol: "pop3", User: "alice", Client: en("Thunderbird")}},
		Steps:  steps,
	}
}

// Builtins are the lessons mailsim ships.
func Builtins(t testing.TB) []*lessons.Lesson {
	t.Helper()
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return list
}
