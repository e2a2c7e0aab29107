package lessons

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"mailsim/internal/folder"
)

// Files holds the built-in lessons (builtin/*.yaml) and any files their
// seeds name, relative to builtin/.
//
//go:embed builtin
var Files embed.FS

// Parse reads one lesson file and validates it. file names it in errors
// (and becomes Lesson.File). The error, when not nil, is an ErrorList
// giving every problem found, each at its file:line:col.
func Parse(file string, data []byte) (*Lesson, error) {
	return parse(file, data, nil)
}

// parse is Parse with the file system that seed files are read from (nil:
// seed files are not checked).
func parse(file string, data []byte, fsys fs.FS) (*Lesson, error) {
	d := newDecoder(file)
	root := d.parseYAML(data)
	if root == nil {
		return nil, d.errs.Err()
	}
	l, ok := d.lesson(root)
	if !ok {
		return nil, d.errs.Err()
	}
	l.File = file
	d.validate(l, fsys)
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// LoadFile reads and validates a lesson file from disk. Seed message files
// are relative to the lesson's directory (Lesson.Dir).
func LoadFile(name string) (*Lesson, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, ErrorList{{File: name, Msg: errMsg(err)}}
	}
	dir := filepath.Dir(name)
	l, err := parse(name, data, folder.FS(dir))
	if err != nil {
		return nil, err
	}
	l.Dir = dir
	return l, nil
}

func errMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// LoadDir reads every *.yaml and *.yml lesson in dir, in name order, as
// LoadDirSkipping does, without saying which files it skipped.
func LoadDir(dir string) ([]*Lesson, error) {
	list, _, err := LoadDirSkipping(dir)
	return list, err
}

// LoadDirSkipping reads every *.yaml and *.yml lesson in dir, in name
// order. Files that are not lessons (saved transcripts, other YAML; see
// IsLesson) are skipped and named in skipped, so a folder of lessons may
// also hold what the app saves. It returns the lessons that are valid and,
// when any is not (or two share an id), an ErrorList of every problem in
// every lesson file.
func LoadDirSkipping(dir string) (list []*Lesson, skipped []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, ErrorList{{File: dir, Msg: errMsg(err)}}
	}
	var errs ErrorList
	for _, e := range entries {
		if e.IsDir() || !isLessonFile(e.Name()) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if data, err := os.ReadFile(name); err == nil && !IsLesson(data) {
			skipped = append(skipped, name)
			continue
		}
		l, err := LoadFile(name)
		errs = appendErr(errs, err)
		if l != nil {
			list = append(list, l)
		}
	}
	list, errs = dropDuplicateIDs(list, errs)
	return list, skipped, errs.Err()
}

// IsLesson tells a lesson file from other YAML by its top-level keys,
// read as text so that a lesson with a syntax error is still one: it has
// "mailsim-lesson:", or (its version line missing) "steps:" or
// "actors:", and it is not a saved transcript ("mailsim-transcript:").
func IsLesson(data []byte) bool {
	lesson := false
	for _, line := range strings.Split(string(data), "\n") {
		key, _, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
		if !ok || key != strings.TrimSpace(key) {
			continue // not a top-level key
		}
		switch key {
		case "mailsim-transcript":
			return false
		case "mailsim-lesson", "steps", "actors":
			lesson = true
		}
	}
	return lesson
}

func isLessonFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

func appendErr(list ErrorList, err error) ErrorList {
	if err == nil {
		return list
	}
	var el ErrorList
	if errors.As(err, &el) {
		return append(list, el...)
	}
	return append(list, &Error{Msg: err.Error()})
}

// dropDuplicateIDs keeps the first lesson of each id and reports the others.
func dropDuplicateIDs(list []*Lesson, errs ErrorList) ([]*Lesson, ErrorList) {
	first := map[string]*Lesson{}
	out := list[:0]
	for _, l := range list {
		if f, dup := first[l.ID]; dup {
			errs = append(errs, &Error{File: l.File, Line: l.idLine, Col: l.idCol,
				Msg: fmt.Sprintf("lesson id %q is already used by %s", l.ID, f.File)})
			continue
		}
		first[l.ID] = l
		out = append(out, l)
	}
	return out, errs
}

// Builtin returns the lessons embedded in the program (builtin/*.yaml), in
// file name order, each with File "builtin/<name>.yaml". An error means a
// built-in lesson is broken, which the package's tests prevent.
func Builtin() ([]*Lesson, error) {
	entries, err := fs.ReadDir(Files, "builtin")
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(Files, "builtin")
	if err != nil {
		return nil, err
	}
	var (
		out  []*Lesson
		errs ErrorList
	)
	for _, e := range entries {
		if e.IsDir() || !isLessonFile(e.Name()) {
			continue
		}
		name := "builtin/" + e.Name()
		data, err := fs.ReadFile(Files, name)
		if err != nil {
			errs = append(errs, &Error{File: name, Msg: err.Error()})
			continue
		}
		l, err := parse(name, data, sub)
		errs = appendErr(errs, err)
		if l != nil {
			out = append(out, l)
		}
	}
	out, errs = dropDuplicateIDs(out, errs)
	return out, errs.Err()
}

// SeedFS returns the file system that the lesson's seed files are read
// from: its directory on disk, or the embedded builtin/ folder.
func (l *Lesson) SeedFS() fs.FS {
	if l.Dir != "" {
		return folder.FS(l.Dir)
	}
	sub, err := fs.Sub(Files, "builtin")
	if err != nil {
		return nil
	}
	return sub
}

// Find returns the lesson with the given id.
func Find(list []*Lesson, id string) (*Lesson, bool) {
	for _, l := range list {
		if l.ID == id {
			return l, true
		}
	}
	return nil, false
}

// IDs lists the lessons' ids, sorted.
func IDs(list []*Lesson) []string {
	ids := make([]string, len(list))
	for i, l := range list {
		ids[i] = l.ID
	}
	sort.Strings(ids)
	return ids
}

// decode a single-document file into a node, for claims and glossary.
func parseDoc(file string, data []byte) (*decoder, *yaml.Node) {
	d := newDecoder(file)
	return d, d.parseYAML(data)
}
