package transcripts

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
)

// session builds a transcript of one connection's lines: "C: ..." and
// "S: ..." lines, "C{block}: ..." for a literal.
func session(proto string, lines ...string) *Transcript {
	t := &Transcript{Version: Version, ID: "x", Actors: []Actor{{Name: "laptop"}}}
	t.Events = append(t.Events, events.Event{Kind: events.EventConnect, Conn: 1, Actor: "laptop", Protocol: wire.Protocol(proto)})
	cmd := ""
	for _, l := range lines {
		head, text, _ := strings.Cut(l, ": ")
		u := &wire.Unit{Conn: 1, Text: text, Len: len(text) + 2}
		if head[:1] == "S" {
			u.Dir = wire.ServerToClient
		}
		if strings.HasSuffix(head, "{block}") {
			u.Kind = wire.Block
		}
		u.Raw, u.Lines = deriveRaw(text, unitKindNames[u.Kind]), usualLines(text, unitKindNames[u.Kind])
		if u.Dir == wire.ClientToServer && u.Kind == wire.Line {
			w := strings.Fields(text)
			switch {
			case proto == "imap" && len(w) > 1 && !strings.HasPrefix(text, " "):
				cmd = strings.ToUpper(w[1])
			case proto != "imap" && len(w) > 0 && (strings.Contains(text, " ") || strings.EqualFold(text, "QUIT")):
				cmd = strings.ToUpper(w[0])
			}
		}
		u.Command = cmd
		t.Events = append(t.Events, events.Event{Kind: events.EventWire, Conn: 1, Actor: "laptop", Protocol: wire.Protocol(proto), Unit: u})
	}
	return t
}

func clientLines(t *Transcript) []string {
	var out []string
	for _, e := range t.Events {
		if e.Kind == events.EventWire && e.Unit.Dir == wire.ClientToServer {
			out = append(out, e.Unit.Text)
		}
	}
	return out
}

func TestRedactionScrubsTheSecretFromAnnotations(t *testing.T) {
	tr := session("smtp", "C: AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=")
	e := &tr.Events[1]
	desc, _ := lessons.DescribeSASLPlain("AGFsaWNlAHdvbmRlcmxhbmQ=")
	e.Note = i18n.Text{"en": "AUTH PLAIN logs in.\n" + desc["en"], "vi": desc["vi"]}
	e.Gloss = &lessons.Entry{Key: "AUTH", Text: desc}
	out := Redact(tr).Events[1]
	for _, s := range []string{out.Note["en"], out.Gloss.Text["en"]} {
		if strings.Contains(s, "wonderland") || strings.Contains(s, "AGFsaWNl") {
			t.Errorf("an annotation still holds the secret: %q", s)
		}
	}
	if !reflect.DeepEqual(out.Gloss.Text, out.Unit.Redacted) || out.Unit.Redacted.In("vi") == out.Unit.Redacted.In("en") {
		t.Errorf("the glossary note is %q, want what was there in every language (%q)", out.Gloss.Text, out.Unit.Redacted)
	}
	if note := out.ShownNote(); !strings.Contains(note["en"], "AUTH PLAIN for alice: base64 of the user name and a password, 10 characters") {
		t.Errorf("the note shown %q does not say what was there", note["en"])
	}
}

func TestSaveRedactsLiveSessionsUnlessTheSecretsAreKept(t *testing.T) {
	l := findLesson(t, "pop3-basics")
	dir := t.TempDir()
	tests := []struct {
		name   string
		live   bool
		opts   SaveOptions
		hidden bool
	}{
		{"a live session", true, SaveOptions{}, true},
		{"a live session with --keep-secrets", true, SaveOptions{KeepSecrets: true}, false},
		{"a lesson's own transcript", false, SaveOptions{}, false},
		{"a lesson's transcript with --redact", false, SaveOptions{Redact: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := recordLessonOf(t, l, tt.live)
			path := filepath.Join(dir, "t.yaml")
			if err := Save(path, tr, tt.opts); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Join(clientLines(got), "\n")
			if hidden := strings.Contains(lines, "PASS •••") && !strings.Contains(lines, "wonderland"); hidden != tt.hidden || got.Redacted != tt.hidden {
				t.Errorf("redacted = %v (flag %v), want %v:\n%s", hidden, got.Redacted, tt.hidden, lines)
			}
			if strings.Contains(strings.Join(clientLines(tr), "\n"), protoline.Hidden) {
				t.Error("Save changed the transcript it was given")
			}
		})
	}
}

// In a lesson where the learner typed lines of their own, only those are
// redacted: the lesson's own login, on the same connection, is what it
// teaches.
func TestRedactionOfALessonWithSandboxLinesHidesOnlyTheStudentsSecrets(t *testing.T) {
	in := session("imap", `C: a1 LOGIN alice wonderland`, "S: a1 OK", "C: a2 LOGOUT", "S: a2 OK",
		`C: a3 LOGIN alice {6}`, "S: + ready", "C{block}: secret", "C: ", "S: a3 OK")
	for i := range in.Events {
		if i >= 5 { // from a3 on, the learner typed it
			in.Events[i].ByStudent = true
		}
	}
	got := clientLines(Redact(in))
	want := []string{"a1 LOGIN alice wonderland", "a2 LOGOUT", "a3 LOGIN alice {6}", protoline.Hidden, ""}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("client lines\n got %q\nwant %q", got, want)
	}
	// Without marks, every secret is hidden, as in classroom sessions.
	for i := range in.Events {
		in.Events[i].ByStudent = false
	}
	if got := clientLines(Redact(in)); got[0] != "a1 LOGIN alice •••" {
		t.Errorf("unmarked: %q", got)
	}
}

// TestWhatWasHiddenIsSavedInEveryLanguage: a redacted line's "redacted"
// field is a text like a note, so a Vietnamese replay says it in
// Vietnamese; a plain string, as files before it have, reads as English.
func TestWhatWasHiddenIsSavedInEveryLanguage(t *testing.T) {
	tr := Redact(session("pop3", "C: USER alice", "C: PASS wonderland"))
	data, err := Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	const both = `redacted: {en: "a password, 10 characters", vi: "một mật khẩu, 10 ký tự"}`
	if !strings.Contains(string(data), both) {
		t.Fatalf("the file does not hold %s:\n%s", both, data)
	}
	back, err := Unmarshal(data, "new.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Events[2].ShownNote().In("vi"); got != "một mật khẩu, 10 ký tự" {
		t.Errorf("a Vietnamese replay shows %q", got)
	}
	old := strings.Replace(string(data), both, `redacted: "a password, 10 characters"`, 1)
	back, err = Unmarshal([]byte(old), "old.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Events[2].Unit.Redacted; !reflect.DeepEqual(got, i18n.Text{"en": "a password, 10 characters"}) {
		t.Errorf("an older file's redacted field reads as %v", got)
	}
}
