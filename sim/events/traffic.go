package events

import (
	"fmt"
	"mailsim/internal/i18n"
	"strconv"
	"strings"
	"time"
)

// This file turns the octets a device moved (DeviceState.Sent and
// Received) into what a reader takes in at a glance: a size in B, kB or
// MB, and the time those octets take on a modelled link.

// LinkBitsPerSecond is the speed of the link that modelled times assume:
// a phone on a 10 Mbit/s mobile connection. The time is for the octets
// alone: the round trip each command waits for, and TCP/TLS overhead, come
// on top. A time measured here would be loopback's (127.0.0.1 moves
// megabytes in milliseconds) and would vary from run to run.
const LinkBitsPerSecond = 10_000_000

// LinkTime is how long octets take on the modelled link.
func LinkTime(octets int) time.Duration {
	return time.Duration(int64(octets) * 8 * int64(time.Second) / LinkBitsPerSecond)
}

// Octets is a count of octets in a unit a reader takes in at a glance:
// "9771 B", "15.2 kB", "7.03 MB" (decimal units, as link speeds are), with
// a decimal comma in Vietnamese.
type Octets int

// In gives the count in a language.
func (o Octets) In(lang string) string {
	var s string
	switch n := float64(o); {
	case o < 10_000:
		return fmt.Sprintf("%d B", int(o))
	case o < 1_000_000:
		s = strconv.FormatFloat(n/1e3, 'f', decimals(n/1e3), 64) + " kB"
	default:
		s = strconv.FormatFloat(n/1e6, 'f', decimals(n/1e6), 64) + " MB"
	}
	if lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (o Octets) String() string { return o.In(i18n.Fallback) }

// decimals keeps three significant digits of x (1 <= x < 1000).
func decimals(x float64) int {
	switch {
	case x < 10:
		return 2
	case x < 100:
		return 1
	}
	return 0
}

// Seconds is a modelled time as a reader takes it in: "0.03 s", "5.6 s",
// "2 min 41 s", with a decimal comma in Vietnamese.
type Seconds time.Duration

// In gives the time in a language.
func (d Seconds) In(lang string) string {
	t := time.Duration(d)
	var s string
	switch {
	case t < time.Millisecond:
		s = "< 0.001 s"
	case t < time.Second:
		s = strconv.FormatFloat(t.Seconds(), 'f', 3, 64) + " s"
	case t < time.Minute:
		s = strconv.FormatFloat(t.Seconds(), 'f', 1, 64) + " s"
	default:
		m := int(t / time.Minute)
		return fmt.Sprintf("%d min %d s", m, int((t-time.Duration(m)*time.Minute)/time.Second))
	}
	if lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func (d Seconds) String() string { return d.In(i18n.Fallback) }
