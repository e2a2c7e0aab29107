package transcripts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The file: a YAML mapping. The header keys (version, id, lesson, servers,
// actors, answers) are ordinary block YAML; the bulk sections (messages,
// snapshots, events) hold one flow mapping per line; a last `end: N`
// line (N = the number of events) tells a whole file from a cut one.

const header = "# mailsim transcript: `mailsim replay FILE --plain` prints it; the format is described in docs/TRANSCRIPTS.md\n"

// Write writes t in the transcript format, as it is (Save redacts).
//
// Every value is written by this package (yaml.v3's writer loses a
// string's leading line break): scalars plain when that is unambiguous,
// else double-quoted with escapes, or !!binary when they are not UTF-8;
// mappings in flow style; lists one item per line.
func Write(w io.Writer, t *Transcript) error {
	evs, err := t.fileEvents()
	if err != nil {
		return err
	}
	return write(w, t, evs)
}

// write writes t's header and snapshots, and evs as its events.
func write(w io.Writer, t *Transcript, evs []fileEvent) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString(header)
	h := *t
	h.Version = t.fileVersion()
	v := reflect.ValueOf(h)
	var line []byte
	for _, f := range infoOf(v.Type()).fields {
		fv := v.Field(f.index)
		if f.omitempty && isEmpty(fv) {
			continue
		}
		if fv.Kind() == reflect.Slice && fv.Type() != bytesType && fv.Type().Elem().Kind() == reflect.Struct {
			line = writeSection(bw, line, f.name, fv)
			continue
		}
		line = append(append(line[:0], f.name...), ": "...)
		line = appendFlow(line, fv)
		line = append(line, '\n')
		bw.Write(line)
	}
	if len(evs) > 0 { // the last section
		writeSection(bw, line, "events", reflect.ValueOf(evs))
	}
	fmt.Fprintf(bw, "end: %d\n", len(evs))
	return bw.Flush()
}

// writeSection writes a bulk section, one flow mapping per line; line is
// a buffer to reuse, returned for the next.
func writeSection(bw *bufio.Writer, line []byte, name string, list reflect.Value) []byte {
	fmt.Fprintf(bw, "%s: # %d\n", name, list.Len())
	for i := 0; i < list.Len(); i++ {
		line = append(line[:0], "- "...)
		line = appendFlow(line, list.Index(i))
		line = append(line, '\n')
		bw.Write(line)
	}
	return line
}

// Marshal returns t in the transcript format.
func Marshal(t *Transcript) ([]byte, error) {
	var b bytes.Buffer
	err := Write(&b, t)
	return b.Bytes(), err
}

// SaveOptions say how a transcript is saved.
type SaveOptions struct {
	// KeepSecrets keeps the passwords and SASL payloads of a live session.
	KeepSecrets bool
	// Redact replaces them even in a lesson's own transcript.
	Redact bool
}

// Save writes t to path atomically: a temporary file in the same
// directory is written, synced and renamed over path. A live session's
// secrets are redacted unless o.KeepSecrets; o.Redact redacts any
// transcript. t itself is not changed.
func Save(path string, t *Transcript, o SaveOptions) error {
	if (t.Live && !o.KeepSecrets) || o.Redact {
		t = Redact(t)
	}
	return writeAtomic(path, func(w io.Writer) error { return Write(w, t) })
}

// WriteFileAtomic writes a file as Save does: all of it or nothing.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return writeAtomic(path, write)
}

func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	return nil
}

// Error is a mistake in a transcript file, at a line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Load reads a transcript file. Files over MaxFileSize are refused before
// they are read.
func Load(path string) (*Transcript, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := notRecordLog(f, path); err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return nil, &Error{path, 1, fmt.Sprintf("the file is %s; mailsim reads transcripts up to %s (is it a transcript?)", mib(st.Size()), mib(MaxFileSize))}
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		return readSized(f, path, st.Size())
	}
	return Read(f, path)
}

// RecordLogSuffix and RecordTranscriptSuffix name the files serve --record
// writes per connection: a line-by-line log, and at the close the same
// session as a transcript.
const (
	RecordLogSuffix        = ".log"
	RecordTranscriptSuffix = ".mailsim.yaml"
)

// notRecordLog refuses a serve --record log (which is not YAML) with the
// name of the transcript written next to it.
func notRecordLog(f *os.File, path string) error {
	if !strings.HasSuffix(path, RecordLogSuffix) {
		return nil
	}
	head := make([]byte, 18)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if string(head[:n]) != "# mailsim session " {
		return nil
	}
	return &Error{path, 1, fmt.Sprintf("this is a serve --record log, not a transcript: replay or export %s, written next to it when the session closed",
		strings.TrimSuffix(path, RecordLogSuffix)+RecordTranscriptSuffix)}
}

func mib(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// Unmarshal reads a transcript from memory; name is used in errors.
func Unmarshal(data []byte, name string) (*Transcript, error) {
	return readSized(bytes.NewReader(data), name, int64(len(data)))
}

var bulkSections = map[string]bool{"messages": true, "snapshots": true, "events": true}

// reader holds the state of one Read.
type reader struct {
	name string
	t    *Transcript
	in   *interner

	hdr      bytes.Buffer
	hdrLines []int // header buffer line -> file line
	keys     map[string]int

	size       int64 // the file's size when known: bounds the sections' size hints
	section    string
	hasItem    bool
	item       []byte // the current bulk item's lines (a reused buffer)
	itemLine   int
	itemIndent int
	itemMulti  bool

	events                          []fileEvent // the events section as it is written
	snapLines, eventLines, msgLines []int
	endLine, endCount               int
}

// Read reads a transcript; name is used in errors. It reads at most
// MaxFileSize bytes.
func Read(r io.Reader, name string) (*Transcript, error) {
	return readSized(r, name, 0)
}

// readSized is Read of a file whose size is known (0: not known).
func readSized(r io.Reader, name string, size int64) (*Transcript, error) {
	rd := &reader{name: name, t: &Transcript{}, in: newInterner(), keys: map[string]int{}, endLine: -1, size: size}
	if err := rd.read(r); err != nil {
		return nil, err
	}
	if err := rd.validate(); err != nil {
		return nil, err
	}
	rd.decode()
	return rd.t, nil
}

// readFile reads a transcript's file form and checks nothing it refers
// to: t without Events, and the events as written (the round-trip
// property of the format feeds it random data).
func readFile(r io.Reader, name string) (*Transcript, []fileEvent, error) {
	rd := &reader{name: name, t: &Transcript{}, in: newInterner(), keys: map[string]int{}, endLine: -1}
	if err := rd.read(r); err != nil {
		return nil, nil, err
	}
	return rd.t, rd.events, nil
}

func (rd *reader) errf(line int, format string, args ...any) error {
	return &Error{rd.name, line, fmt.Sprintf(format, args...)}
}

func (rd *reader) read(r io.Reader) error {
	br := bufio.NewReaderSize(io.LimitReader(r, MaxFileSize+1), 256<<10)
	var long []byte
	lineNo := 0
	var total int64
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, chunk...)
			continue
		}
		line := chunk
		if long != nil {
			long = append(long, chunk...)
			line, long = long, nil
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		total += int64(len(line))
		if total > MaxFileSize {
			return rd.errf(lineNo+1, "the file is over %s, the most mailsim reads (is it a transcript?)", mib(MaxFileSize))
		}
		lineNo++
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		if !utf8.Valid(line) {
			if err == io.EOF && !bytes.HasSuffix(chunk, []byte("\n")) && utf8.Valid(trimPartialRune(line)) {
				return rd.errf(lineNo, "the file ends in the middle of a character (cut short?)")
			}
			return rd.errf(lineNo, "invalid UTF-8 (a transcript is UTF-8 text; was it saved by an editor in another encoding?)")
		}
		if err := rd.line(lineNo, line); err != nil {
			return err
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", rd.name, err)
		}
	}
	if err := rd.flushItem(); err != nil {
		return err
	}
	if lineNo == 0 {
		return rd.errf(1, "the file is empty: not a mailsim transcript")
	}
	if _, ok := rd.keys["mailsim-transcript"]; !ok {
		return rd.errf(1, "not a mailsim transcript: there is no `mailsim-transcript: 1` line")
	}
	if err := rd.header(); err != nil {
		return err
	}
	if rd.endLine < 0 {
		return rd.errf(lineNo, "the file ends early: there is no `end:` line after the events (it was cut short, or is not a whole transcript)")
	}
	if rd.endCount != len(rd.events) {
		return rd.errf(rd.endLine, "end: says %d events, but the file holds %d (was a part cut out?)", rd.endCount, len(rd.events))
	}
	return nil
}

// line sorts one line into the header or a bulk section.
func (rd *reader) line(n int, line []byte) error {
	top := len(line) > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && line[0] != '-'
	if len(line) >= 3 && string(line[:3]) == "---" && (len(line) == 3 || line[3] == ' ') {
		if len(rd.keys) > 0 {
			return rd.errf(n, "a second YAML document: a transcript is one document")
		}
		top = false
	}
	if top {
		if err := rd.flushItem(); err != nil {
			return err
		}
		if rd.endLine >= 0 {
			return rd.errf(n, "more after the `end:` line (two transcripts in one file?)")
		}
		key, val, ok := bytes.Cut(line, []byte(":"))
		k := strings.TrimSpace(string(key))
		if !ok {
			return rd.errf(n, "want `key: value`, found %q", excerpt(line))
		}
		if prev, dup := rd.keys[k]; dup {
			return rd.errf(n, "key %q given twice (first on line %d)", k, prev)
		}
		rd.keys[k] = n
		v := strings.TrimSpace(stripComment(string(val)))
		switch {
		case k == "mailsim-transcript":
			ver, err := strconv.Atoi(v)
			if err != nil {
				return rd.errf(n, "mailsim-transcript: want a version number, found %q", v)
			}
			if ver < 1 || ver > Version {
				return rd.errf(n, "mailsim-transcript: %d is a format this mailsim does not read (it reads versions 1 to %d; a newer mailsim may)", ver, Version)
			}
		case bulkSections[k] && v == "":
			if _, ok := rd.keys["mailsim-transcript"]; !ok {
				return rd.errf(n, "not a mailsim transcript: `mailsim-transcript: 1` must come before %s", k)
			}
			rd.section = k
			rd.sizeHint(k, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(val)), "#")))
			return nil
		case k == "end":
			c, err := strconv.Atoi(v)
			if err != nil || c < 0 {
				return rd.errf(n, "end: want the number of events, found %q", v)
			}
			rd.endLine, rd.endCount = n, c
			rd.section = ""
			return nil
		}
		rd.section = ""
		rd.addHeader(n, line)
		return nil
	}
	if rd.section == "" {
		if rd.endLine >= 0 && len(bytes.TrimSpace(line)) > 0 && bytes.TrimSpace(line)[0] != '#' {
			return rd.errf(n, "more after the `end:` line (two transcripts in one file?)")
		}
		rd.addHeader(n, line)
		return nil
	}
	trimmed := bytes.TrimLeft(line, " \t")
	if len(trimmed) == 0 || trimmed[0] == '#' {
		if rd.hasItem {
			rd.item = append(append(rd.item, line...), '\n')
		}
		return nil
	}
	indent := len(line) - len(trimmed)
	isItem := trimmed[0] == '-' && (len(trimmed) == 1 || trimmed[1] == ' ')
	switch {
	case isItem && (!rd.hasItem || indent <= rd.itemIndent):
		if err := rd.flushItem(); err != nil {
			return err
		}
		rd.item = append(append(rd.item[:0], line...), '\n')
		rd.hasItem, rd.itemLine, rd.itemIndent, rd.itemMulti = true, n, indent, false
	case !rd.hasItem:
		return rd.errf(n, "%s: want a list item `- {...}`, found %q", rd.section, excerpt(line))
	default:
		rd.item = append(append(rd.item, line...), '\n')
		rd.itemMulti = true
	}
	return nil
}

// sizeHint makes room for a section whose size the writer noted
// ("events: # 100000"), as far as the file's size allows.
func (rd *reader) sizeHint(section, note string) {
	n, err := strconv.Atoi(note)
	if err != nil || n <= 0 || int64(n) > rd.size/16 {
		return
	}
	switch section {
	case "events":
		rd.events = make([]fileEvent, 0, n)
	case "snapshots":
		rd.t.Snapshots = make([]Snapshot, 0, n)
	case "messages":
		rd.t.Messages = make([]Message, 0, n)
	}
}

func (rd *reader) addHeader(n int, line []byte) {
	rd.hdr.Write(line)
	rd.hdr.WriteByte('\n')
	rd.hdrLines = append(rd.hdrLines, n)
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

func stripComment(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		return s[:i]
	}
	if strings.HasPrefix(s, "#") {
		return ""
	}
	return s
}

func excerpt(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

// flushItem reads the pending bulk item.
func (rd *reader) flushItem() error {
	if !rd.hasItem {
		return nil
	}
	item, line, multi := rd.item, rd.itemLine, rd.itemMulti
	rd.hasItem = false
	var target reflect.Value
	switch rd.section {
	case "events":
		rd.events = append(rd.events, fileEvent{})
		target = reflect.ValueOf(&rd.events[len(rd.events)-1]).Elem()
		rd.eventLines = append(rd.eventLines, line)
	case "snapshots":
		rd.t.Snapshots = append(rd.t.Snapshots, Snapshot{})
		target = reflect.ValueOf(&rd.t.Snapshots[len(rd.t.Snapshots)-1]).Elem()
		rd.snapLines = append(rd.snapLines, line)
	case "messages":
		rd.t.Messages = append(rd.t.Messages, Message{})
		target = reflect.ValueOf(&rd.t.Messages[len(rd.t.Messages)-1]).Elem()
		rd.msgLines = append(rd.msgLines, line)
	}
	var fe *flowError
	if !multi {
		body := bytes.TrimRight(item, "\n")
		body = bytes.TrimLeft(body, " \t")[1:] // the "-"
		err := readFlow(body, target, rd.in)
		if err == nil {
			return nil
		}
		if errors.As(err, &fe) && !fe.syntax {
			return rd.errf(line, "%s: %s", rd.section, fe.msg)
		}
	}
	if err := rd.slowItem(item, line, target); err != nil {
		if fe != nil { // the fast reader's words are plainer
			return rd.errf(line, "%s: %s", rd.section, fe.msg)
		}
		return err
	}
	return nil
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// slowItem reads an item yaml.v3's way: any YAML, at yaml.v3's pace.
func (rd *reader) slowItem(item []byte, line int, target reflect.Value) error {
	list := reflect.New(reflect.SliceOf(target.Type()))
	dec := yaml.NewDecoder(bytes.NewReader(item))
	dec.KnownFields(true)
	if err := dec.Decode(list.Interface()); err != nil {
		at, msg := line, err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			last := line + bytes.Count(bytes.TrimRight(item, "\n"), []byte("\n"))
			at, msg = min(line+n-1, last), m[2]
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		return rd.errf(at, "%s: %s", rd.section, friendlyYAML(msg))
	}
	if list.Elem().Len() != 1 {
		return rd.errf(line, "%s: want one item", rd.section)
	}
	target.Set(list.Elem().Index(0))
	return nil
}

var fieldNotFound = regexp.MustCompile(`field (\S+) not found in type \S+`)

func friendlyYAML(msg string) string {
	if m := fieldNotFound.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("unknown key %q", m[1])
	}
	return msg
}

// header reads the header keys with yaml.v3.
func (rd *reader) header() error {
	dec := yaml.NewDecoder(&rd.hdr)
	dec.KnownFields(true)
	var h Transcript
	if err := dec.Decode(&h); err != nil && err != io.EOF {
		at, msg := 1, err.Error()
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n >= 1 && n <= len(rd.hdrLines) {
				at = rd.hdrLines[n-1]
			}
			msg = m[2]
		}
		return rd.errf(at, "%s", friendlyYAML(strings.TrimPrefix(msg, "yaml: ")))
	}
	t := rd.t
	if h.Messages == nil {
		h.Messages = t.Messages
	}
	if h.Snapshots == nil {
		h.Snapshots = t.Snapshots
	}
	*t = h
	t.Created, t.Start = normTime(t.Created), normTime(t.Start)
	for i := range t.Messages {
		t.Messages[i].Date = normTime(t.Messages[i].Date)
	}
	for i := range t.Snapshots {
		for j := range t.Snapshots[i].Providers {
			p := &t.Snapshots[i].Providers[j]
			p.Taken = normTime(p.Taken)
		}
	}
	return nil
}

func (rd *reader) keyLine(k string) int {
	if n, ok := rd.keys[k]; ok {
		return n
	}
	return 1
}
