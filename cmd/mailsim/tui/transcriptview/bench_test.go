package transcriptview

import (
	"testing"
)

// benchDraw draws frames of a 200×60 pane over n generated rows, with the
// selection in the middle and at the end, and some blocks expanded, and
// reports ms/frame; wrap turns wrapping on.
func benchDraw(b *testing.B, n int, wrap bool) {
	for _, c := range []struct {
		name string
		sel  int
	}{
		{"middle", n / 2},
		{"end", n - 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			sim := newScreen(b, 200, 60)
			src := newGenerated(n)
			v := New(src)
			v.SetBorder(true).SetTitle("Transcript")
			v.SetWrap(wrap)
			v.SetRect(0, 0, 200, 60)
			for _, row := range []int{49, n/2 - 51, n/2 + 49, n - 1} { // blocks (every 50th row)
				v.ToggleBlock(row)
			}
			v.Select(c.sel)
			v.Draw(sim)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				v.Draw(sim)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/frame")
		})
	}
}

func BenchmarkDraw100k(b *testing.B) { benchDraw(b, 100_000, false) }

func BenchmarkDraw1M(b *testing.B) { benchDraw(b, 1_000_000, false) }

// With wrap on, the generated server lines take two rows each at 200
// columns.
func BenchmarkDraw1MWrap(b *testing.B) { benchDraw(b, 1_000_000, true) }
