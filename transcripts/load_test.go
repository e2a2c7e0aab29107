package transcripts

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// edit returns data with the first line containing old changed by f.
func edit(t *testing.T, data []byte, old string, f func(line string) string) []byte {
	t.Helper()
	lines := strings.SplitAfter(string(data), "\n")
	for i, l := range lines {
		if strings.Contains(l, old) {
			lines[i] = f(l)
			return []byte(strings.Join(lines, ""))
		}
	}
	t.Fatalf("no line holds %q", old)
	return nil
}

func lineOf(data []byte, s string) int {
	i := bytes.Index(data, []byte(s))
	return bytes.Count(data[:i], []byte("\n")) + 1
}

func TestABadFileGivesFileLineAndWhatIsWrong(t *testing.T) {
	good, err := Marshal(recordLesson(t, "pop3-basics"))
	if err != nil {
		t.Fatal(err)
	}
	half := len(good) / 2
	cutLine := bytes.LastIndexByte(good[:half], '\n') + 1
	tests := []struct {
		name string
		data []byte
		line int
		want string
	}{
		{"a file cut in the middle of a line", good[:half], lineOf(good, string(good[cutLine:half])), "cut short"},
		{"a file cut between lines", good[:cutLine], bytes.Count(good[:cutLine], []byte("\n")), "ends early"},
		{"an empty file", nil, 1, "empty"},
		{"a lesson file", []byte("mailsim-lesson: 1\nid: x\n"), 1, "not a mailsim transcript"},
		{"a newer version", bytes.Replace(good, []byte("mailsim-transcript: 1"), []byte("mailsim-transcript: 3"), 1), 2, "3 is a format this mailsim does not read (it reads versions 1 to 2"},
		{"an unknown key in the header", edit(t, good, "live: false", func(l string) string { return l + "colour: red\n" }), lineOf(good, "live: false") + 1, `unknown key "colour"`},
		{"an unknown key in an event", edit(t, good, "kind: connect", func(l string) string { return strings.Replace(l, "kind: connect", "kind: connect, colour: red", 1) }),
			lineOf(good, "kind: connect"), `unknown key "colour"`},
		{"an unknown key in a block-style event", edit(t, good, "kind: connect", func(string) string { return "- t: 5\n  kind: connect\n  colour: red\n" }),
			lineOf(good, "kind: connect") + 2, `unknown key "colour"`},
		{"a word where a number belongs", edit(t, good, "kind: connect", func(l string) string { return strings.Replace(l, "conn: 1", "conn: one", 1) }),
			lineOf(good, "kind: connect"), `want a whole number ≥ 0, found "one"`},
		{"invalid UTF-8", edit(t, good, "kind: step", func(l string) string { return strings.Replace(l, "The mailbox", "The \xffmailbox", 1) }),
			lineOf(good, "kind: step"), "invalid UTF-8"},
		{"a snapshot with an unknown device", edit(t, good, "devices: [{name: laptop", func(l string) string { return strings.Replace(l, "name: laptop", "name: tablet", 1) }),
			lineOf(good, "devices: [{name: laptop"), `device "tablet" is not one of the actors (laptop)`},
		{"a snapshot with an unknown message", edit(t, good, "msg: 1", func(l string) string { return strings.Replace(l, "msg: 1", "msg: 99", 1) }),
			lineOf(good, "msg: 1"), "refers to message 99, but the file holds 3 messages"},
		{"a snapshot marking an unknown mailbox", edit(t, good, "marked: [", func(l string) string {
			return regexp.MustCompile(`marked: \[[^\]]*\]`).ReplaceAllString(l, `marked: ["zoe/1"]`)
		}), lineOf(good, "marked: ["), `marks "zoe/1" for deletion, but there is no such mailbox`},
		{"a change in an unknown mailbox", edit(t, good, "delta: [", func(l string) string { return strings.Replace(l, "alice/INBOX", "alice/Nowhere", 1) }),
			lineOf(good, "delta: ["), `a change in "example.com alice/Nowhere", a mailbox no snapshot holds`},
		{"a change of an unknown kind", edit(t, good, "delta: [", func(l string) string {
			return regexp.MustCompile(`delta: \[\{kind: \w+`).ReplaceAllString(l, "delta: [{kind: new")
		}),
			lineOf(good, "delta: ["), `events: change kind "new": want added, removed, flags, marked, unmarked or downloaded`},
		{"an event by an unknown actor", edit(t, good, "kind: connect", func(l string) string { return strings.Replace(l, "actor: laptop", "actor: mallory", 1) }),
			lineOf(good, "kind: connect"), `actor "mallory" is not one of the actors`},
		{"a wrong end count", bytes.Replace(good, []byte("\nend: "), []byte("\nend: 1"), 1), bytes.Count(good, []byte("\n")), "end: says"},
		{"two transcripts in one file", append(append([]byte{}, good...), good...), bytes.Count(good, []byte("\n")) + 2, "more after the `end:` line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			_, err := Unmarshal(tt.data, "bad.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			var want = regexp.MustCompile(`^bad\.yaml:(\d+): `)
			m := want.FindStringSubmatch(err.Error())
			if m == nil || m[1] != itoa(tt.line) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want bad.yaml:%d: …%s…", err, tt.line, tt.want)
			}
		})
	}
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(n)) }

func fmtInt(n int) string {
	if n < 0 {
		return "-" + fmtInt(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return fmtInt(n/10) + string(rune('0'+n%10))
}

func TestAHugeFileIsRefusedBeforeItIsRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(500 << 20) // sparse: no disk used
	f.Close()
	start := time.Now()
	_, err = Load(path)
	if err == nil || !strings.Contains(err.Error(), path+":1: the file is 500 MiB; mailsim reads transcripts up to 256 MiB") {
		t.Errorf("error %v", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusing took %v: was the file read?", d)
	}
	// a stream gets the same limit while it is read
	_, err = Read(&zeros{n: MaxFileSize + 10}, "stdin")
	if err == nil || !strings.Contains(err.Error(), "256 MiB") {
		t.Errorf("a long stream: %v", err)
	}
}

// zeros reads as n bytes of long comment lines.
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, os.ErrClosed
	}
	n := min(len(p), z.n)
	for i := range p[:n] {
		p[i] = '#'
		if i%4096 == 4095 {
			p[i] = '\n'
		}
	}
	z.n -= n
	return n, nil
}
