package transcriptview

import (
	"math/rand/v2"
	"testing"
)

// The fold map agrees with a naive model that walks every row.
func TestFoldMapMatchesANaiveWalk(t *testing.T) {
	const n = 300
	rng := rand.New(rand.NewPCG(1, 2))
	var m foldMap
	extra := make([]int, n)
	for step := 0; step < 500; step++ {
		row := rng.IntN(n)
		if extra[row] > 0 && rng.IntN(2) == 0 {
			extra[row] = 0
		} else {
			extra[row] = rng.IntN(5) // 0 collapses
		}
		m.set(row, extra[row])

		d := 0
		for r := 0; r < n; r++ {
			if m.extra(r) != extra[r] || m.isExpanded(r) != (extra[r] > 0) {
				t.Fatalf("step %d: row %d: extra %d expanded %v, want %d", step, r, m.extra(r), m.isExpanded(r), extra[r])
			}
			for sub := 0; sub <= extra[r]; sub++ {
				if got := m.line(r, sub); got != d {
					t.Fatalf("step %d: line(%d, %d) = %d, want %d", step, r, sub, got, d)
				}
				if gr, gs := m.locate(d); gr != r || gs != sub {
					t.Fatalf("step %d: locate(%d) = %d, %d, want %d, %d", step, d, gr, gs, r, sub)
				}
				d++
			}
		}
		if n+m.extraTotal() != d {
			t.Fatalf("step %d: total %d, want %d", step, n+m.extraTotal(), d)
		}
	}
	m.truncate(n / 2)
	for _, e := range m.exp {
		if e.row >= n/2 {
			t.Fatalf("truncate kept row %d", e.row)
		}
	}
}
