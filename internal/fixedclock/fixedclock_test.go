package fixedclock

import (
	"testing"
	"time"
)

func TestEachReadingIsOneTickAfterThePreviousFromStart(t *testing.T) {
	c := New(time.Second)
	for i := range 3 {
		if got, want := c.Now(), Start.Add(time.Duration(i)*time.Second); !got.Equal(want) {
			t.Fatalf("reading %d: %v, want %v", i, got, want)
		}
	}
}
