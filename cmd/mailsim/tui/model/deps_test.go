package model

import (
	"os/exec"
	"strings"
	"testing"
)

func TestTheModelImportsNoTviewNorTcell(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "rivo/tview") || strings.Contains(dep, "gdamore/tcell") || strings.HasPrefix(dep, "mailsim/cmd/mailsim/tui/") && dep != "mailsim/cmd/mailsim/tui/model" {
			t.Errorf("the model depends on %s", dep)
		}
	}
}
