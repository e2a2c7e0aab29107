package transcripts

import (
	"fmt"
	"slices"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/sim/events"
)

// table is the state of servers and devices as a handout shows it: one
// group of rows per server mailbox and per device.
type table struct {
	Where string   // the heading of the groups' column ("Where")
	Head  []string // UID, From, Subject, Size, Flags / held
	Diff  bool     // only the rows that changed, each with its Mark
	Rows  []trow
	// Caption and Legend head a diff table.
	Caption, Legend string
}

// Cols is how many columns the table has.
func (tb *table) Cols() int {
	if tb.Diff {
		return len(tb.Head) + 1
	}
	return len(tb.Head)
}

// trow is a message (or "(empty)") in a mailbox or on a device.
type trow struct {
	Where string // "server example.com alice/INBOX"
	First bool   // the first row of its group
	Cells []string
	// Mark (diff tables): "+" added, "−" removed, "~" changed.
	Mark    string
	Changed []bool // Mark "~": which cells changed
	Empty   bool   // a placeholder: the group holds nothing
}

func (tb *table) rows() int { return len(tb.Rows) }

// Class is the row's CSS class in a diff table.
func (r trow) Class() string {
	switch r.Mark {
	case "+":
		return "added"
	case "−":
		return "removed"
	case "~":
		return "changed"
	}
	return ""
}

// Cell is cell i with whether it changed, for the template.
func (r trow) Cell(i int) bool { return i < len(r.Changed) && r.Changed[i] }

// stateTable lays out every server mailbox and device copy.
func stateTable(s *events.State, lang string) *table {
	if s == nil {
		return nil
	}
	w := func(s string) string { return i18n.Word(lang, s) }
	tb := &table{Where: w("Where"), Head: []string{"UID", w("From"), w("Subject"), w("Size"), w("Flags / held")}}
	add := func(where string, cells []string, empty bool) {
		first := len(tb.Rows) == 0 || tb.Rows[len(tb.Rows)-1].Where != where
		tb.Rows = append(tb.Rows, trow{Where: where, First: first, Cells: cells, Empty: empty})
	}
	for _, ps := range s.Providers {
		for _, u := range ps.Snapshot.Users {
			for _, mb := range u.Mailboxes {
				where := i18n.Wordf(lang, "server %s %s/%s", ps.Domain, u.Name, mb.Name)
				if len(mb.Messages) == 0 {
					add(where, []string{"", "", w("(empty)"), "", ""}, true)
				}
				for _, m := range mb.Messages {
					flags := flagList(m.Flags)
					if ps.Marked[events.MarkKey(u.Name, m.UID)] {
						flags += " " + w("marked for deletion")
					}
					add(where, []string{fmt.Sprint(m.UID), m.From, m.Subject, fmt.Sprintf("%d B", m.Size()), flags}, false)
				}
			}
		}
	}
	for _, d := range s.Devices {
		where := i18n.Wordf(lang, "device %s (%s)", d.Name, strings.ToUpper(d.Protocol))
		if len(d.Local) == 0 {
			add(where, []string{"", "", w("(nothing local)"), "", ""}, true)
		}
		for _, m := range d.Local {
			held := w("whole message")
			if d.Protocol == "imap" {
				held = partsIn(lang, m.Parts)
				if held == "" {
					held = w("summary only")
				}
				held = flagList(m.Flags) + " " + held
			}
			add(where, []string{fmt.Sprint(m.UID), m.From, m.Subject, fmt.Sprintf("%d B", m.Size), held}, false)
		}
	}
	return tb
}

// folded is the table with each group of more than foldOver rows cut to
// its first foldHead and last foldTail and a "… n more messages" row
// between: a handout of a 10,000-message mailbox stays a few pages.
func (tb *table) folded(lang string) *table {
	if tb == nil {
		return nil
	}
	out := *tb
	out.Rows = nil
	for start := 0; start < len(tb.Rows); {
		end := start + 1
		for end < len(tb.Rows) && !tb.Rows[end].First {
			end++
		}
		group := tb.Rows[start:end]
		for i, r := range group {
			skip, count := foldedOut(i, len(group))
			if count > 0 {
				cells := make([]string, len(r.Cells))
				cells[min(2, len(cells)-1)] = i18n.Wordf(lang, "… %d more messages", count)
				out.Rows = append(out.Rows, trow{Where: r.Where, Cells: cells, Empty: true})
			}
			if !skip {
				out.Rows = append(out.Rows, r)
			}
		}
		start = end
	}
	return &out
}

// diffTable holds the rows of now that differ from before: messages that
// came (+), went (−, as they were) or changed (~, with the cells that
// did). nil when nothing a table shows changed.
func diffTable(before, now *table) *table {
	if now == nil {
		return nil
	}
	key := func(r trow) string { return r.Where + "\x00" + r.Cells[0] }
	old := map[string]trow{}
	if before != nil {
		for _, r := range before.Rows {
			if !r.Empty {
				old[key(r)] = r
			}
		}
	}
	d := &table{Where: now.Where, Head: now.Head, Diff: true}
	add := func(r trow, mark string, changed []bool) {
		r.Mark, r.Changed = mark, changed
		r.First = len(d.Rows) == 0 || d.Rows[len(d.Rows)-1].Where != r.Where
		d.Rows = append(d.Rows, r)
	}
	kept := map[string]bool{}
	// Walk now's groups in order; a group's removed rows follow its others.
	var groups []string
	for _, r := range now.Rows {
		if r.First {
			groups = append(groups, r.Where)
		}
	}
	if before != nil {
		for _, r := range before.Rows {
			if r.First && !slices.Contains(groups, r.Where) {
				groups = append(groups, r.Where)
			}
		}
	}
	for _, g := range groups {
		for _, r := range now.Rows {
			if r.Where != g || r.Empty {
				continue
			}
			k := key(r)
			kept[k] = true
			o, ok := old[k]
			if !ok {
				add(r, "+", nil)
				continue
			}
			changed, any := make([]bool, len(r.Cells)), false
			for i := range r.Cells {
				changed[i] = r.Cells[i] != o.Cells[i]
				any = any || changed[i]
			}
			if any {
				add(r, "~", changed)
			}
		}
		if before == nil {
			continue
		}
		for _, r := range before.Rows {
			if r.Where == g && !r.Empty && !kept[key(r)] {
				add(r, "−", nil)
			}
		}
	}
	if len(d.Rows) == 0 {
		return nil
	}
	return d
}
