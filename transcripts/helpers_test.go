package transcripts

import (
	"context"
	"math/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"mailsim/internal/fixedclock"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
)

// recordLesson runs a built-in lesson under the fixed clock and returns
// its transcript.
func recordLesson(t testing.TB, id string) *Transcript {
	t.Helper()
	return recordLessonOf(t, findLesson(t, id), false)
}

func findLesson(t testing.TB, id string) *lessons.Lesson {
	t.Helper()
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	l, ok := lessons.Find(list, id)
	if !ok {
		t.Fatalf("no lesson %s", id)
	}
	return l
}

var glossaryOnce = sync.OnceValues(lessons.LoadGlossary)

func recordLessonOf(t testing.TB, l *lessons.Lesson, live bool) *Transcript {
	t.Helper()
	g, err := glossaryOnce()
	if err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(Meta{Lesson: l, Deterministic: true, Live: live, ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Created: fixedclock.Start})
	r, err := sim.Start(l, sim.Options{Emit: rec.Event, Glossary: g, Deterministic: true, Files: l.SeedFS()})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.RunAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Close()
	return rec.Transcript()
}

// gen makes random transcripts for the round-trip property: every field
// set or not, strings that are hard to write as YAML.
type gen struct{ r *rand.Rand }

var hardStrings = []string{"", " ", "null", "~", "true", "no", "Yes", "off", "y", "123", "-1", "0x1F", "1e3", ".5", "1:30",
	"- a", "a: b", "a #b", "#", "{x}", "[y]", "'", "\"", "\\", `\Seen`, "a,b", "&anchor", "*alias", "!tag", "|", ">",
	"---", "...", "%YAML", "@at", "`tick`", "tab\there", "line\nbreak", "cr\rlf\r\n", "trailing ", " leading",
	"\x00nul", "\x7fdel", "\u0085nel", "\u2028ls", "\ufeffbom", "\uffff", "Tiếng Việt", "日本語", "😀 emoji",
	"\xff\xfe invalid", "ok\xc3", "\x1b[31mred", "•••", "C", "S", "pop.example.com:110", "A1 LOGIN alice \"pw\"",
	"+OK 3 854", "-ERR [IN-USE]"}

func (g gen) str() string {
	switch g.r.Intn(4) {
	case 0:
		return hardStrings[g.r.Intn(len(hardStrings))]
	case 1:
		return ""
	case 2:
		b := make([]byte, g.r.Intn(20))
		for i := range b {
			b[i] = byte(g.r.Intn(256))
		}
		return string(b)
	}
	return hardStrings[g.r.Intn(len(hardStrings))] + hardStrings[g.r.Intn(len(hardStrings))]
}

// utf8str is a string in valid UTF-8 (lesson texts are).
func (g gen) utf8str() string { return strings.ToValidUTF8(g.str(), "?") }

func (g gen) text() i18n.Text {
	if g.r.Intn(3) == 0 {
		return nil
	}
	t := i18n.Text{"en": g.utf8str()}
	if g.r.Intn(2) == 0 {
		t["vi"] = g.utf8str()
	}
	if t.IsZero() {
		return nil
	}
	return t
}

func (g gen) strs() []string {
	n := g.r.Intn(3)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = g.str()
	}
	return out
}

func (g gen) bytes() Bytes {
	if g.r.Intn(2) == 0 {
		return nil
	}
	b := make([]byte, 1+g.r.Intn(40))
	g.r.Read(b)
	if g.r.Intn(2) == 0 {
		return Bytes(strings.ToValidUTF8(string(b), "x"))
	}
	return b
}

func (g gen) time() time.Time {
	if g.r.Intn(5) == 0 {
		return time.Time{}
	}
	zone := time.FixedZone("", (g.r.Intn(27)-12)*3600+g.r.Intn(2)*1800)
	return normTime(time.Unix(1.7e9+g.r.Int63n(1e8), g.r.Int63n(1e9)).In(zone))
}

func (g gen) int() int { return g.r.Intn(2000) - 1000 }

// transcript makes a transcript's header and snapshots, and events in
// their file form (their kinds and words random too).
func (g gen) transcript() (*Transcript, []fileEvent) {
	t := &Transcript{Version: Version, ID: "id-" + g.utf8str(), Created: g.time(), Start: g.time(), Live: g.r.Intn(2) == 0,
		Deterministic: g.r.Intn(2) == 0, Redacted: g.r.Intn(2) == 0, Language: g.utf8str()}
	if g.r.Intn(3) > 0 {
		t.Lesson = &LessonInfo{ID: g.str(), Group: g.str(), Title: g.text(), Summary: g.text(), Languages: g.strs(), Steps: g.r.Intn(50), Covers: g.strs()}
	}
	for i := g.r.Intn(4); i > 0; i-- {
		t.Servers = append(t.Servers, Server{Role: g.str(), Protocol: g.str(), Host: g.str(), Port: g.r.Intn(65536), TLS: g.r.Intn(2) == 0})
	}
	for i := 1 + g.r.Intn(4); i > 0; i-- {
		t.Actors = append(t.Actors, Actor{Name: "actor" + g.str(), Protocol: g.str(), Client: g.text(), User: g.str()})
	}
	for i := g.r.Intn(3); i > 0; i-- {
		t.Answers = append(t.Answers, Answer{At: int64(g.int()), Step: g.int(), Choice: g.r.Intn(5), Correct: g.r.Intn(2) == 0})
	}
	for i := g.r.Intn(4); i > 0; i-- {
		t.Messages = append(t.Messages, Message{Date: g.time(), From: g.str(), To: g.str(), Subject: g.str(), MessageID: g.str(), Raw: g.bytes()})
	}
	for i := g.r.Intn(4); i > 0; i-- {
		s := Snapshot{Step: g.int()}
		for j := g.r.Intn(3); j > 0; j-- {
			p := ProviderSnap{Domain: g.str(), Taken: g.time(), Marked: g.strs()}
			for k := g.r.Intn(3); k > 0; k-- {
				u := UserSnap{Name: g.str(), Quota: g.r.Int63()}
				for m := g.r.Intn(3); m > 0; m-- {
					mb := MailboxSnap{Name: g.str(), SpecialUse: g.str(), UIDValidity: g.r.Uint32(), UIDNext: g.r.Uint32()}
					if g.r.Intn(4) == 0 {
						mb.Same = g.int()
					}
					for n := g.r.Intn(3); n > 0; n-- {
						mb.Messages = append(mb.Messages, MessageRef{UID: g.r.Uint32(), Msg: g.int(), Flags: g.strs()})
					}
					u.Mailboxes = append(u.Mailboxes, mb)
				}
				p.Users = append(p.Users, u)
			}
			s.Providers = append(s.Providers, p)
		}
		for j := g.r.Intn(3); j > 0; j-- {
			d := events.DeviceState{Name: g.str(), Protocol: g.str(), User: g.str(), Client: g.text(), Connected: g.r.Intn(2) == 0, Host: g.str()}
			for k := g.r.Intn(3); k > 0; k-- {
				d.Local = append(d.Local, events.LocalMessage{UID: g.r.Uint32(), Subject: g.str(), From: g.str(), Size: g.int(), Flags: g.strs(),
					Body: g.r.Intn(2) == 0, Account: g.str(), Mailbox: g.str(), Parts: g.str(), Bytes: g.int(), Structure: g.str()})
			}
			s.Devices = append(s.Devices, d)
		}
		for j := g.r.Intn(3); j > 0 && g.r.Intn(2) == 0; j-- {
			s.SameLocal = append(s.SameLocal, LocalRef{Device: g.str(), Snapshot: g.int()})
		}
		t.Snapshots = append(t.Snapshots, s)
	}
	var evs []fileEvent
	for i := g.r.Intn(30); i > 0; i-- {
		e := fileEvent{At: int64(g.r.Intn(1e6) - 10), Kind: g.str(), Step: g.int(), Actor: g.str(), Conn: g.r.Uint64(), Protocol: g.str(),
			Role: g.str(), Host: g.str(), Eavesdrop: g.r.Intn(2) == 0, Handshake: g.r.Intn(2) == 0, Dir: g.str(), Layer: g.str(),
			Unit: g.str(), Seq: g.int(), Text: g.str(), Raw: g.bytes(), Len: g.int(), Lines: g.int(), Command: g.str(), Tag: g.str(),
			Cut: g.r.Intn(2) == 0, Title: g.text(), Say: g.text(), Note: g.text(), What: g.text(), OK: g.r.Intn(2) == 0,
			Snapshot: g.int(), Redacted: g.text(), By: g.str()}
		if g.r.Intn(2) == 0 {
			e.Gloss = &lessons.Entry{Key: g.str(), RFC: g.str(), Text: g.text()}
		}
		if g.r.Intn(4) == 0 {
			e.Quiz = &lessons.QuizSpec{Question: g.text(), Explain: g.text()}
			for k := g.r.Intn(4); k > 0; k-- {
				e.Quiz.Choices = append(e.Quiz.Choices, lessons.QuizChoice{Text: g.text(), Correct: g.r.Intn(2) == 0})
			}
		}
		for k := g.r.Intn(3); k > 0; k-- {
			e.Delta = append(e.Delta, events.Change{Kind: events.ChangeKind(g.r.Intn(int(events.Downloaded) + 1)), Where: g.str(), UID: g.r.Uint32(), Subject: g.str(), Flags: g.strs(), Detail: g.str()})
		}
		evs = append(evs, e)
	}
	t.Version = t.fileVersion()
	return t, evs
}
