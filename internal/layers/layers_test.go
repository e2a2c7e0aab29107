package layers

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// servers are the packages that run a protocol server: linking any of them
// means linking all of go-imap's and go-smtp's server code.
var servers = []string{
	"mailsim/sim/imap",
	"mailsim/sim/pop3",
	"mailsim/sim/smtp",
	"mailsim/sim/network",
	"mailsim/sim",
	"github.com/emersion/go-imap/v2/imapserver",
	"github.com/emersion/go-smtp",
}

func TestLeavesDoNotDependOnWhatTheyMustNot(t *testing.T) {
	cases := []struct {
		pkg      string
		mustNot  []string
		whyNotTo string
	}{
		{"mailsim/sim/events", servers, "events are what a saved transcript holds: loading one runs no server"},
		{"mailsim/sim/roles", servers, "the role table is a leaf both lessons and the network import"},
		{"mailsim/internal/i18n", servers, "the catalog of what the program says is a leaf every layer imports"},
		{"mailsim/transcripts", servers, "a transcript is saved, loaded, replayed and exported with no server"},
		{"mailsim/transcripts/gallery", servers, "the real clients' samples are replayed with no server (their recorder, gallery/record, runs them)"},
		{"mailsim/sim/wire/protoline", append([]string{"mailsim/sim/wire"}, servers...), "reading what a line carries needs no tap and no server"},
		{"mailsim/lessons", []string{"mailsim/sim/network", "mailsim/sim"}, "lessons are checked without the simulated network"},
		{"mailsim/cmd/mailsim/tui/lessonscreen", []string{"mailsim/cmd/mailsim/tui", "mailsim/cmd/mailsim/tui/liveview"}, "the lesson and replay screens sit below the app shell and picker, beside the live view"},
		{"mailsim/cmd/mailsim/tui/liveview", []string{"mailsim/cmd/mailsim/tui", "mailsim/cmd/mailsim/tui/lessonscreen"}, "the live view is a screen of its own, beside the lesson screens"},
		{"mailsim/cmd/mailsim/tui/widgets", []string{"mailsim/cmd/mailsim/tui", "mailsim/cmd/mailsim/tui/lessonscreen", "mailsim/cmd/mailsim/tui/liveview"}, "widgets are what screens are built of, below every screen"},
		{"mailsim/cmd/mailsim/tui/model", []string{"github.com/rivo/tview", "github.com/gdamore/tcell/v2", "mailsim/cmd/mailsim/tui/widgets"}, "the TUI's model has no tview in it (k9s: model, then widgets, then screens)"},
	}
	for _, c := range cases {
		t.Run(c.pkg, func(t *testing.T) {
			deps := goListDeps(t, c.pkg)
			if !slices.Contains(deps, c.pkg) {
				t.Fatalf("go list -deps %s does not list the package itself: %v", c.pkg, deps)
			}
			for _, bad := range c.mustNot {
				if slices.Contains(deps, bad) {
					t.Errorf("%s depends on %s (%s); go list -deps %s | grep %s shows the path", c.pkg, bad, c.whyNotTo, c.pkg, bad)
				}
			}
		})
	}
}

// TestTheCheckSeesAServer keeps the test above honest: the runner does
// link every server, and the check says so.
func TestTheCheckSeesAServer(t *testing.T) {
	deps := goListDeps(t, "mailsim/sim")
	for _, s := range servers[:4] {
		if !slices.Contains(deps, s) {
			t.Errorf("go list -deps mailsim/sim does not list %s", s)
		}
	}
}

func goListDeps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}
