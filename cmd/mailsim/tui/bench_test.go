package tui

import (
	"context"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"mailsim/lessons"
)

// BenchmarkStartup measures Run with a lesson to open, up to its first
// frame.
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	var total time.Duration
	for b.Loop() {
		scr := tcell.NewSimulationScreen("UTF-8")
		t0 := time.Now()
		u, err := newUI(context.Background(), Options{Lessons: []*lessons.Lesson{testLesson(true)}, Start: "test-pop3", Screen: scr, StateDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		drawn := make(chan struct{})
		first := true
		u.app.SetAfterDrawFunc(func(tcell.Screen) {
			if first {
				first = false
				close(drawn)
			}
		})
		done := make(chan error, 1)
		go func() { done <- u.run() }()
		<-drawn
		total += time.Since(t0)
		u.app.QueueUpdate(u.quit)
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/first-frame")
}
