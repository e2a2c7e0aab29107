package lessons

import (
	"errors"
	"mailsim/internal/i18n"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// valid is a small lesson that passes; the bad cases below are edits of it.
const valid = `mailsim-lesson: 1
id: tiny
group: pop3
title: Tiny
summary: A tiny lesson.
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - {from: bob@example.org, subject: Hi, body: "Hello\n"}
actors:
  - name: laptop
    protocol: pop3
    client: A laptop
    user: alice
steps:
  - say: Hello.
  - connect: laptop
    expect: +OK
  - send: STAT
    expect: +OK
    covers: [pop.flow]
  - check: {server: alice/INBOX, count: 1}
`

func TestValidLessonParses(t *testing.T) {
	l, err := Parse("tiny.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != "tiny" || l.File != "tiny.yaml" || len(l.Steps) != 4 {
		t.Fatalf("got %+v", l)
	}
	kinds := []StepKind{Say, Connect, Send, Check}
	for i, s := range l.Steps {
		if s.Kind != kinds[i] {
			t.Errorf("step %d is %s, want %s", i+1, s.Kind, kinds[i])
		}
	}
	if s := l.Steps[2]; s.Actor != "laptop" || s.Command != "STAT" || s.Line != 22 {
		t.Errorf("send step: actor %q, command %q, line %d; want laptop, STAT, 22", s.Actor, s.Command, s.Line)
	}
	if l.Steps[1].To != "pop3" {
		t.Errorf("connect role %q, want the default pop3", l.Steps[1].To)
	}
	if a, _ := l.Actor("laptop"); a.Password != "wonderland" {
		t.Errorf("actor password %q, want the seed user's", a.Password)
	}
	if c := l.Steps[3].Check; c == nil || c.Count == nil || *c.Count != 1 || c.Server != "alice/INBOX" {
		t.Errorf("check: %+v", c)
	}
	if strings.Join(l.Covers, ",") != "pop.flow" {
		t.Errorf("covers %v", l.Covers)
	}
	if got := l.Seed.Users[0].Mailboxes["INBOX"][0].Body; got != "Hello\n" {
		t.Errorf("seed body %q", got)
	}
}

func TestMalformedLessons(t *testing.T) {
	tests := []struct {
		name string
		edit func(string) string
		want string
	}{
		{
			"an unknown top-level key",
			func(s string) string { return strings.Replace(s, "summary:", "sumary:", 1) },
			`bad.yaml:1:1: missing summary: one line for the lesson picker
bad.yaml:5:1: unknown key "sumary" in a lesson (known keys: actors, group, id, mailsim-lesson, providers, seed, steps, summary, title)`,
		},
		{
			"an unknown key in a message",
			func(s string) string { return strings.Replace(s, "subject: Hi", "subjet: Hi", 1) },
			`bad.yaml:12:37: unknown key "subjet" in a message (known keys: attachments, body, cc, date, file, flags, from, message-id, repeat, subject, to, vary)`,
		},
		{
			"an unknown key in a step",
			func(s string) string {
				return strings.Replace(s, "    expect: +OK\n    covers", "    expext: +OK\n    covers", 1)
			},
			`bad.yaml:23:5: unknown key "expext" in a step (known keys: actor, contains, covers, each, expect, literal, note, reply, say, send, title)`,
		},
		{
			"a missing id",
			func(s string) string { return strings.Replace(s, "id: tiny\n", "", 1) },
			`bad.yaml:1:1: missing id: name the lesson with a lowercase-dashed id, e.g. id: pop3-basics`,
		},
		{
			"an id that is not lowercase-dashed",
			func(s string) string { return strings.Replace(s, "id: tiny", "id: Tiny_Lesson", 1) },
			`bad.yaml:2:5: id "Tiny_Lesson": want lowercase words joined by dashes, e.g. pop3-basics`,
		},
		{
			"a step naming an unknown actor",
			func(s string) string { return strings.Replace(s, "connect: laptop", "connect: phone", 1) },
			`bad.yaml:20:14: unknown actor "phone" (actors: laptop)`,
		},
		{
			"broken YAML",
			func(s string) string { return strings.Replace(s, "title: Tiny", "title: [Tiny", 1) },
			`bad.yaml:4:8: YAML: did not find expected ',' or ']'`,
		},
		{
			"a key indented one space short, far below where its list begins",
			func(s string) string {
				return strings.Replace(s, "    expect: +OK\n    covers", "   expect: +OK\n    covers", 1)
			},
			`bad.yaml:23:4: YAML: did not find expected '-' indicator (in "steps", which begins at line 18)`,
		},
		{
			"a tab in the indentation",
			func(s string) string { return strings.Replace(s, "    client: A laptop", "\tclient: A laptop", 1) },
			`bad.yaml:16:1: YAML: found a tab character that violates indentation`,
		},
		{
			"a wrong version",
			func(s string) string { return strings.Replace(s, "mailsim-lesson: 1", "mailsim-lesson: 2", 1) },
			`bad.yaml:1:17: mailsim-lesson: 2 is not a version this mailsim reads (it reads 1)`,
		},
		{
			"a missing version",
			func(s string) string { return strings.Replace(s, "mailsim-lesson: 1\n", "", 1) },
			`bad.yaml:1:1: missing "mailsim-lesson: 1": the first line of a lesson file names the format version`,
		},
		{
			"a step with two action keys",
			func(s string) string {
				return strings.Replace(s, "  - send: STAT\n", "  - send: STAT\n    check: {device: laptop, count: 1}\n", 1)
			},
			`bad.yaml:23:5: a step has one action, but this one has send (line 22) and check: split it into two steps`,
		},
		{
			"a step with no action",
			func(s string) string { return strings.Replace(s, "  - say: Hello.\n", "  - title: Hello\n", 1) },
			`bad.yaml:19:5: a step needs an action (one of connect, send, data, disconnect, drop, check, quiz, deliver, wait, pause, server, device) or a say`,
		},
		{
			"an unknown claim",
			func(s string) string {
				return strings.Replace(s, "covers: [pop.flow]", "covers: [pop.flow, pop.teleport]", 1)
			},
			`bad.yaml:24:24: unknown claim "pop.teleport" (the claims are in lessons/claims.yaml)`,
		},
		{
			"a quiz with no correct answer",
			func(s string) string {
				return s + "  - quiz:\n      question: How many?\n      choices:\n        - {text: \"1\", correct: false}\n        - {text: \"2\"}\n"
			},
			`bad.yaml:29:9: no choice is correct: mark the right answer with correct: true`,
		},
		{
			"a quiz with one choice",
			func(s string) string {
				return s + "  - quiz:\n      question: How many?\n      choices:\n        - {text: \"1\", correct: true}\n"
			},
			`bad.yaml:29:9: a quiz needs at least 2 choices, it has 1`,
		},
		{
			"a text that lacks a language of the title",
			func(s string) string {
				s = strings.Replace(s, "title: Tiny", "title: {en: Tiny, vi: Nhỏ}", 1)
				s = strings.Replace(s, "summary: A tiny lesson.", "summary: {en: A tiny lesson., vi: Một bài nhỏ.}", 1)
				return strings.Replace(s, "client: A laptop", "client: {en: A laptop, vi: Máy tính xách tay}", 1)
			},
			`bad.yaml:19:10: say has no vi text, but the title is written in en and vi: a lesson is complete in every language of its title`,
		},
		{
			"an unknown group",
			func(s string) string { return strings.Replace(s, "group: pop3", "group: pop4", 1) },
			`bad.yaml:3:8: unknown group "pop4": want one of pop3, imap, smtp, compare, setup, history`,
		},
		{
			"duplicate actors",
			func(s string) string {
				return strings.Replace(s, "steps:", "  - name: laptop\n    protocol: imap\nsteps:", 1)
			},
			`bad.yaml:18:11: two actors are named "laptop"`,
		},
		{
			"an actor with a bad protocol",
			func(s string) string { return strings.Replace(s, "protocol: pop3", "protocol: pop4", 1) },
			`bad.yaml:15:15: actor "laptop": unknown protocol "pop4" (want one of pop3, imap, smtp)`,
		},
		{
			"an actor whose user is not in the seed",
			func(s string) string { return strings.Replace(s, "user: alice", "user: carol", 1) },
			`bad.yaml:17:11: actor "laptop" logs in as carol@example.com, who is not a seed user`,
		},
		{
			"a role of another protocol",
			func(s string) string {
				return strings.Replace(s, "connect: laptop\n", "connect: laptop\n    to: imaps\n", 1)
			},
			`bad.yaml:21:9: laptop speaks pop3, so it connects to pop3 or pop3s, not "imaps"`,
		},
		{
			"an expect of another protocol",
			func(s string) string {
				return strings.Replace(s, "  - send: STAT\n    expect: +OK", "  - send: STAT\n    expect: OK", 1)
			},
			`bad.yaml:23:13: expect "OK" cannot match a POP3 reply: want +OK or -ERR (or + for a SASL continuation)`,
		},
		{
			"a send before any actor",
			func(s string) string { return strings.Replace(s, "  - say: Hello.\n", "  - send: NOOP\n", 1) },
			`bad.yaml:19:5: send needs an actor: no earlier step names one, so add actor: <name>`,
		},
		{
			"a send on a closed connection",
			func(s string) string {
				return strings.Replace(s, "  - send: STAT\n", "  - send: QUIT\n  - send: STAT\n", 1)
			},
			`bad.yaml:23:11: laptop has no connection here: connect it first`,
		},
		{
			"a check with neither server nor device",
			func(s string) string { return strings.Replace(s, "{server: alice/INBOX, count: 1}", "{count: 1}", 1) },
			`bad.yaml:25:12: a check looks at a server mailbox (server: alice/INBOX) or a device's copy (device: laptop): give one`,
		},
		{
			"a check with both server and device",
			func(s string) string {
				return strings.Replace(s, "{server: alice/INBOX, count: 1}", "{server: alice, device: laptop, count: 1}", 1)
			},
			`bad.yaml:25:36: a check looks at a server or a device, not both: split it into two checks`,
		},
		{
			"a check of an unknown device",
			func(s string) string {
				return strings.Replace(s, "{server: alice/INBOX, count: 1}", "{device: phone, count: 1}", 1)
			},
			`bad.yaml:25:21: unknown device "phone": a device is an actor (actors: laptop)`,
		},
		{
			"a check of an unknown user",
			func(s string) string {
				return strings.Replace(s, "server: alice/INBOX", "server: bob@example.org/INBOX", 1)
			},
			`bad.yaml:25:21: server "bob@example.org/INBOX": bob@example.org is not a seed user`,
		},
		{
			"a message with a file and inline fields",
			func(s string) string {
				return strings.Replace(s, "{from: bob@example.org,", "{file: hi.eml, from: bob@example.org,", 1)
			},
			`bad.yaml:12:20: a message is either a file or inline fields, not both: this one has file and from, subject, body`,
		},
		{
			"a repeated key",
			func(s string) string { return strings.Replace(s, "group: pop3\n", "group: pop3\ngroup: imap\n", 1) },
			`bad.yaml:4:1: a lesson repeats key "group" (first at line 3)`,
		},
		{
			"a wrong node kind",
			func(s string) string { return strings.Replace(s, "covers: [pop.flow]", "covers: pop.flow", 1) },
			`bad.yaml:24:13: covers must be a list (- item lines or [a, b]), not "pop.flow"`,
		},
		{
			"a key that does not fit the step",
			func(s string) string {
				return strings.Replace(s, "  - say: Hello.\n", "  - say: Hello.\n    literal: x\n", 1)
			},
			`bad.yaml:20:5: "literal" does not apply to a say step (it may have: say, title, covers)`,
		},
		{
			"vary on a message that is not repeated",
			func(s string) string {
				return strings.Replace(s, `body: "Hello\n"}`, `body: "Hello\n", vary: {lines: [1, 3]}}`, 1)
			},
			`bad.yaml:12:73: vary needs repeat: of 2 or more (it varies the copies)`,
		},
		{
			"vary with lines out of order",
			func(s string) string {
				return strings.Replace(s, `body: "Hello\n"}`, `body: "Hello\n", repeat: 50, vary: {lines: [9, 3]}}`, 1)
			},
			`bad.yaml:12:93: vary: lines must be [min, max] with 1 <= min <= max <= 1000`,
		},
		{
			"vary every with no date",
			func(s string) string {
				return strings.Replace(s, `body: "Hello\n"}`, `body: "Hello\n", repeat: 50, vary: {every: 8h}}`, 1)
			},
			`bad.yaml:12:93: vary: every needs the message's date: (the first copy's)`,
		},
		{
			"vary every that is not a duration",
			func(s string) string {
				return strings.Replace(s, `body: "Hello\n"}`, `date: "2016-12-01", body: "Hello\n", repeat: 50, vary: {every: often}}`, 1)
			},
			`bad.yaml:12:113: vary: every "often": want a positive duration such as 8h45m`,
		},
		{
			"a repeat over the limit",
			func(s string) string {
				return strings.Replace(s, `body: "Hello\n"}`, `body: "Hello\n", repeat: 20001}`, 1)
			},
			`bad.yaml:12:75: this message takes the lesson over 20000 seeded messages in all (repeats count)`,
		},
		{
			"each that is not a range",
			func(s string) string {
				return strings.Replace(s, "  - send: STAT\n", "  - send: RETR {n}\n    each: 1-\n", 1)
			},
			`bad.yaml:23:11: each "1-": want a range first-last, such as 2-9999, with 1 <= first <= last <= 20000`,
		},
		{
			"each over the limit",
			func(s string) string {
				return strings.Replace(s, "  - send: STAT\n", "  - send: RETR {n}\n    each: 1-20001\n", 1)
			},
			`bad.yaml:23:11: each "1-20001": want a range first-last, such as 2-9999, with 1 <= first <= last <= 20000`,
		},
		{
			"each on a command with no {n}",
			func(s string) string {
				return strings.Replace(s, "  - send: STAT\n", "  - send: STAT\n    each: 1-3\n", 1)
			},
			`bad.yaml:22:11: a send with each: repeats its command for every number: put {n} where the number goes (RETR {n})`,
		},
		{
			"{n} with no each",
			func(s string) string { return strings.Replace(s, "  - send: STAT\n", "  - send: RETR {n}\n", 1) },
			`bad.yaml:22:11: {n} stands for the number of each: give each: (a range such as 1-100)`,
		},
		{
			"an empty file",
			func(string) string { return "" },
			`bad.yaml:1:1: the file is empty`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("bad.yaml", []byte(tt.edit(valid)))
			if err == nil {
				t.Fatalf("no error; lesson %+v", l)
			}
			if l != nil {
				t.Error("a lesson came back with the error")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T, want ErrorList", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestTextUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want i18n.Text
	}{
		{`title: POP3 basics`, i18n.Text{"en": "POP3 basics"}},
		{`title: {en: POP3 basics, vi: POP3 cơ bản}`, i18n.Text{"en": "POP3 basics", "vi": "POP3 cơ bản"}},
		{"title:\n  en: One\n  vi: Một\n", i18n.Text{"en": "One", "vi": "Một"}},
	}
	for _, tt := range tests {
		var v struct{ Title i18n.Text }
		if err := yaml.Unmarshal([]byte(tt.in), &v); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if len(v.Title) != len(tt.want) || v.Title["en"] != tt.want["en"] || v.Title["vi"] != tt.want["vi"] {
			t.Errorf("%s: got %v, want %v", tt.in, v.Title, tt.want)
		}
		// The lesson decoder reads the same two forms.
		d := newDecoder("t.yaml")
		root := d.parseYAML([]byte(tt.in))
		got := d.text(root.Content[1], "", "title")
		if len(d.errs) > 0 || len(got) != len(tt.want) || got["en"] != tt.want["en"] || got["vi"] != tt.want["vi"] {
			t.Errorf("%s: decoder got %v (%v), want %v", tt.in, got, d.errs, tt.want)
		}
	}
	if got := (i18n.Text{"en": "Hi", "vi": "Chào"}).In("fr"); got != "Hi" {
		t.Errorf("In falls back to %q, want English", got)
	}
	if got := (i18n.Text{"vi": "Chào", "en": "Hi", "de": "Hallo"}).Languages(); strings.Join(got, ",") != "en,de,vi" {
		t.Errorf("Languages = %v, want en first", got)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(t, dir)
	write("a.yaml", valid)
	write("b.yml", strings.Replace(valid, "id: tiny", "id: tiny-two", 1))
	write("c.yaml", valid) // same id as a.yaml
	write("d.yaml", strings.Replace(valid, "group: pop3", "group: pop4", 1))
	write("e.yaml", strings.Replace(valid, "{from: bob@example.org, subject: Hi, body: \"Hello\\n\"}", "{file: mail/hi.eml}", 1))
	write("notes.txt", "not a lesson")

	list, err := LoadDir(dir)
	want := filepath.Join(dir, "c.yaml") + `:2:5: lesson id "tiny" is already used by ` + filepath.Join(dir, "a.yaml") + "\n" +
		filepath.Join(dir, "d.yaml") + `:3:8: unknown group "pop4": want one of pop3, imap, smtp, compare, setup, history` + "\n" +
		filepath.Join(dir, "e.yaml") + `:12:20: file "mail/hi.eml": not found next to the lesson`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
	if got := strings.Join(IDs(list), ","); got != "tiny,tiny-two" {
		t.Errorf("loaded %s, want the valid lessons tiny,tiny-two", got)
	}
	if l, ok := Find(list, "tiny-two"); !ok || l.Dir != dir || l.File != filepath.Join(dir, "b.yml") {
		t.Errorf("Find(tiny-two) = %+v, %v", l, ok)
	}
	if _, ok := Find(list, "nope"); ok {
		t.Error("Find found a lesson that is not there")
	}

	// With the file in place, e.yaml loads, and its seed reads from Dir.
	if err := os.MkdirAll(filepath.Join(dir, "mail"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("mail/hi.eml", "Subject: Hi\r\n\r\nHello\r\n")
	l, err := LoadFile(filepath.Join(dir, "e.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.SeedFS().Open("mail/hi.eml"); err != nil {
		t.Errorf("SeedFS: %v", err)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("LoadDir of a missing directory: no error")
	}
}

func TestLoadDirSkipsSavedTranscriptsAndOtherYAMLButNotABrokenLesson(t *testing.T) {
	dir := t.TempDir()
	write := fileWriter(t, dir)
	write("a.yaml", valid)
	write("tiny-20261203-101500.mailsim.yaml", "mailsim-transcript: 1\nlesson:\n  id: tiny\nevents: []\n")
	write("docker-compose.yml", "services:\n  web:\n    image: nginx\n")
	write("broken.yaml", strings.Replace(strings.Replace(valid, "mailsim-lesson: 1\n", "", 1), "id: tiny", "id: tiny-b", 1))

	list, skipped, err := LoadDirSkipping(dir)
	wantSkipped := filepath.Join(dir, "docker-compose.yml") + "," + filepath.Join(dir, "tiny-20261203-101500.mailsim.yaml")
	if got := strings.Join(skipped, ","); got != wantSkipped {
		t.Errorf("skipped %s, want %s", got, wantSkipped)
	}
	if got := strings.Join(IDs(list), ","); got != "tiny" {
		t.Errorf("loaded %s, want tiny", got)
	}
	// A lesson without its version line is still a lesson: its mistake is
	// reported, not skipped.
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "broken.yaml")+`:1:1: missing "mailsim-lesson: 1"`) {
		t.Errorf("the broken lesson's error: %v", err)
	}
}

// fileWriter writes files into dir for a test.
func fileWriter(t *testing.T, dir string) func(name, data string) {
	return func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
