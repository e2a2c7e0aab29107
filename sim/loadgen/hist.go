package loadgen

import (
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets, as HdrHistogram does:
// values below 128 ns are exact, larger ones fall in buckets no wider than
// 1/64 of their value, so a percentile is within 1.6% of the true one. It
// has a fixed size, whatever the number of values, and merges by adding.
// The zero value is ready to use; it is not safe for concurrent use.
type Histogram struct {
	counts []uint64
	n      uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

const (
	subBits    = 7 // 128 sub-buckets; the upper half is used above 2^7
	half       = 1 << (subBits - 1)
	maxExp     = 40 - subBits // values up to 2^40 ns (18 minutes); more are clamped
	numBuckets = maxExp*half + 2*half
)

func bucketOf(v uint64) int {
	if v < 2*half {
		return int(v)
	}
	e := bits.Len64(v) - subBits
	if e > maxExp {
		return numBuckets - 1
	}
	return e*half + int(v>>uint(e))
}

// bucketTop is the highest value that falls in bucket i.
func bucketTop(i int) uint64 {
	if i < 2*half {
		return uint64(i)
	}
	e := i/half - 1
	top := uint64(i%half + half)
	return (top+1)<<uint(e) - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if h.counts == nil {
		h.counts = make([]uint64, numBuckets)
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every value of o.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil || o.n == 0 {
		return
	}
	if h.counts == nil {
		h.counts = make([]uint64, numBuckets)
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest value recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Min is the smallest value recorded, exactly.
func (h *Histogram) Min() time.Duration { return h.min }

// Mean is the average of the values recorded.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Percentile returns the value below or at which p percent of the values
// fall (the top of its bucket, never more than Max).
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(p / 100 * float64(h.n))
	if float64(rank) < p/100*float64(h.n) {
		rank++ // ceil
	}
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := time.Duration(bucketTop(i))
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}
