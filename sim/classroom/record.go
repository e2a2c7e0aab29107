package classroom

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// Recorder writes each connection's redacted transcript to its own file in
// a directory, as it happens: every line is written out when it crosses,
// so a crash loses nothing already seen. When the connection closes it
// also writes the session as a transcript (<same name>.mailsim.yaml) that
// mailsim replay and export read. Feed it with Registry.Subscribe.
//
// The file is DIR/<date>-<time>-c<id>-<role>-<user>.log ("anon" until a
// login succeeds; the file is renamed then). Lines are
//
//	09:00:01.123 S: +OK pop.example.com POP3 server ready
//	09:00:01.130 C: PASS •••
//	09:00:01.130 #  redacted: a password, 8 characters
//
// "C:" is the client, "S:" the server, "#" the recorder's annotations.
// Inside TLS (implicit TLS, or after STLS/STARTTLS) the lines are what the
// endpoints read, decrypted by the server's tap; one "#  inside TLS from
// here" line marks where that starts. TLS records appear ("C~", "S~") only
// where the tap could not open them.
type Recorder struct {
	dir string

	mu    sync.Mutex
	files map[uint64]*recFile
	err   error
}

type recFile struct {
	mu     sync.Mutex
	f      *os.File
	path   string
	prefix string // path without "-<user>.log"
	inner  bool   // the "inside TLS" note has been written
	state  string
	// entries are kept for the transcript written at the close, up to
	// maxRecordEntries (the .log keeps everything).
	entries []Entry
}

// maxRecordEntries bounds the entries one connection's transcript keeps.
const maxRecordEntries = 100_000

// NewRecorder makes dir if needed.
func NewRecorder(dir string) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Recorder{dir: dir, files: map[uint64]*recFile{}}, nil
}

// Err returns the first write error, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *Recorder) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._@+-]+`)

func fileUser(u string) string {
	if u == "" {
		return "anon"
	}
	u = unsafeName.ReplaceAllString(u, "_")
	if len(u) > 40 {
		u = u[:40]
	}
	return u
}

// Event records one registry event.
func (r *Recorder) Event(ev Event) {
	if ev.Kind == AnnotationsToggled {
		return
	}
	r.mu.Lock()
	rf := r.files[ev.Conn.ID]
	if ev.Kind == ConnOpened && rf == nil {
		rf = r.open(ev.Conn)
		if rf != nil {
			r.files[ev.Conn.ID] = rf
		}
	}
	if ev.Kind == ConnClosed {
		delete(r.files, ev.Conn.ID)
	}
	r.mu.Unlock()
	if rf == nil {
		return
	}
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.f == nil {
		return
	}
	var err error
	switch ev.Kind {
	case ConnOpened:
		c := ev.Conn
		where := string(c.Role)
		if c.Provider != "" {
			where += " at " + c.Provider
		}
		err = rf.write(fmt.Sprintf("# mailsim session %d: %s, client %s, server %s, opened %s\n",
			c.ID, where, c.Remote, c.Local, c.Opened.Format(time.RFC3339)))
	case UnitAdded:
		err = rf.unit(ev.Entry)
		if len(rf.entries) < maxRecordEntries {
			rf.entries = append(rf.entries, ev.Entry)
		}
	case ConnChanged:
		if ev.Conn.State != rf.state {
			rf.state = ev.Conn.State
			err = rf.write(stamp(ev.Conn.LastActive) + " #  state: " + ev.Conn.State + "\n")
		}
		if err == nil && ev.Conn.User != "" && !strings.HasSuffix(rf.path, "-"+fileUser(ev.Conn.User)+".log") {
			np := rf.prefix + "-" + fileUser(ev.Conn.User) + ".log"
			if err = os.Rename(rf.path, np); err == nil {
				rf.path = np
			}
		}
	case ConnClosed:
		c := ev.Conn
		how := "cleanly"
		if c.Err != "" {
			how = "with an error: " + c.Err
		}
		err = rf.write(fmt.Sprintf("%s #  closed %s after %s; %d commands, %d lines in, %d lines out, %d/%d octets\n",
			stamp(c.Closed), how, c.Closed.Sub(c.Opened).Round(time.Millisecond), c.Commands, c.LinesIn, c.LinesOut, c.BytesIn, c.BytesOut))
		if cerr := rf.f.Close(); err == nil {
			err = cerr
		}
		rf.f = nil
		// The same session as a transcript, which replay and export read.
		yamlPath := strings.TrimSuffix(rf.path, transcripts.RecordLogSuffix) + transcripts.RecordTranscriptSuffix
		if terr := transcripts.Save(yamlPath, ConnTranscript(c, rf.entries, ""), transcripts.SaveOptions{}); err == nil {
			err = terr
		}
		rf.entries = nil
	}
	if err != nil {
		r.fail(err)
	}
}

func (r *Recorder) open(c ConnState) *recFile {
	role := string(c.Role)
	if role == "" {
		role = string(c.Protocol)
	}
	prefix := filepath.Join(r.dir, fmt.Sprintf("%s-c%04d-%s", c.Opened.Format("20060102-150405"), c.ID, role))
	path := prefix + "-anon.log"
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.err = errors.Join(r.err, err)
		return nil
	}
	return &recFile{f: f, path: path, prefix: prefix, state: c.State}
}

func stamp(t time.Time) string { return t.Format("15:04:05.000") }

func (rf *recFile) write(s string) error {
	_, err := rf.f.WriteString(textsafe.Visible(s))
	return err
}

func (rf *recFile) unit(e Entry) error {
	var b strings.Builder
	ts := stamp(e.Time)
	dir := e.Dir.String() + ":"
	if e.Layer == wire.Inner && !rf.inner {
		rf.inner = true
		fmt.Fprintf(&b, "%s #  inside TLS from here: the lines below are encrypted on the wire; the server, which holds the keys, shows them decrypted\n", ts)
	}
	switch {
	case e.Layer == wire.Cipher:
		// The tap shows what is inside TLS as Inner units; a record it
		// could not open is all there is of that part.
		if strings.Contains(e.Text, wire.Undecrypted) {
			fmt.Fprintf(&b, "%s %s %s\n", ts, e.Dir.String()+"~", e.Text)
		}
	case e.Kind == wire.Block:
		text := strings.TrimSuffix(e.Text, "\n")
		for _, line := range strings.Split(text, "\n") {
			fmt.Fprintf(&b, "%s %s %s\n", ts, dir, line)
		}
	default:
		fmt.Fprintf(&b, "%s %s %s\n", ts, dir, e.Text)
	}
	if e.Cut {
		fmt.Fprintf(&b, "%s #  (cut: the unit ended before its terminator)\n", ts)
	}
	if !e.Redacted.IsZero() { // the .log file is in English, as its own comments are
		fmt.Fprintf(&b, "%s #  redacted: %s\n", ts, e.Redacted.In(i18n.Fallback))
	}
	if !e.Note.IsZero() {
		fmt.Fprintf(&b, "%s #  %s\n", ts, e.Note.In(i18n.Fallback))
	}
	if b.Len() == 0 {
		return nil
	}
	return rf.write(b.String())
}

// Close closes the files of connections still open.
func (r *Recorder) Close() error {
	r.mu.Lock()
	files := r.files
	r.files = map[uint64]*recFile{}
	err := r.err
	r.mu.Unlock()
	for _, rf := range files {
		rf.mu.Lock()
		if rf.f != nil {
			rf.write("# recording stopped; the connection was still open\n")
			err = errors.Join(err, rf.f.Close())
			rf.f = nil
		}
		rf.mu.Unlock()
	}
	return err
}

// LogLine is the one-line summary of a closed connection that `mailsim
// serve` prints while it has no live view.
func LogLine(c ConnState) string {
	user := c.User
	if user == "" {
		user = "-"
	}
	client := c.Client
	if client == "" {
		client = "client?"
	}
	role := string(c.Role)
	if c.Provider != "" {
		role += "@" + c.Provider
	}
	end := "closed"
	if c.Err != "" {
		end = "dropped: " + c.Err
	}
	tls := ""
	if c.TLS {
		tls = " tls"
	}
	return fmt.Sprintf("%s #%d %s%s from %s user %s (%s) %s, %d cmds, %d/%d octets, state %s, %s",
		c.Opened.Format("15:04:05"), c.ID, role, tls, c.Remote, user, client,
		c.Closed.Sub(c.Opened).Round(time.Millisecond), c.Commands, c.BytesIn, c.BytesOut, c.State, end)
}
