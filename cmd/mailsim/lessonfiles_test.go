package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const seedLine = `{from: bob@example.org, subject: Hello, body: "Hi Alice"}`

func TestALessonsSeedFilesStayInItsFolderAndWithinLimits(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "hostname")
	if err := os.WriteFile(secret, []byte("secret-host-name\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, seed, marker, msg string
		link                    bool
	}{
		{"a symbolic link out of the folder", `{file: mail/link.eml}`, "mail/link.eml", "leads out of the lesson's folder", true},
		{"a repeat that would take half a gigabyte", `{from: bob@example.org, subject: Hello, body: "` + strings.Repeat("x", 2000) + `", repeat: 100000}`,
			"100000", "over 20000 seeded messages", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(trainerLesson, seedLine) {
				t.Fatalf("the lesson lacks %q", seedLine)
			}
			text := strings.Replace(trainerLesson, seedLine, tc.seed, 1)
			dir := t.TempDir()
			if tc.link {
				if err := os.Mkdir(filepath.Join(dir, "mail"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(secret, filepath.Join(dir, "mail", "link.eml")); err != nil {
					t.Fatal(err)
				}
			}
			file := filepath.Join(dir, "mine.yaml")
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, errs, code := runCLI(t, "validate", file)
			line, _ := lineCol(text, tc.marker)
			if code != 1 || !strings.Contains(errs, fmt.Sprintf("%s:%d:", file, line)) || !strings.Contains(errs, tc.msg) {
				t.Errorf("validate: exit %d, %q; want file:%d:col and %q", code, errs, line, tc.msg)
			}
			out, errs, code := runCLI(t, "run", "trainer-imap-flags", "--lessons", dir)
			if code == 0 || strings.Contains(out+errs, "secret-host-name") {
				t.Errorf("run: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}
