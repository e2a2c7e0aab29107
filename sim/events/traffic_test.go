package events

import (
	"testing"
	"time"
)

func TestOctetsAndModelledTimesReadAtAGlanceInEitherLanguage(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{Octets(9771).In("en"), "9771 B"},
		{Octets(16304).In("en"), "16.3 kB"},
		{Octets(108935).In("vi"), "109 kB"},
		{Octets(6477817).In("en"), "6.48 MB"},
		{Octets(6477817).In("vi"), "6,48 MB"},
		{Seconds(LinkTime(6586752)).In("en"), "5.3 s"},
		{Seconds(LinkTime(6586752)).In("vi"), "5,3 s"},
		{Seconds(LinkTime(16438)).In("en"), "0.013 s"},
		{Seconds(LinkTime(100)).In("en"), "< 0.001 s"},
		{Seconds(161 * time.Second).In("en"), "2 min 41 s"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	// 10 Mbit/s: 1.25 MB a second.
	if d := LinkTime(1_250_000); d != time.Second {
		t.Errorf("1.25 MB takes %s at 10 Mbit/s, want 1s", d)
	}
}
