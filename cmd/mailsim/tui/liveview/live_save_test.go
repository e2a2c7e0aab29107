package liveview

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"mailsim/sim/events"
	"mailsim/transcripts"
)

func TestLiveSaveKeyWritesTheSelectedConnectionsTranscript(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	h := startLive(t, 120, 40)
	pass := h.password("student01")
	pop3Login(t, h.addr(), "student01", pass)
	h.waitFor("student01", "TRANSACTION", "S: +OK 3", "C: STAT")
	h.press("?")
	h.waitFor("save this connection's transcript")
	h.key(tcell.KeyEscape)
	h.press("w")
	s := h.waitFor("saved to student01-c1-")
	name := regexp.MustCompile(`student01-c1-\d{8}-\d{6}\.mailsim\.yaml`).FindString(s)
	if name == "" {
		t.Fatalf("no file name in the header:\n%s", s)
	}
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), pass) {
		t.Errorf("the saved file holds the password:\n%s", raw)
	}
	tr, err := transcripts.Load(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Live {
		t.Error("the transcript is not marked live")
	}
	var lines []string
	kinds := map[events.EventKind]int{}
	for _, e := range tr.Events {
		kinds[e.Kind]++
		if e.Kind == events.EventWire {
			lines = append(lines, e.Unit.Dir.String()+" "+e.Unit.Text)
		}
	}
	if kinds[events.EventConnect] != 1 {
		t.Errorf("%d connect events, want 1", kinds[events.EventConnect])
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"USER student01", "PASS •••", "STAT", "+OK 3"} {
		if !strings.Contains(all, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, all)
		}
	}
	var out strings.Builder
	if err := transcripts.Replay(&out, tr, transcripts.PlainOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "+OK") || strings.Contains(out.String(), pass) {
		t.Errorf("the plain replay:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "pop.example.com:110") {
		t.Logf("the plain replay does not name the host:\n%s", out.String())
	}
}
