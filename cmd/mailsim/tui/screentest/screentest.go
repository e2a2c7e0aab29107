// Package screentest helps the screens' tests: it reads a tcell
// simulation screen as text, runs an app on one (Harness: keys in, text
// out, waiting for conditions), and has a small POP3 lesson to run
// (TestLesson). Only tests import it.
package screentest

import (
	"strings"

	"github.com/gdamore/tcell/v2"
)

// Text renders the simulation screen as lines of text, wide cells once.
// Call it on the UI goroutine, after the last draw.
func Text(scr tcell.SimulationScreen) string {
	cells, w, hgt := scr.GetContents()
	var b strings.Builder
	for y := 0; y < hgt; y++ {
		for x := 0; x < w; x++ {
			c := cells[y*w+x]
			if len(c.Runes) == 0 {
				if x > 0 && len(cells[y*w+x-1].Runes) > 0 && IsWide(cells[y*w+x-1].Runes) {
					continue
				}
				b.WriteByte(' ')
				continue
			}
			b.WriteString(string(c.Runes))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// IsWide reports whether a cell's runes take two cells (CJK and the like).
func IsWide(r []rune) bool { return len(r) > 0 && r[0] >= 0x1100 && (r[0] <= 0x115f || r[0] >= 0x2e80) }
