//go:build race

package lessonscreen

const raceEnabled = true
