package folder

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestASymlinkOutOfTheFolderIsNotFollowed(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("host secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "in.eml"), []byte("Subject: hi\r\n\r\nx\r\n"), 0o644))
	must(os.Symlink(outside, filepath.Join(dir, "link.eml")))
	must(os.Symlink("in.eml", filepath.Join(dir, "inside-link.eml")))
	fsys := FS(dir)
	if _, err := fs.ReadFile(fsys, "in.eml"); err != nil {
		t.Errorf("a file in the folder: %v", err)
	}
	if _, err := fs.ReadFile(fsys, "inside-link.eml"); err != nil {
		t.Errorf("a link that stays inside: %v", err)
	}
	if b, err := fs.ReadFile(fsys, "link.eml"); err == nil {
		t.Errorf("a link out of the folder was followed: %q", b)
	}
	if _, err := fs.Stat(fsys, "link.eml"); err == nil {
		t.Error("Stat follows a link out of the folder")
	}
	if _, err := fs.ReadFile(FS(filepath.Join(dir, "missing")), "in.eml"); err == nil {
		t.Error("a missing folder reads")
	}
}
