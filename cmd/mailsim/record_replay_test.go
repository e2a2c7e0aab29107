package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mailsim/internal/testutil"
	"mailsim/sim/roles"
)

func TestServeRecordingsReplayAndExport(t *testing.T) {
	curl := testutil.NeedTool(t, "curl")
	recDir := ""
	s := startServe(t, func(o *serveOptions) {
		recDir = filepath.Join(filepath.Dir(o.CAFile), "rec")
		o.RecordDir = recDir
	})
	a := s.account(1)
	out := runTool(t, curl, "-sS", "--cacert", s.ca, "--user", a.Name()+":"+a.Password,
		fmt.Sprintf("imaps://127.0.0.1:%d/INBOX;UID=1", s.port(roles.IMAPS)))
	if !strings.Contains(out, "Welcome to the mail class") {
		t.Fatalf("curl imaps: %s", out)
	}
	var yaml string
	waitFor(t, func() bool {
		files, _ := filepath.Glob(filepath.Join(recDir, "*.mailsim.yaml"))
		if len(files) == 1 {
			yaml = files[0]
		}
		return yaml != ""
	})
	replayed, errs, code := runCLI(t, "replay", yaml, "--plain")
	if code != 0 {
		t.Fatalf("replay %s: exit %d: %s", yaml, code, errs)
	}
	for _, want := range []string{"UID FETCH", "Welcome to the mail class", "A005 LOGOUT"} {
		if !strings.Contains(replayed, want) {
			t.Errorf("the replay lacks %q:\n%s", want, replayed)
		}
	}
	if strings.Contains(replayed, a.Password) {
		t.Error("the replay shows the password")
	}
	if _, errs, code := runCLI(t, "export", yaml, "--to", "markdown"); code != 0 {
		t.Errorf("export: exit %d: %s", code, errs)
	}
	// The .log beside it is not a transcript: replay says which file is.
	logFile := strings.TrimSuffix(yaml, ".mailsim.yaml") + ".log"
	if _, err := os.Stat(logFile); err != nil {
		t.Fatal(err)
	}
	_, errs, code = runCLI(t, "replay", logFile, "--plain")
	if code == 0 || !strings.Contains(errs, filepath.Base(yaml)) {
		t.Errorf("replay of the .log: exit %d, %q; want it to name %s", code, errs, filepath.Base(yaml))
	}
}
