package capture

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// recordLesson runs a built-in lesson under the fixed clock and returns
// its transcript, as `mailsim record --deterministic` saves it.
func recordLesson(t testing.TB, id string) *transcripts.Transcript {
	t.Helper()
	list, err := lessons.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	l, ok := lessons.Find(list, id)
	if !ok {
		t.Fatalf("no lesson %s", id)
	}
	g, err := lessons.LoadGlossary()
	if err != nil {
		t.Fatal(err)
	}
	rec := transcripts.NewRecorder(transcripts.Meta{Lesson: l, Deterministic: true})
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

// wireView is what a transcript says crossed each connection, in order:
// one line per unit, connections numbered by first appearance, and the
// plaintext inside TLS (inner) after what crossed the network: a client
// tap sees a line before the record that carries it, a capture after it.
// Which records belong to the TLS handshake, and the text of a record
// that a tap could or could not open, are how it was recorded, not what
// crossed; they are left out.
func wireView(t *transcripts.Transcript, inner bool, skip map[int]bool) string {
	num := map[uint64]int{}
	var b strings.Builder
	var in []events.Event
	if inner {
		defer func() { // the inner units, after all the others
			for _, e := range in {
				if skip[num[e.Conn]] {
					continue
				}
				u := e.Unit
				fmt.Fprintf(&b, "conn %d %s inner %s cmd=%q tag=%q cut=%v len=%d %q\n", num[e.Conn], u.Dir, kindNames[u.Kind], u.Command, u.Tag, u.Cut, u.Len, u.Text)
			}
		}()
	}
	for _, e := range t.Events {
		if e.Kind == events.EventWire && e.Unit.Layer == wire.Inner && inner {
			in = append(in, e)
			continue
		}
		if e.Kind != events.EventWire || (e.Unit.Layer == wire.Inner && !inner) {
			continue
		}
		if _, ok := num[e.Conn]; !ok {
			num[e.Conn] = len(num) + 1
		}
		if skip[num[e.Conn]] {
			continue
		}
		u := e.Unit
		text := u.Text
		if u.Kind == wire.Record {
			text = fmt.Sprintf("record %d octets", u.Len)
		}
		fmt.Fprintf(&b, "conn %d %s %s %s cmd=%q tag=%q cut=%v len=%d %q\n", num[e.Conn], u.Dir, layerNames[u.Layer], kindNames[u.Kind], u.Command, u.Tag, u.Cut, u.Len, text)
	}
	return b.String()
}

// The words a transcript file has for a unit's layer and kind.
var (
	layerNames = map[wire.Layer]string{wire.Inner: "inner", wire.Cipher: "cipher"}
	kindNames  = map[wire.Kind]string{wire.Block: "block", wire.Record: "record"}
)

func importBytes(t *testing.T, data []byte, o Options) (*transcripts.Transcript, Report) {
	t.Helper()
	tr, rep, err := Import(bytes.NewReader(data), o)
	if err != nil {
		t.Fatalf("import: %v (report %+v)", err, rep)
	}
	return tr, rep
}

// The capture mailsim exports of a lesson imports back to the same
// sessions: every unit of every connection, clear and TLS records; with
// the key log the export writes, the lines inside TLS too (on 993, 465
// and after STARTTLS).
func TestAnExportedCaptureImportsToTheSameTranscript(t *testing.T) {
	for _, id := range []string{"pop-vs-imap", "ports-and-tls", "smtp-send"} {
		for _, ng := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s ng=%v", id, ng), func(t *testing.T) {
				orig := recordLesson(t, id)
				var capt, keys bytes.Buffer
				var err error
				if ng {
					_, err = transcripts.PCAPNG(&capt, orig, transcripts.ExportOptions{})
				} else {
					_, err = transcripts.PCAP(&capt, orig)
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := transcripts.KeyLog(&keys, orig); err != nil {
					t.Fatal(err)
				}
				blind, _ := importBytes(t, capt.Bytes(), Options{})
				if got, want := wireView(blind, false, nil), wireView(orig, false, nil); got != want {
					t.Errorf("without the key log, the import differs from the lesson:\n%s", diff(want, got))
				}
				seen, _ := importBytes(t, capt.Bytes(), Options{KeyLog: bytes.NewReader(keys.Bytes())})
				// The export's key log has the secrets of the lesson's
				// clients, not of the relay hop between providers, whose
				// client is a server: those stay encrypted.
				unkeyed := unkeyedConns(orig)
				if got, want := wireView(seen, true, unkeyed), wireView(orig, true, unkeyed); got != want {
					t.Errorf("with the key log, the import differs from the lesson:\n%s", diff(want, got))
				}
				if len(seen.Actors) != len(orig.Actors) {
					t.Errorf("%d actors imported, the lesson has %d", len(seen.Actors), len(orig.Actors))
				}
			})
		}
	}
}

// unkeyedConns are the connections (numbered as wireView numbers them)
// with lines inside TLS but no TLS secrets.
func unkeyedConns(t *transcripts.Transcript) map[int]bool {
	num, inner, keyed := map[uint64]int{}, map[int]bool{}, map[int]bool{}
	for _, e := range t.Events {
		if e.Kind != events.EventWire {
			continue
		}
		if _, ok := num[e.Conn]; !ok && e.Unit.Layer != wire.Inner {
			num[e.Conn] = len(num) + 1
		}
		inner[num[e.Conn]] = inner[num[e.Conn]] || e.Unit.Layer == wire.Inner
		keyed[num[e.Conn]] = keyed[num[e.Conn]] || len(e.TLSKeys) > 0
	}
	out := map[int]bool{}
	for n := range inner {
		if inner[n] && !keyed[n] {
			out[n] = true
		}
	}
	return out
}

// diff shows the first lines where two texts differ.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			lo := max(0, i-2)
			return fmt.Sprintf("line %d:\nwant %s\n got %s\n(context from line %d: want %q)", i+1, a, b, lo+1, w[lo:min(len(w), i+3)])
		}
	}
	return ""
}
