package lessons

import (
	"io/fs"
	"testing"
)

// FuzzParse: no input makes Parse panic, and an error always comes as an
// ErrorList with positions inside the file.
func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("mailsim-lesson: 1\nsteps: [{send: X}, {check: {}}]\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("mailsim-lesson: 1\nx: &x {y: *x}\n"))
	_ = fs.WalkDir(Files, "builtin", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := fs.ReadFile(Files, name); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.yaml", data)
		if (l == nil) == (err == nil) {
			t.Fatalf("Parse returned lesson %v and error %v", l != nil, err)
		}
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error %T %v, want a non-empty ErrorList", err, err)
			}
		}
	})
}
