package transcripts

import (
	"bytes"
	"fmt"
	"io"
	"mailsim/sim/events"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// The property of the file format: whatever a Transcript's header and
// snapshots hold, and whatever its events say in their file form, writing
// them and reading them back gives them back equal.
func TestSavingAndLoadingGivesBackAnEqualTranscript(t *testing.T) {
	n := 1000
	if testing.Short() || raceEnabled {
		n = 300
	}
	for i := 0; i < n; i++ {
		seed := int64(i)
		want, wantEvents := gen{rand.New(rand.NewSource(seed))}.transcript()
		var data bytes.Buffer
		if err := write(&data, want, wantEvents); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		got, gotEvents, err := readFile(bytes.NewReader(data.Bytes()), "gen.yaml")
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, data.Bytes())
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("seed %d: the transcript read back differs: %s\n%s", seed, firstDifference(want, got), data.Bytes())
		}
		if !reflect.DeepEqual(wantEvents, gotEvents) {
			t.Fatalf("seed %d: the events read back differ: %s\n%s", seed, firstDifference(wantEvents, gotEvents), data.Bytes())
		}
	}
}

// firstDifference names the first field that differs, for the failure message.
func firstDifference(a, b any) string {
	var walk func(path string, x, y reflect.Value) string
	walk = func(path string, x, y reflect.Value) string {
		if reflect.DeepEqual(x.Interface(), y.Interface()) {
			return ""
		}
		switch x.Kind() {
		case reflect.Pointer:
			if x.IsNil() || y.IsNil() {
				break
			}
			return walk(path, x.Elem(), y.Elem())
		case reflect.Struct:
			if x.Type().String() == "time.Time" {
				break
			}
			for i := 0; i < x.NumField(); i++ {
				if d := walk(path+"."+x.Type().Field(i).Name, x.Field(i), y.Field(i)); d != "" {
					return d
				}
			}
		case reflect.Slice:
			if x.Len() == y.Len() {
				for i := 0; i < x.Len(); i++ {
					if d := walk(fmt.Sprintf("%s[%d]", path, i), x.Index(i), y.Index(i)); d != "" {
						return d
					}
				}
			}
		}
		return fmt.Sprintf("%s: wrote %#v, read %#v", path, x.Interface(), y.Interface())
	}
	return walk("", reflect.ValueOf(a), reflect.ValueOf(b))
}

func TestEveryBuiltinLessonsTranscriptSurvivesSaveAndLoad(t *testing.T) {
	for _, id := range []string{"pop3-basics", "imap-basics", "smtp-send", "ports-and-tls"} {
		t.Run(id, func(t *testing.T) {
			want := recordLesson(t, id)
			path := filepath.Join(t.TempDir(), id+".yaml")
			if err := Save(path, want, SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !Equal(want, got) {
				t.Fatalf("differs: %s", firstDifference(want, got))
			}
		})
	}
}

func TestASavedTranscriptIsYAMLAnyReaderCanRead(t *testing.T) {
	data, err := Marshal(recordLesson(t, "smtp-send"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("yaml.v3 cannot read the file: %v", err)
	}
	events, _ := doc["events"].([]any)
	if doc["mailsim-transcript"] != 1 || len(events) == 0 || doc["end"] != len(events) {
		t.Errorf("yaml.v3 reads version %v, %d events, end %v", doc["mailsim-transcript"], len(events), doc["end"])
	}
}

func TestItemsWrittenInBlockStyleAreReadToo(t *testing.T) {
	want := recordLesson(t, "pop3-basics")
	data, _ := Marshal(want)
	// rewrite the third event in block style, as a person might
	evs, err := want.fileEvents()
	if err != nil {
		t.Fatal(err)
	}
	block, err := yaml.Marshal([]fileEvent{evs[2]})
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	var out bytes.Buffer
	n := 0
	for _, l := range lines {
		if bytes.HasPrefix(l, []byte("- {t:")) {
			n++
			if n == 3 {
				out.Write(block)
				continue
			}
		}
		out.Write(l)
	}
	got, err := Unmarshal(out.Bytes(), "block.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, block)
	}
	if !reflect.DeepEqual(got.Events[2], want.Events[2]) {
		t.Errorf("the block-style event reads as %s", firstDifference(want.Events[2], got.Events[2]))
	}
}

func TestSaveIsAtomicAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.yaml")
	os.WriteFile(path, []byte("old"), 0o644)
	tr := recordLesson(t, "pop3-basics")
	if err := Save(path, tr, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only t.yaml", len(entries))
	}
	// a failing write leaves the old file as it was
	err := WriteFileAtomic(path, func(w io.Writer) error { w.Write([]byte("half")); return fmt.Errorf("disk full") })
	if err == nil {
		t.Fatal("no error")
	}
	if _, err := Load(path); err != nil {
		t.Errorf("the old transcript was damaged: %v", err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("a failed save left %d files", len(entries))
	}
}

// A student's events keep their mark through the Recorder, whichever way
// they reach it, and through the file.
func TestAStudentsEventsKeepTheirMark(t *testing.T) {
	rec := NewRecorder(Meta{ID: "x"})
	rec.Event(events.Event{Kind: events.EventStep, Step: -1})
	rec.StudentEvent(events.Event{Kind: events.EventStep, Step: -1})
	rec.Event(events.Event{Kind: events.EventStep, Step: -1, ByStudent: true})
	data, err := Marshal(rec.Transcript())
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(data, "student.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var marks []bool
	for _, e := range got.Events {
		marks = append(marks, e.ByStudent)
	}
	if !slices.Equal(marks, []bool{false, true, true}) || bytes.Count(data, []byte("by: student")) != 2 {
		t.Errorf("marks %v read back from\n%s", marks, data)
	}
}
