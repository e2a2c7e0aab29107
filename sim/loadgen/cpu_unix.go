//go:build unix

package loadgen

import (
	"syscall"
	"time"
)

// ProcessCPU is the user and system CPU time this process has used (all
// its goroutines: a load generator and in-process servers together).
func ProcessCPU() (user, sys time.Duration, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), true
}
