package exercises

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinExercisesLoadWithEnglishAndVietnamese(t *testing.T) {
	exs, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pop3-keep", "pop3-delete", "imap-seen", "imap-delete", "imap-archive", "relay", "implicit-tls", "open-relay"}
	var got []string
	for _, ex := range exs {
		got = append(got, ex.ID)
		for what, tx := range map[string]map[string]string{"title": ex.Title, "task": ex.Task} {
			if tx["en"] == "" || tx["vi"] == "" {
				t.Errorf("%s: %s lacks en or vi", ex.ID, what)
			}
		}
		if len(ex.Done) == 0 || len(ex.Settings) == 0 {
			t.Errorf("%s: no done checks or no settings", ex.ID)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("built-in ids %v, want %v", got, want)
	}
}

func TestBadExerciseFilesAreReportedAtFileLineCol(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\ndone:\n  - session: {protocl: pop3}\n",
			`x.yaml:6:15: unknown key "protocl" in session (known keys: login, not-sent, protocol, provider, role, steps, tls)`},
		{"bad role", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\ndone:\n  - session: {role: pop4}\n",
			`x.yaml:6:21: role: unknown server role "pop4" (want one of pop3, pop3s, imap, imaps, mx, submission, smtps)`},
		{"missing done", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\n", `x.yaml:1:1: an exercise lacks "done"`},
		{"wrong version", "mailsim-exercise: 2\nid: x\ntitle: T\ntask: do\ndone:\n  - mailbox: {name: INBOX, min: 1}\n",
			`x.yaml:1:19: mailsim-exercise: "2" is not a version this mailsim reads (it reads 1)`},
		{"empty step", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\ndone:\n  - session:\n      steps:\n        - {}\n",
			`x.yaml:8:11: a step needs sent, sent-has, reply or reply-has`},
		{"mailbox without bounds", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\ndone:\n  - mailbox: {name: Archive}\n",
			`x.yaml:6:14: mailbox needs min or max (how many messages)`},
		{"two checks in one item", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\ndone:\n  - mailbox: {name: A, min: 1}\n    session: {}\n",
			`x.yaml:6:5: a check in done has exactly one of session: or mailbox:`},
		{"bad tls", "mailsim-exercise: 1\nid: x\ntitle: T\ntask: do\ndone:\n  - session: {tls: maybe}\n",
			`x.yaml:6:20: tls "maybe": want yes, no, starttls or implicit`},
		{"yaml syntax", "mailsim-exercise: 1\nid: [x\n", `x.yaml:`},
		{"bad id", "mailsim-exercise: 1\nid: Bad Id\ntitle: T\ntask: do\ndone:\n  - mailbox: {name: A, min: 1}\n",
			`x.yaml:2:5: id "Bad Id": use lower-case letters, digits and '-' (at most 48)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(fstest.MapFS{"x.yaml": {Data: []byte(tc.yaml)}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestTwoFilesWithOneIDAreRefused(t *testing.T) {
	f := "mailsim-exercise: 1\nid: same\ntitle: T\ntask: do\ndone:\n  - mailbox: {name: A, min: 1}\n"
	_, err := Load(fstest.MapFS{"a.yaml": {Data: []byte(f)}, "b.yaml": {Data: []byte(f)}})
	if err == nil || !strings.Contains(err.Error(), `b.yaml:1:1: exercise id "same" is also used by a.yaml`) {
		t.Errorf("got %v", err)
	}
}
