// Package testutil holds helpers shared by mailsim's tests: finding the
// real clients the tests drive (curl, fetchmail, mbsync, swaks, openssl,
// tshark, asciinema, python3) and a fixed clock.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where every real
// client must be installed.
func InCI() bool { return os.Getenv("CI") != "" }

// NeedTool returns the path of a real client program. Outside CI a missing
// tool skips the test; under CI it fails it, because .ci/run installs them.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if InCI() {
			t.Fatalf("%s is required under CI but not installed (.ci/run installs it): %v", name, err)
		}
		t.Skipf("%s not installed; skipping (required under CI)", name)
	}
	return p
}

// NeedPython returns python3, like NeedTool.
func NeedPython(t testing.TB) string { return NeedTool(t, "python3") }
