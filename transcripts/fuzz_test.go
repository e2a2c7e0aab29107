package transcripts

import (
	"bytes"
	"mailsim/sim/events"
	"testing"
)

// FuzzLoad: no input makes the loader panic, and whatever it accepts can
// be written and read back, the same the second time.
func FuzzLoad(f *testing.F) {
	tr := session("imap", `C: a1 LOGIN alice "pw"`, "S: a1 OK", "C{block}: x\ny")
	tr.Snapshots = []Snapshot{{Step: -1}}
	tr.Events = append(tr.Events, events.Event{Kind: events.EventState, State: tr.State(1)})
	small, _ := Marshal(tr)
	f.Add(small)
	f.Add(small[:len(small)/2])
	f.Add([]byte("mailsim-transcript: 1\nid: x\nevents:\n- {t: 1, kind: step, step: 0, title: {en: \"a\\u00e9\"}}\nend: 1\n"))
	f.Add([]byte("mailsim-transcript: 1\nid: x\nevents:\n- t: 1\n  kind: wire\n  dir: C\n  raw: !!binary AAE=\nend: 1\n"))
	f.Add([]byte("mailsim-transcript: 1\nid: x\nactors:\n- {name: a}\nmessages:\n- {date: 2026-01-01T00:00:00Z, raw: !!binary /w==}\nend: 0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Unmarshal(data, "fuzz.yaml")
		if err != nil {
			return
		}
		once, err := Marshal(got)
		if err != nil {
			t.Fatalf("a loaded transcript cannot be written: %v", err)
		}
		again, err := Unmarshal(once, "again.yaml")
		if err != nil {
			t.Fatalf("a written transcript cannot be read: %v\n%s", err, once)
		}
		twice, _ := Marshal(again)
		if !bytes.Equal(once, twice) {
			t.Fatalf("writing is not stable:\n%s\n---\n%s", once, twice)
		}
		NewCursor(got).Search("a")
		Replay(&bytes.Buffer{}, got, PlainOptions{})
	})
}
