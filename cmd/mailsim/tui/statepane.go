package tui

import (
	"fmt"
	"mailsim/lessons"
	"sort"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"mailsim/sim"
	"mailsim/sim/mailstore"
)

// textPane is a TextView whose text is rendered for its current width, so
// that columns adapt when the terminal is resized.
type textPane struct {
	*tview.TextView
	render func(width int) string
	lastW  int
	dirty  bool
}

func newTextPane(render func(width int) string) *textPane {
	tv := tview.NewTextView().SetDynamicColors(true).SetWrap(false).SetScrollable(true)
	tv.SetBackgroundColor(tcell.ColorDefault)
	return &textPane{TextView: tv, render: render, dirty: true}
}

// invalidate makes the next Draw render again.
func (p *textPane) invalidate() { p.dirty = true }

// Draw renders when the content or the width changed, then draws.
func (p *textPane) Draw(screen tcell.Screen) {
	_, _, w, _ := p.GetInnerRect()
	if p.dirty || w != p.lastW {
		p.SetText(p.render(w))
		p.lastW, p.dirty = w, false
	}
	p.TextView.Draw(screen)
}

// rowMark is how a message row is highlighted.
type rowMark int

const (
	markNone rowMark = iota
	markNew
	markGone
	markFlags
	markDele
)

func (m rowMark) sign() string { return [...]string{" ", "+", "−", "~", "×"}[m] }

func (m rowMark) word() string {
	return [...]string{"", "new", "deleted", "flags changed", "marked for deletion"}[m]
}

func (th *Theme) markStyle(m rowMark) tcell.Style {
	switch m {
	case markNew:
		return th.Added
	case markGone:
		return th.Removed
	case markFlags:
		return th.Changed
	case markDele:
		return th.Marked
	}
	return th.Text
}

// deltaIndex maps "where/UID" to the change the last step made.
func deltaIndex(delta []sim.Change) map[string]sim.ChangeKind {
	m := make(map[string]sim.ChangeKind, len(delta))
	for _, c := range delta {
		key := c.Where + "/" + strconv.FormatUint(uint64(c.UID), 10)
		if old, ok := m[key]; ok && old == sim.Added {
			continue // new and flagged in the same step: still new
		}
		m[key] = c.Kind
	}
	return m
}

func changeMark(k sim.ChangeKind, ok bool) rowMark {
	if !ok {
		return markNone
	}
	switch k {
	case sim.Added:
		return markNew
	case sim.Removed:
		return markGone
	case sim.FlagsChanged:
		return markFlags
	case sim.Marked:
		return markDele
	}
	return markNone
}

// msgRow is one row of a mailbox or a local copy.
type msgRow struct {
	seq     int // 0: none (a deleted row, a local copy)
	uid     uint32
	from    string
	subject string
	size    int
	flags   []string
	mark    rowMark
	extra   string // "headers only"
}

// columns lays out message rows for a width.
type columns struct {
	seq, uid, from, subject, size, flags, status int
}

func layout(width int, withSeq bool) columns {
	c := columns{uid: 4, size: 7}
	if withSeq {
		c.seq = 3
	}
	fixed := 2 + c.seq + 1 + c.uid + 1 // mark, seq, uid
	switch {
	case width >= 80:
		c.flags, c.status = 14, 20
	case width >= 64:
		c.flags, c.status = 10, 0
	default:
		c.size, c.flags = 0, 5
	}
	rest := width - fixed - c.flags - 1 - c.status
	if c.size > 0 {
		rest -= c.size + 1
	}
	if width >= 64 {
		c.from = max(8, rest*2/5)
		c.subject = max(8, rest-c.from-1)
	} else {
		c.subject = max(6, rest)
	}
	return c
}

func (c columns) header(lang string) string {
	var b strings.Builder
	b.WriteString("  ")
	if c.seq > 0 {
		b.WriteString(right("#", c.seq) + " ")
	}
	b.WriteString(right("UID", c.uid) + " ")
	if c.from > 0 {
		b.WriteString(fit(tr(lang, "From"), c.from) + " ")
	}
	b.WriteString(fit(tr(lang, "Subject"), c.subject) + " ")
	if c.size > 0 {
		b.WriteString(right(tr(lang, "Size"), c.size) + " ")
	}
	b.WriteString(fit(tr(lang, "Flags"), c.flags))
	return b.String()
}

func (c columns) row(th *Theme, lang string, m msgRow) string {
	var b strings.Builder
	b.WriteString(m.mark.sign() + " ")
	if c.seq > 0 {
		s := ""
		if m.seq > 0 {
			s = strconv.Itoa(m.seq)
		}
		b.WriteString(right(s, c.seq) + " ")
	}
	b.WriteString(right(strconv.FormatUint(uint64(m.uid), 10), c.uid) + " ")
	if c.from > 0 {
		b.WriteString(fit(m.from, c.from) + " ")
	}
	b.WriteString(fit(m.subject, c.subject) + " ")
	if c.size > 0 {
		b.WriteString(right(strconv.Itoa(m.size), c.size) + " ")
	}
	b.WriteString(fit(flagText(m.flags, c.flags < 8), c.flags))
	if c.status > 0 {
		w := m.mark.word()
		if m.extra != "" && w == "" {
			w = m.extra
		}
		b.WriteString(" " + fit(tr(lang, w), c.status))
	}
	return th.tag(th.markStyle(m.mark)) + tview.Escape(strings.TrimRight(b.String(), " ")) + reset
}

// flagText writes flags in full ("\Seen \Flagged") or as letters ("SF").
func flagText(flags []string, short bool) string {
	if !short {
		return strings.Join(flags, " ")
	}
	var b strings.Builder
	for _, f := range flags {
		f = strings.TrimPrefix(f, `\`)
		if f != "" {
			b.WriteString(f[:1])
		}
	}
	return b.String()
}

// renderServer writes every mailbox of every provider that has users.
func renderServer(th *Theme, lang string, v View, width int) string {
	if v.State == nil {
		return th.tag(th.Dim) + tr(lang, "Starting the servers…") + reset
	}
	delta := deltaIndex(v.Delta)
	cols := layout(width, true)
	withUsers := 0
	for _, p := range v.State.Providers {
		if p.Snapshot != nil && len(p.Snapshot.Users) > 0 {
			withUsers++
		}
	}
	var b strings.Builder
	for _, p := range v.State.Providers {
		if p.Snapshot == nil {
			continue
		}
		for _, u := range p.Snapshot.Users {
			for _, mb := range u.Mailboxes {
				where := fmt.Sprintf("%s %s/%s", p.Domain, u.Name, mb.Name)
				rows := mailboxRows(v, p, u.Name, mb, where, delta)
				marked := 0
				for _, r := range rows {
					if r.mark == markDele {
						marked++
					}
				}
				head := fmt.Sprintf("%s/%s: %s", u.Name, mb.Name, count(lang, len(mb.Messages)))
				if withUsers > 1 || width >= 64 {
					head = fmt.Sprintf("%s/%s @ %s: %s", u.Name, mb.Name, p.Domain, count(lang, len(mb.Messages)))
				}
				b.WriteString(th.tag(th.Title) + tview.Escape(head) + reset + "\n")
				if marked > 0 {
					m := fmt.Sprintf("× %d %s", marked, tr(lang, "marked for deletion"))
					if width >= 64 {
						m += " " + tr(lang, "(removed at QUIT)")
					}
					b.WriteString(th.tag(th.Marked) + tview.Escape(m) + reset + "\n")
				}
				if len(rows) > 0 {
					b.WriteString(th.tag(th.Dim) + tview.Escape(cols.header(lang)) + reset + "\n")
				}
				shown, gaps := foldRows(rows)
				for i, r := range shown {
					if n := gaps[i]; n > 0 {
						b.WriteString(th.tag(th.Dim) + tview.Escape(lessons.Wordf(lang, "… %d more messages", n)) + reset + "\n")
					}
					b.WriteString(cols.row(th, lang, r) + "\n")
				}
				if n := gaps[len(shown)]; n > 0 {
					b.WriteString(th.tag(th.Dim) + tview.Escape(lessons.Wordf(lang, "… %d more messages", n)) + reset + "\n")
				}
			}
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// mailboxRows lists a mailbox's messages with their marks, and the ones the
// last step deleted (from the previous state), in UID order.
func mailboxRows(v View, p sim.ProviderState, user string, mb mailstore.MailboxSnapshot, where string, delta map[string]sim.ChangeKind) []msgRow {
	var rows []msgRow
	for i, m := range mb.Messages {
		k, ok := delta[where+"/"+strconv.FormatUint(uint64(m.UID), 10)]
		r := msgRow{seq: i + 1, uid: m.UID, from: m.From, subject: m.Subject, size: m.Size(), flags: m.Flags, mark: changeMark(k, ok)}
		if p.Marked[sim.MarkKey(user, m.UID)] {
			r.mark = markDele
		}
		rows = append(rows, r)
	}
	if v.Prev != nil {
		if pp, ok := v.Prev.Provider(p.Domain); ok && pp.Snapshot != nil {
			if old, ok := pp.Snapshot.Mailbox(user, mb.Name); ok {
				for _, m := range old.Messages {
					if delta[where+"/"+strconv.FormatUint(uint64(m.UID), 10)] == sim.Removed && !hasUID(mb.Messages, m.UID) {
						rows = append(rows, msgRow{uid: m.UID, from: m.From, subject: m.Subject, size: m.Size(), flags: m.Flags, mark: markGone})
					}
				}
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].uid < rows[j].uid })
	return rows
}

// maxMailboxRows is how many rows a mailbox shows before it folds: a
// 10,000-message mailbox shows its first and last messages and the ones the
// last step changed, not 10,000 lines.
const maxMailboxRows = 30

// foldRows picks the rows to show and, for each, how many were skipped
// before it; gaps[len(shown)] counts those skipped after the last one.
func foldRows(rows []msgRow) (shown []msgRow, gaps []int) {
	if len(rows) <= maxMailboxRows {
		return rows, make([]int, len(rows)+1)
	}
	keep := func(i int) bool { return i < 3 || i >= len(rows)-2 || rows[i].mark != markNone }
	skipped := 0
	for i, r := range rows {
		if !keep(i) || len(shown) >= maxMailboxRows && i < len(rows)-2 {
			skipped++
			continue
		}
		shown = append(shown, r)
		gaps = append(gaps, skipped)
		skipped = 0
	}
	return shown, append(gaps, skipped)
}

func hasUID(list []*mailstore.Message, uid uint32) bool {
	for _, m := range list {
		if m.UID == uid {
			return true
		}
	}
	return false
}

// renderDevices writes each device's local copy and connection.
func renderDevices(th *Theme, lang string, v View, colorOf func(string) tcell.Style, width int) string {
	if v.State == nil {
		return ""
	}
	delta := deltaIndex(v.Delta)
	cols := layout(width, false)
	var b strings.Builder
	for _, d := range v.State.Devices {
		where := "device " + d.Name
		conn := tr(lang, "not connected")
		if d.Connected {
			conn = "⇄ " + d.Host
		}
		b.WriteString(th.tag(colorOf(d.Name).Bold(true)) + tview.Escape(d.Name+" · "+strings.ToUpper(d.Protocol)) + reset +
			"  " + th.tag(th.Dim) + tview.Escape(conn) + reset + "\n")
		who := d.User
		if c := d.Client.In(lang); c != "" {
			who += " · " + c
		}
		b.WriteString(th.tag(th.Dim) + tview.Escape(who) + reset + "\n")
		var rows []msgRow
		for _, m := range d.Local {
			k, ok := delta[where+"/"+strconv.FormatUint(uint64(m.UID), 10)]
			r := msgRow{uid: m.UID, from: m.From, subject: m.Subject, size: m.Size, flags: m.Flags, mark: changeMark(k, ok)}
			if !m.Body {
				r.extra = "headers only"
			}
			rows = append(rows, r)
		}
		if v.Prev != nil {
			if pd, ok := v.Prev.Device(d.Name); ok {
				for _, m := range pd.Local {
					if delta[where+"/"+strconv.FormatUint(uint64(m.UID), 10)] == sim.Removed {
						rows = append(rows, msgRow{uid: m.UID, from: m.From, subject: m.Subject, size: m.Size, flags: m.Flags, mark: markGone})
					}
				}
			}
		}
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].uid < rows[j].uid })
		if len(rows) == 0 {
			b.WriteString(th.tag(th.Dim) + "  " + tview.Escape(tr(lang, "local copy")+": "+tr(lang, "empty")) + reset + "\n")
			continue
		}
		b.WriteString(th.tag(th.Dim) + tview.Escape(cols.header(lang)) + reset + "\n")
		for _, r := range rows {
			b.WriteString(cols.row(th, lang, r) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func count(lang string, n int) string {
	switch {
	case n == 0:
		return tr(lang, "empty")
	case n == 1 && lang != "vi":
		return "1 message"
	}
	return fmt.Sprintf("%d %s", n, tr(lang, "messages"))
}
