//go:build !unix

package loadgen

import "time"

// ProcessCPU is not measured on this system.
func ProcessCPU() (user, sys time.Duration, ok bool) { return 0, 0, false }
