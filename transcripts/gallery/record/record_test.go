package record

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
	"mailsim/transcripts/gallery"
)

func TestEverySampleHasARecipeWithOneFunctionPerStep(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range gallery.Samples() {
		seen[s.Name] = true
		rc, ok := recipes[s.Name]
		if !ok {
			t.Errorf("catalog.yaml: sample %s has no recipe in recipes.go", s.Name)
			continue
		}
		if len(rc.phases) != len(s.Steps) || len(rc.programs) == 0 || rc.client == "" {
			t.Errorf("sample %s: catalog.yaml has %d steps, recipes.go %d functions, programs %v, client %q", s.Name, len(s.Steps), len(rc.phases), rc.programs, rc.client)
		}
	}
	for name := range recipes {
		if !seen[name] {
			t.Errorf("recipes.go: recipe %s is not in catalog.yaml", name)
		}
	}
}

// commands is what a re-recording must repeat: for each step, the client
// commands of each connection (their names, not their tags, arguments,
// times or sizes), the connections sorted (a client may open them in
// another order).
func commands(tr *transcripts.Transcript) [][]string {
	perConn := map[uint64][]string{}
	stepOf := map[uint64]int{}
	var ids []uint64
	for _, e := range tr.Events {
		if e.Kind == events.EventConnect {
			ids = append(ids, e.Conn)
			stepOf[e.Conn] = e.Step
		}
		if e.Kind != events.EventWire || e.Unit.Dir != wire.ClientToServer || e.Unit.Kind != wire.Line || e.Unit.Layer == wire.Cipher || e.Unit.Command == "" {
			continue
		}
		perConn[e.Conn] = append(perConn[e.Conn], e.Actor+" "+strings.ToUpper(e.Unit.Command))
	}
	steps := tr.Lesson.Steps
	out := make([][]string, steps)
	for _, id := range ids {
		out[stepOf[id]] = append(out[stepOf[id]], strings.Join(perConn[id], ", "))
	}
	for _, s := range out {
		sort.Strings(s)
	}
	return out
}

// TestRecordingAgainGivesTheSameCommands runs each sample's real client
// again (under CI every client is installed; elsewhere a missing one skips
// its sample) and compares the commands with the shipped file's.
func TestRecordingAgainGivesTheSameCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every real client of the gallery; skipped under -short")
	}
	for _, s := range gallery.Samples() {
		t.Run(s.Name, func(t *testing.T) {
			for _, p := range Programs(s.Name) {
				testutil.NeedTool(t, p)
			}
			shipped, err := gallery.Load(s.Name)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			var log bytes.Buffer
			again, err := Record(ctx, s.Name, RecordOptions{Log: &log})
			if err != nil {
				t.Fatalf("%v\nthe clients said:\n%s", err, log.String())
			}
			want, got := commands(shipped), commands(again)
			for i := range want {
				if !slices.Equal(want[i], got[i]) {
					t.Errorf("step %d: the shipped sample sent\n  %s\nrecording it again sent\n  %s\n(if the client changed, record it again: mailsim gallery record %s)",
						i+1, strings.Join(want[i], "\n  "), strings.Join(got[i], "\n  "), s.Name)
				}
			}
		})
	}
}
