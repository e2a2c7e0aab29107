package main

import (
	"io/fs"
	"os"

	"mailsim/lessons"
)

// lessonFiles is where a lesson's seed files are read from: its own
// directory for lessons loaded from disk, none for built-ins.
func lessonFiles(l *lessons.Lesson) fs.FS {
	if l.Dir == "" {
		return nil
	}
	return os.DirFS(l.Dir)
}
