//go:build !race

package lessonscreen

const raceEnabled = false
