package widgets

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
	"github.com/rivo/uniseg"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/internal/i18n"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
)

// rowMark is how a message row is highlighted: what the step did to it
// (new, deleted, flags changed, marked for deletion, unmarked,
// downloaded), or, for a device's copy, that the server no longer has it.
type rowMark int

const (
	markNone rowMark = iota
	MarkNew
	markGone
	markFlags
	markDele
	markUnmarked
	markDown
	markOnly // a device's copy of a message the server no longer holds
)

func (m rowMark) sign() string {
	return [...]string{" ", "+", "−", "~", "×", "↺", "↓", "◌"}[m]
}

func (m rowMark) word() string {
	return [...]string{"", "new", "deleted", "flags changed", "marked for deletion", "unmarked", "downloaded", "only on this device"}[m]
}

// changed reports whether the mark is something the step did (markOnly is
// a standing state, not a change).
func (m rowMark) changed() bool { return m != markNone && m != markOnly }

func markStyle(th *Theme, m rowMark) tcell.Style {
	switch m {
	case MarkNew, markDown:
		return th.Added
	case markGone:
		return th.Removed
	case markFlags, markUnmarked:
		return th.Changed
	case markDele:
		return th.Marked
	case markOnly:
		return th.Dim
	}
	return th.Text
}

// changeKey is where a change happened: "example.com alice/INBOX" or
// "device laptop", and the message's UID.
type changeKey struct {
	where string
	uid   uint32
}

// deltaIndex maps where and UID to the change the last step made.
func deltaIndex(delta []events.Change) map[changeKey]events.ChangeKind {
	m := make(map[changeKey]events.ChangeKind, len(delta))
	for _, c := range delta {
		key := changeKey{c.Where, c.UID}
		if old, ok := m[key]; ok && (old == events.Added || old == events.Removed) {
			continue // new and flagged in the same step: still new
		}
		m[key] = c.Kind
	}
	return m
}

func changeMark(k events.ChangeKind, ok bool) rowMark {
	if !ok {
		return markNone
	}
	switch k {
	case events.Added:
		return MarkNew
	case events.Removed:
		return markGone
	case events.FlagsChanged:
		return markFlags
	case events.Marked:
		return markDele
	case events.Unmarked:
		return markUnmarked
	case events.Downloaded:
		return markDown
	}
	return markNone
}

// MsgRow is one row of a mailbox or a local copy.
type MsgRow struct {
	seq     int // 0: none (a deleted row, a local copy)
	UID     uint32
	from    string
	subject string
	size    int
	flags   []string
	Mark    rowMark
	extra   string // "headers only"
}

// columns lays out message rows for a width.
type columns struct {
	seq, uid, from, subject, size, flags, status int
	short                                        bool // flags as letters
	width                                        int  // the whole row's
}

// clip cuts a row that the columns' minimums made wider than the width.
func (c columns) clip(s string) string {
	s = strings.TrimRight(s, " ")
	if uniseg.StringWidth(s) <= c.width {
		return s
	}
	return CutGraphemes(s, c.width-1) + "…"
}

// layout fits the columns of rows to a width. From and Subject grow with
// the width up to what the rows hold; flags turn into letters and the
// status word goes when the width is short.
func layout(width int, withSeq bool, rows ...MsgRow) columns {
	c := columns{uid: 4, size: 6, width: width}
	if withSeq {
		c.seq = 3
	}
	var fromW, subjW, flagsW, statusW, longFlagsW int
	for _, r := range rows {
		c.uid = max(c.uid, len(strconv.FormatUint(uint64(r.UID), 10)))
		if withSeq {
			c.seq = max(c.seq, len(strconv.Itoa(r.seq)))
		}
		fromW = max(fromW, uniseg.StringWidth(r.from))
		subjW = max(subjW, uniseg.StringWidth(r.subject))
		flagsW = max(flagsW, len(flagText(r.flags, true)))
		longFlagsW = max(longFlagsW, uniseg.StringWidth(flagText(r.flags, false)))
		statusW = max(statusW, uniseg.StringWidth(r.Mark.word()), uniseg.StringWidth(r.extra))
	}
	if len(rows) == 0 {
		fromW, subjW, flagsW, longFlagsW = 10, 20, 5, 5
	}
	fixed := 2 + c.uid + 1 // mark, seq, uid
	if withSeq {
		fixed += c.seq + 1
	}
	c.short = true
	c.flags = max(5, flagsW)
	switch {
	case width >= 100:
		c.status = min(max(statusW, 0), 22)
		if longFlagsW <= 24 {
			c.short, c.flags = false, max(5, longFlagsW)
		}
	case width >= 64:
		c.status = 0
	default:
		c.size = 0
	}
	rest := width - fixed - c.flags
	if c.status > 0 {
		rest -= c.status + 1
	}
	if c.size > 0 {
		rest -= c.size + 1
	}
	if width >= 64 {
		rest-- // the space after From
		switch {
		case fromW+subjW+1 <= rest:
			c.from, c.subject = max(fromW, 4), max(subjW, 7)+1
		case rest*2/5 >= fromW:
			c.from, c.subject = fromW, rest-fromW
		case rest-rest*2/5 >= subjW:
			c.subject, c.from = subjW, rest-subjW
		default:
			c.from = max(8, rest*2/5)
			c.subject = max(8, rest-c.from)
		}
		c.subject--
	} else {
		c.subject = max(6, min(rest-1, max(subjW, 7)))
	}
	return c
}

func (c columns) header(lang string) string {
	var b strings.Builder
	b.WriteString("  ")
	if c.seq > 0 {
		b.WriteString(Right("#", c.seq) + " ")
	}
	b.WriteString(Right("UID", c.uid) + " ")
	if c.from > 0 {
		b.WriteString(FitWord(i18n.Word(lang, "From"), c.from) + " ")
	}
	b.WriteString(FitWord(i18n.Word(lang, "Subject"), c.subject) + " ")
	if c.size > 0 {
		b.WriteString(Right(FitWord(i18n.Word(lang, "Size"), c.size), c.size) + " ")
	}
	b.WriteString(FitWord(i18n.Word(lang, "Flags"), c.flags))
	return c.clip(b.String())
}

func (c columns) row(th *Theme, lang string, m MsgRow) string {
	var b strings.Builder
	b.WriteString(m.Mark.sign() + " ")
	if c.seq > 0 {
		s := ""
		if m.seq > 0 {
			s = strconv.Itoa(m.seq)
		}
		b.WriteString(Right(s, c.seq) + " ")
	}
	b.WriteString(Right(strconv.FormatUint(uint64(m.UID), 10), c.uid) + " ")
	if c.from > 0 {
		b.WriteString(FitWord(m.from, c.from) + " ")
	}
	b.WriteString(FitWord(m.subject, c.subject) + " ")
	if c.size > 0 {
		b.WriteString(Right(strconv.Itoa(m.size), c.size) + " ")
	}
	b.WriteString(FitWord(flagText(m.flags, c.short), c.flags))
	if c.status > 0 {
		w := m.Mark.word()
		if m.extra != "" && (w == "" || m.Mark == markOnly) {
			w = m.extra
		}
		b.WriteString(" " + FitWord(i18n.Word(lang, w), c.status))
	}
	return th.Tag(markStyle(th, m.Mark)) + tview.Escape(c.clip(b.String())) + Reset
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

// stateBlock is one mailbox of the server, or one device, as the state
// panes show it: head lines that always show (what it is and how many
// messages it holds), a detail line shown when there is room, and its
// message rows: all of them when there is room, else only those the step
// changed.
type stateBlock struct {
	head   [][]Seg
	conn   string // a device's connection: after the head when it fits, else first in the detail
	detail []Seg  // nil for none
	rows   []MsgRow
	seq    bool   // rows carry sequence numbers (server mailboxes)
	empty  []Seg  // shown for no rows ("local copy: empty")
	name   string // the device's name, or "user/mailbox@domain"
	count  int    // messages it holds now
	server bool
	fold   *folded // the rows shown, worked out on first use
}

// StateModel is what the state panes show at a step, before it is laid
// out: the server's mailboxes and the devices.
type StateModel struct {
	server  []stateBlock
	Devices []stateBlock
	NoState string // plain text shown instead of a state (the servers are starting), wrapped to the pane
}

// BuildState turns a View into blocks.
func BuildState(th *Theme, lang string, v model.View, colorOf func(string) tcell.Style) StateModel {
	if v.State == nil {
		return StateModel{NoState: i18n.Word(lang, "Starting the servers…")}
	}
	delta := deltaIndex(v.Delta)
	var m StateModel
	withUsers := 0
	for _, p := range v.State.Providers {
		if p.Snapshot != nil && len(p.Snapshot.Users) > 0 {
			withUsers++
		}
	}
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
					if r.Mark == markDele {
						marked++
					}
				}
				name := fmt.Sprintf("%s/%s", u.Name, mb.Name)
				b := stateBlock{name: name, count: len(mb.Messages), rows: rows, seq: true, server: true}
				b.head = append(b.head, []Seg{{Style: th.Title, Text: name + ": " + Count(lang, len(mb.Messages))}, {Style: th.Dim, Text: " · " + p.Domain}})
				if marked > 0 {
					b.head = append(b.head, []Seg{{Style: th.Marked, Text: fmt.Sprintf("× %d %s %s", marked, i18n.Word(lang, "marked for deletion"), i18n.Word(lang, "(removed at QUIT)"))}})
				}
				m.server = append(m.server, b)
			}
		}
	}
	for _, d := range v.State.Devices {
		m.Devices = append(m.Devices, deviceBlock(th, lang, v, d, delta, colorOf))
	}
	return m
}

// deviceBlock is a device's head (name, protocol, what it holds, where it
// is connected) and its local copies.
func deviceBlock(th *Theme, lang string, v model.View, d events.DeviceState, delta map[changeKey]events.ChangeKind, colorOf func(string) tcell.Style) stateBlock {
	where := "device " + d.Name
	held := "local"
	if d.Protocol == "imap" {
		held = "cached"
	}
	conn := i18n.Word(lang, "not connected")
	if d.Connected {
		conn = "⇄ " + d.Host
	}
	head := []Seg{{Style: colorOf(d.Name).Bold(true), Text: d.Name}, {Style: th.Text, Text: " · " + i18n.Wordf(lang, "%d "+held, len(d.Local))},
		{Style: colorOf(d.Name), Text: " · " + strings.ToUpper(d.Protocol)}}
	who := d.User
	if c := d.Client.In(lang); c != "" {
		who += " · " + c
	}
	onServer := serverUIDs(v.State, d)
	var rows []MsgRow
	for _, m := range d.Local {
		k, ok := delta[changeKey{where, m.UID}]
		r := MsgRow{UID: m.UID, from: m.From, subject: m.Subject, size: m.Size, flags: m.Flags, Mark: changeMark(k, ok)}
		if r.Mark == MarkNew && d.Protocol == "pop3" {
			r.Mark = markDown // a POP3 client's new copy is one it downloaded
		}
		if !m.Body && d.Protocol != "imap" {
			r.extra = "headers only"
		}
		if onServer != nil && !onServer[m.UID] {
			if r.Mark == markNone {
				r.Mark = markOnly
			}
			r.extra = "only on this device"
		}
		rows = append(rows, r)
	}
	if v.Prev != nil {
		if pd, ok := v.Prev.Device(d.Name); ok {
			for _, m := range pd.Local {
				if delta[changeKey{where, m.UID}] == events.Removed {
					rows = append(rows, MsgRow{UID: m.UID, from: m.From, subject: m.Subject, size: m.Size, flags: m.Flags, Mark: markGone})
				}
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].UID < rows[j].UID })
	heads := [][]Seg{head}
	if d.Sent+d.Received > 0 {
		// What its connections moved, and that on a modelled link
		// (events.LinkTime): the cost of what it holds.
		heads = append(heads, []Seg{{Style: th.Dim, Text: i18n.Wordf(lang, "%s at 10 Mbit/s: ↓ %s ↑ %s",
			events.Seconds(events.LinkTime(d.Sent+d.Received)), events.Octets(d.Received), events.Octets(d.Sent))}})
	}
	return stateBlock{name: d.Name, count: len(d.Local), head: heads, conn: conn,
		detail: []Seg{{Style: th.Dim, Text: who}}, rows: rows,
		empty: []Seg{{Style: th.Dim, Text: "  " + i18n.Word(lang, "local copy") + ": " + i18n.Word(lang, "empty")}}}
}

// serverUIDs is the set of UIDs the server holds in the mailbox a device
// mirrors (its user's INBOX for POP3), nil when it cannot tell (another
// provider's account, a mailbox the state does not have).
func serverUIDs(st *events.State, d events.DeviceState) map[uint32]bool {
	user, domain, ok := strings.Cut(d.User, "@")
	if !ok || len(d.Local) == 0 {
		return nil
	}
	p, ok := st.Provider(domain)
	if !ok || p.Snapshot == nil {
		return nil
	}
	mbName := "INBOX"
	for _, m := range d.Local {
		if m.Account != "" && m.Account != d.User {
			return nil // a device with several accounts: no one mailbox to compare with
		}
		if m.Mailbox != "" {
			mbName = m.Mailbox
		}
	}
	mb, ok := p.Snapshot.Mailbox(user, mbName)
	if !ok {
		return nil
	}
	set := make(map[uint32]bool, len(mb.Messages))
	for _, m := range mb.Messages {
		set[m.UID] = true
	}
	return set
}

// render writes a block's lines for a width: in full (detail, column
// header, every row, folded when long) or compact (the rows the step
// changed only).
func (b *stateBlock) render(th *Theme, lang string, width int, full bool) []string {
	var out []string
	detail := b.detail
	for i, h := range b.head {
		if i == 0 && b.conn != "" {
			with := append(append([]Seg(nil), h...), Seg{Style: th.Dim, Text: " · " + b.conn})
			if SegsWidth(with) <= width || !full {
				h = with
			} else {
				detail = append([]Seg{{Style: th.Dim, Text: b.conn + " · "}}, detail...)
			}
		}
		out = append(out, SegLine(th, width, h...))
	}
	if full && detail != nil {
		out = append(out, SegLine(th, width, detail...))
	}
	if len(b.rows) == 0 && full && b.empty != nil {
		return append(out, SegLine(th, width, b.empty...))
	}
	shown, gaps := b.shown(full)
	if len(shown) == 0 {
		return out
	}
	cols := layout(width, b.seq, shown...) // the columns of the rows on screen, not of a 10,000-message mailbox
	if full {
		out = append(out, SegLine(th, width, Seg{Style: th.Dim, Text: cols.header(lang)}))
	}
	for i, r := range shown {
		if n := gaps[i]; n > 0 {
			out = append(out, SegLine(th, width, Seg{Style: th.Dim, Text: i18n.Wordf(lang, "… %d more messages", n)}))
		}
		out = append(out, cols.row(th, lang, r))
	}
	if n := gaps[len(shown)]; n > 0 {
		out = append(out, SegLine(th, width, Seg{Style: th.Dim, Text: i18n.Wordf(lang, "… %d more messages", n)}))
	}
	return out
}

// shown is the rows a block shows, folded, and the gaps between them (as
// foldRows): all of them in full, else those the step changed. It is
// worked out once per block.
func (b *stateBlock) shown(full bool) ([]MsgRow, []int) {
	if b.fold == nil {
		var changed []MsgRow
		for _, r := range b.rows {
			if r.Mark.changed() {
				changed = append(changed, r)
			}
		}
		b.fold = &folded{}
		b.fold.full, b.fold.fullGaps = FoldRows(b.rows)
		b.fold.changed, b.fold.changedGaps = FoldRows(changed)
		if len(changed) > MaxMailboxRows {
			// A step that changed a whole big mailbox (a POP3 client
			// downloading 10,000 messages): compact shows its ends, so
			// that the blocks below keep their heads on screen.
			b.fold.changed, b.fold.changedGaps = foldEnds(changed)
		}
	}
	if full {
		return b.fold.full, b.fold.fullGaps
	}
	return b.fold.changed, b.fold.changedGaps
}

// folded is a block's rows as shown, in full and compact.
type folded struct {
	full, changed         []MsgRow
	fullGaps, changedGaps []int
}

// renderBlocks writes blocks one under the other.
func renderBlocks(th *Theme, lang string, blocks []stateBlock, width int, full bool) []string {
	var out []string
	for i := range blocks {
		out = append(out, blocks[i].render(th, lang, width, full)...)
	}
	return out
}

// renderColumns writes blocks side by side in n columns of equal width,
// a gap of two cells between them; it reports the lines, or false when a
// column would be too narrow.
func renderColumns(th *Theme, lang string, blocks []stateBlock, width, n int, full bool) ([]string, bool) {
	const gap = 2
	if n < 2 || len(blocks) < 2 {
		return nil, false
	}
	n = min(n, len(blocks))
	colW := (width - gap*(n-1)) / n
	if colW < minColumnWidth {
		return nil, false
	}
	cols := make([][]string, n)
	for i := range blocks {
		cols[i%n] = append(cols[i%n], blocks[i].render(th, lang, colW, full)...)
	}
	rows := 0
	for _, c := range cols {
		rows = max(rows, len(c))
	}
	out := make([]string, rows)
	for y := range rows {
		var b strings.Builder
		for x, c := range cols {
			line := ""
			if y < len(c) {
				line = c[y]
			}
			b.WriteString(line)
			if x < n-1 {
				b.WriteString(strings.Repeat(" ", max(0, colW-tview.TaggedStringWidth(line))+gap))
			}
		}
		out[y] = b.String()
	}
	return out, true
}

// minColumnWidth is the narrowest a column of devices side by side gets.
const minColumnWidth = 40

// legend is the one line that explains the marks and flag letters the
// lines use, for the bottom border of the state column; "" when they use
// none.
func legend(th *Theme, lang string, m StateModel, width int, serverFull, devFull bool) string {
	used := map[rowMark]bool{}
	letters := map[string]bool{}
	for i, bs := range [][]stateBlock{m.server, m.Devices} {
		full := i == 0 && serverFull || i == 1 && devFull
		for j := range bs {
			rows, _ := bs[j].shown(full)
			for _, r := range rows {
				used[r.Mark] = true
				for _, f := range r.flags {
					letters[f] = true
				}
			}
		}
	}
	var parts []string
	for mk := MarkNew; mk <= markOnly; mk++ {
		if used[mk] {
			parts = append(parts, th.Tag(markStyle(th, mk))+tview.Escape(mk.sign()+" "+i18n.Word(lang, mk.word()))+Reset)
		}
	}
	if width < 100 {
		var fl []string
		for f := range letters {
			if l := flagText([]string{f}, true); l != "" {
				fl = append(fl, l+"="+f)
			}
		}
		sort.Strings(fl)
		for _, f := range fl {
			parts = append(parts, th.Tag(th.Dim)+tview.Escape(f)+Reset)
		}
	}
	var b strings.Builder
	used2 := 0
	for _, p := range parts {
		w := tview.TaggedStringWidth(p)
		if used2 > 0 {
			w += 2
		}
		if used2+w > width {
			if used2+1 <= width {
				b.WriteString(th.Tag(th.Dim) + "…" + Reset)
			}
			break
		}
		if used2 > 0 {
			b.WriteString("  ")
		}
		b.WriteString(p)
		used2 += w
	}
	return b.String()
}

// stateFit is the state panes laid out for a size: each pane's lines.
type stateFit struct {
	Server, Devices []string
	Legend          string
	level           string // which of the layouts was chosen, for tests
}

// FitState lays the state out in a column of width w and h rows, inner
// rows of the two panes together (their borders are not counted). It
// tries everything; devices side by side; the devices compact; the
// server compact; both compact (a count line per mailbox and device, and
// the rows the step changed). Of those that fit, the one showing the most
// lines wins, the earlier on a tie; when none does, the compact one is
// used and the panes scroll.
func FitState(th *Theme, lang string, m StateModel, w, h int) stateFit {
	if m.NoState != "" {
		return stateFit{Server: noStateLines(th, m.NoState, w), level: "none"}
	}
	type try struct {
		name                string
		serverFull, devFull bool
		devCols             bool
	}
	tries := []try{
		{"full", true, true, false},
		{"full, devices side by side", true, true, true},
		{"devices compact", true, false, false},
		{"server compact", false, true, false},
		{"server compact, devices side by side", false, true, true},
		{"compact", false, false, false},
		{"compact, devices side by side", false, false, true},
	}
	var last, best stateFit
	bestLines := -1
	for _, t := range tries {
		f := stateFit{Legend: legend(th, lang, m, w-2, t.serverFull, t.devFull), level: t.name}
		f.Server = renderBlocks(th, lang, m.server, w, t.serverFull)
		if t.devCols {
			lines, ok := renderColumns(th, lang, m.Devices, w, w/minColumnWidth, t.devFull)
			if !ok {
				continue
			}
			f.Devices = lines
		} else {
			f.Devices = renderBlocks(th, lang, m.Devices, w, t.devFull)
		}
		if t.name == "compact" {
			last = f
		}
		// Of the layouts that fit, the one that shows the most rows.
		if n := len(f.Server) + len(f.Devices); n <= h && n > bestLines {
			best, bestLines = f, n
		}
	}
	if bestLines >= 0 {
		return best
	}
	last.level = "compact, scrolling"
	return last
}

// noStateLines is the text shown instead of a state, dim, wrapped to w.
func noStateLines(th *Theme, text string, w int) []string {
	var out []string
	for _, ln := range Wrap(text, max(w, 8)) {
		out = append(out, th.Tag(th.Dim)+tview.Escape(ln)+Reset)
	}
	return out
}

// RenderServer writes every mailbox of every provider that has users, in
// full (the classroom live view's server pane).
func RenderServer(th *Theme, lang string, v model.View, width int) string {
	m := BuildState(th, lang, v, func(string) tcell.Style { return th.Text })
	if m.NoState != "" {
		return strings.Join(noStateLines(th, m.NoState, width), "\n")
	}
	return strings.Join(renderBlocks(th, lang, m.server, width, true), "\n")
}

// mailboxRows lists a mailbox's messages with their marks, and the ones the
// last step deleted (from the previous state), in UID order.
func mailboxRows(v model.View, p events.ProviderState, user string, mb mailstore.MailboxSnapshot, where string, delta map[changeKey]events.ChangeKind) []MsgRow {
	rows := make([]MsgRow, 0, len(mb.Messages))
	for i, m := range mb.Messages {
		k, ok := delta[changeKey{where, m.UID}]
		r := MsgRow{seq: i + 1, UID: m.UID, from: m.From, subject: m.Subject, size: m.Size(), flags: m.Flags, Mark: changeMark(k, ok)}
		if len(p.Marked) > 0 && p.Marked[events.MarkKey(user, m.UID)] {
			r.Mark = markDele
		}
		rows = append(rows, r)
	}
	if v.Prev != nil {
		if pp, ok := v.Prev.Provider(p.Domain); ok && pp.Snapshot != nil {
			if old, ok := pp.Snapshot.Mailbox(user, mb.Name); ok {
				for _, m := range old.Messages {
					if delta[changeKey{where, m.UID}] == events.Removed && !hasUID(mb.Messages, m.UID) {
						rows = append(rows, MsgRow{UID: m.UID, from: m.From, subject: m.Subject, size: m.Size(), flags: m.Flags, Mark: markGone})
					}
				}
			}
		}
	}
	if len(rows) > len(mb.Messages) { // deleted rows were added at the end
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].UID < rows[j].UID })
	}
	return rows
}

// MaxMailboxRows is how many rows a mailbox shows before it folds: a
// 10,000-message mailbox shows its first and last messages and the ones the
// last step changed, not 10,000 lines.
const MaxMailboxRows = 30

// FoldRows picks the rows to show and, for each, how many were skipped
// before it; gaps[len(shown)] counts those skipped after the last one.
func FoldRows(rows []MsgRow) (shown []MsgRow, gaps []int) {
	if len(rows) <= MaxMailboxRows {
		return rows, make([]int, len(rows)+1)
	}
	keep := func(i int) bool { return i < 3 || i >= len(rows)-2 || rows[i].Mark.changed() }
	skipped := 0
	for i, r := range rows {
		if !keep(i) || len(shown) >= MaxMailboxRows && i < len(rows)-2 {
			skipped++
			continue
		}
		shown = append(shown, r)
		gaps = append(gaps, skipped)
		skipped = 0
	}
	return shown, append(gaps, skipped)
}

// foldEnds keeps the first two rows and the last one, with the gap
// between them (as foldRows gives gaps): four lines, whatever the count.
func foldEnds(rows []MsgRow) (shown []MsgRow, gaps []int) {
	if len(rows) <= 3 {
		return rows, make([]int, len(rows)+1)
	}
	shown = append(append(shown, rows[:2]...), rows[len(rows)-1])
	return shown, []int{0, 0, len(rows) - 3, 0}
}

func hasUID(list []*mailstore.Message, uid uint32) bool {
	for _, m := range list {
		if m.UID == uid {
			return true
		}
	}
	return false
}

func Count(lang string, n int) string {
	switch {
	case n == 0:
		return i18n.Word(lang, "empty")
	case n == 1:
		return i18n.Word(lang, "1 message")
	}
	return i18n.Wordf(lang, "%d messages", n)
}
