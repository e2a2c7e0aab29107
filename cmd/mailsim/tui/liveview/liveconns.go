package liveview

import (
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/sim/classroom"
)

// connCol is one column of the connection list.
type connCol struct {
	title string
	width int // at the narrowest layout
	prio  int // columns of higher prio go first when the pane is narrow
	right bool
	cell  func(th *widgets.Theme, lang string, cs *classroom.ConnState, wide bool) (string, tcell.Style)
}

var connCols = []connCol{
	{title: "#", width: 3, prio: 4, right: true, cell: func(th *widgets.Theme, _ string, cs *classroom.ConnState, _ bool) (string, tcell.Style) {
		return strconv.FormatUint(cs.ID, 10), th.Dim
	}},
	{title: "User", width: 10, prio: 0, cell: func(th *widgets.Theme, _ string, cs *classroom.ConnState, _ bool) (string, tcell.Style) {
		if cs.User == "" {
			return "—", th.Dim
		}
		return cs.User, th.Text.Bold(!th.NoColor)
	}},
	{title: "Server", width: 10, prio: 0, cell: func(th *widgets.Theme, _ string, cs *classroom.ConnState, wide bool) (string, tcell.Style) {
		s := strings.ToUpper(string(cs.Role))
		if s == "" {
			s = strings.ToUpper(string(cs.Protocol))
		}
		if wide && cs.Provider != "" {
			s += " @ " + cs.Provider
		}
		return s, th.Fg(th.ProtoColor(string(cs.Protocol)))
	}},
	{title: "State", width: 11, prio: 0, cell: func(th *widgets.Theme, lang string, cs *classroom.ConnState, _ bool) (string, tcell.Style) {
		if !cs.Open {
			if cs.Err != "" {
				return i18n.Word(lang, "dropped"), th.Dim
			}
			return i18n.Word(lang, "closed"), th.Dim
		}
		return cs.State, th.Text
	}},
	{title: "Client", width: 11, prio: 1, cell: func(th *widgets.Theme, _ string, cs *classroom.ConnState, _ bool) (string, tcell.Style) {
		if cs.Client == "" {
			return "?", th.Dim
		}
		return cs.Client, th.Text
	}},
	{title: "TLS", width: 5, prio: 1, cell: func(th *widgets.Theme, lang string, cs *classroom.ConnState, _ bool) (string, tcell.Style) {
		if cs.TLS {
			return "TLS", th.OK
		}
		return i18n.Word(lang, "plain"), th.Bad
	}},
	{title: "In/Out", width: 9, prio: 2, right: true, cell: func(th *widgets.Theme, _ string, cs *classroom.ConnState, _ bool) (string, tcell.Style) {
		return humanBytes(cs.BytesIn) + "/" + humanBytes(cs.BytesOut), th.Text
	}},
	{title: "Remote", width: 15, prio: 3, cell: func(th *widgets.Theme, _ string, cs *classroom.ConnState, wide bool) (string, tcell.Style) {
		if wide {
			return cs.Remote, th.Dim
		}
		host, _, err := net.SplitHostPort(cs.Remote)
		if err != nil {
			return cs.Remote, th.Dim
		}
		return host, th.Dim
	}},
}

// connLayout picks the columns that fit a width, and whether the wide
// forms (provider, remote port) fit too. It returns column indexes in
// display order.
func connLayout(width int) (cols []int, widths []int, wide bool) {
	wide = width >= 110
	w := func(i int) int {
		c := connCols[i]
		if wide {
			switch c.title {
			case "Server":
				return 24
			case "Remote":
				return 21
			case "Client":
				return 14
			case "State":
				return 15
			case "User":
				return 12
			}
		}
		return c.width
	}
	order := make([]int, len(connCols))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return connCols[order[a]].prio < connCols[order[b]].prio })
	keep := map[int]bool{}
	used := 0
	for _, i := range order {
		need := w(i)
		if used > 0 {
			need++
		}
		if used+need > width {
			continue
		}
		keep[i] = true
		used += need
	}
	for i := range connCols {
		if keep[i] {
			cols = append(cols, i)
			widths = append(widths, w(i))
		}
	}
	// Give what is left to the state and user columns.
	if spare := width - used; spare > 0 && len(cols) > 0 {
		for k, i := range cols {
			if connCols[i].title == "State" {
				widths[k] += spare
			}
		}
	}
	return cols, widths, wide
}

// sortConns puts the open connections first, oldest first, then the
// closed ones, the most recently closed first.
func sortConns(cs []classroom.ConnState) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := &cs[i], &cs[j]
		if a.Open != b.Open {
			return a.Open
		}
		if a.Open {
			return a.ID < b.ID
		}
		if !a.Closed.Equal(b.Closed) {
			return a.Closed.After(b.Closed)
		}
		return a.ID > b.ID
	})
}

// fillConnTable writes the connections into t (header row first) for a
// width and returns the row of the connection sel, -1 if it is not there.
func fillConnTable(t *tview.Table, th *widgets.Theme, lang string, conns []classroom.ConnState, kicked map[uint64]bool, width int, sel uint64) int {
	t.Clear()
	cols, widths, wide := connLayout(width)
	for k, i := range cols {
		c := connCols[i]
		text := i18n.Word(lang, c.title)
		if c.right {
			text = widgets.Right(text, widths[k])
		}
		t.SetCell(0, k, tview.NewTableCell(widgets.Fit(text, widths[k])).SetStyle(th.Dim.Bold(true)).SetSelectable(false))
	}
	at := -1
	for n := range conns {
		cs := &conns[n]
		row := n + 1
		if cs.ID == sel {
			at = row
		}
		for k, i := range cols {
			c := connCols[i]
			text, st := c.cell(th, lang, cs, wide)
			if c.title == "State" && !cs.Open && kicked[cs.ID] {
				text = i18n.Word(lang, "kicked")
			}
			if !cs.Open {
				st = th.Dim
			}
			if c.right {
				text = widgets.Right(text, widths[k])
			}
			t.SetCell(row, k, tview.NewTableCell(widgets.Fit(text, widths[k])).SetStyle(st).SetReference(cs.ID))
		}
	}
	return at
}

// humanBytes writes a byte count in at most four cells: 812, 4.2k, 37k, 1.5M.
func humanBytes(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 10_000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	case n < 1_000_000:
		return strconv.FormatInt(n/1000, 10) + "k"
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	}
	return strconv.FormatInt(n/1_000_000, 10) + "M"
}
