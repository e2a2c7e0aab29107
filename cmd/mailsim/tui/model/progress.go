package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Progress is what the learner has done, remembered between runs in
// progress.json.
type Progress struct {
	Version int                 `json:"version"`
	Done    map[string]DoneInfo `json:"done"` // by lesson id

	path string
}

// DoneInfo records a finished lesson.
type DoneInfo struct {
	At    time.Time `json:"at"`
	Right int       `json:"quiz_right"`
	Asked int       `json:"quiz_asked"`
}

// DefaultStateDir is $XDG_STATE_HOME/mailsim, or ~/.local/state/mailsim.
func DefaultStateDir() string { return XDGDir("XDG_STATE_HOME", ".local", "state") }

// LoadProgress reads dir/progress.json; a missing or unreadable file gives
// an empty progress (it is a convenience, never a reason not to start).
func LoadProgress(dir string) *Progress {
	p := &Progress{Version: 1, Done: map[string]DoneInfo{}}
	if dir == "" {
		return p
	}
	p.path = filepath.Join(dir, "progress.json")
	data, err := os.ReadFile(p.path)
	if err != nil {
		return p
	}
	var q Progress
	if json.Unmarshal(data, &q) == nil && q.Done != nil {
		p.Done = q.Done
	}
	return p
}

// IsDone reports whether a lesson was finished.
func (p *Progress) IsDone(id string) bool { _, ok := p.Done[id]; return ok }

// MarkDone records a finished lesson and saves.
func (p *Progress) MarkDone(id string, right, asked int) error {
	p.Done[id] = DoneInfo{At: time.Now().UTC().Truncate(time.Second), Right: right, Asked: asked}
	return p.save()
}

// Reset forgets every finished lesson and saves.
func (p *Progress) Reset() error {
	clear(p.Done)
	return p.save()
}

// save writes the file atomically: a temporary file in the same directory,
// synced, then renamed over the old one.
func (p *Progress) save() error {
	if p.path == "" {
		return nil
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(p.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("saving progress: %w", err)
	}
	f, err := os.CreateTemp(dir, ".progress-*.json")
	if err != nil {
		return fmt.Errorf("saving progress: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p.path)
	}
	if err != nil {
		os.Remove(tmp)
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("saving progress to %s: %w (set StateDir or XDG_STATE_HOME)", p.path, err)
		}
		return fmt.Errorf("saving progress to %s: %w", p.path, err)
	}
	return nil
}

// XDGDir is the mailsim folder under the XDG base directory env names,
// or under its default, home/def... ("" when there is no home).
func XDGDir(env string, def ...string) string {
	if d := os.Getenv(env); d != "" {
		return filepath.Join(d, "mailsim")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(append(append([]string{home}, def...), "mailsim")...)
}
