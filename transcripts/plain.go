package transcripts

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// PlainOptions configure the plain-text printer.
type PlainOptions struct {
	Lang       string // language of the texts; "" = English
	Timestamps bool   // print each wire line's time
	// Eavesdropper prints what crossed the network (TLS records as opaque
	// summaries) instead of what the endpoints read inside TLS.
	Eavesdropper bool
	// BlockLines is how many lines of a multi-line body to print before
	// folding the rest (a rest of up to 3 lines is printed too); 0 means 6.
	BlockLines int
}

// Plain prints events as an annotated transcript.
type Plain struct {
	w   io.Writer
	o   PlainOptions
	h   Heading
	err error
	// eaves holds, per connection a lesson shows as an eavesdropper sees it,
	// the TLS records not printed yet.
	eaves map[uint64]*eavesdropped
	// glossed is, per connection, the glossary key explained under its
	// last line: a run of lines with one meaning (fifty "* n FETCH" lines)
	// is explained under the first only, within a step.
	glossed map[uint64]string
}

// NewPlain returns a printer for the events of what h heads (a lesson
// being run, or a saved transcript). o.Lang "" means h's language.
func NewPlain(w io.Writer, h Heading, o PlainOptions) *Plain {
	if o.Lang == "" {
		o.Lang = h.Language
	}
	if o.Lang == "" {
		o.Lang = i18n.Fallback
	}
	if o.BlockLines == 0 {
		o.BlockLines = 6
	}
	return &Plain{w: w, o: o, h: h, eaves: map[uint64]*eavesdropped{}, glossed: map[uint64]string{}}
}

// Err is the first write error, if any.
func (p *Plain) Err() error { return p.err }

// printf is the printer's one way out: what it prints came from the
// network or from files, so control characters are made visible.
func (p *Plain) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = io.WriteString(p.w, textsafe.Visible(fmt.Sprintf(format, args...)))
	}
}

func (p *Plain) tr(t i18n.Text) string { return strings.TrimSpace(t.In(p.o.Lang)) }

// word and wordf give the printer's own words in the transcript's language
// (internal/i18n/words.yaml); the English is the key, so it prints as written.
func (p *Plain) word(s string) string { return i18n.Word(p.o.Lang, s) }

func (p *Plain) wordf(format string, args ...any) string {
	return i18n.Wordf(p.o.Lang, format, args...)
}

// Event prints one event.
func (p *Plain) Event(e events.Event) {
	switch e.Kind {
	case events.EventStep, events.EventState, events.EventEnd:
		p.flushEavesdropped(0)
	case events.EventClose:
		p.flushEavesdropped(e.Conn)
	}
	switch e.Kind {
	case events.EventStart:
		p.printf("mailsim · %s — %s\n", p.h.ID, p.tr(p.h.Title))
		if s := p.tr(p.h.Summary); s != "" {
			p.printf("%s\n", s)
		}
		p.printf("\n%s\n", p.word("At the start:"))
		p.state(e.State, true)
	case events.EventStep:
		clear(p.glossed) // a step reads on its own: its first line of a run is explained again
		title := p.tr(e.Title)
		if title != "" {
			title = " · " + title
		}
		p.printf("\n%s\n", p.wordf("Step %d/%d%s", e.Step+1, p.h.Steps, title))
		if s := p.tr(e.Say); s != "" {
			for _, l := range strings.Split(s, "\n") {
				p.printf("  │ %s\n", l)
			}
		}
	case events.EventConnect:
		p.printf("  %s ⇄ %s (%s, %s)\n", e.Actor, e.Host, strings.ToUpper(string(e.Protocol)), p.word(tlsNote(e.Role)))
		if e.Eavesdrop && !p.o.Eavesdropper {
			p.eaves[e.Conn] = &eavesdropped{prefix: "  " + strings.Repeat(" ", len([]rune(p.stamp(e)))+len([]rune(fmt.Sprintf("%-8s C: ", e.Actor))))}
			p.printf("    %s\n", p.word(`(an eavesdropper listens: plain text crosses as it is shown; "wire" lines show what crosses inside TLS)`))
		}
	case events.EventClose:
		p.printf("  %s ✕ %s: %s\n", e.Actor, e.Host, p.tr(e.Text))
		delete(p.eaves, e.Conn)
	case events.EventWire:
		p.wire(e)
	case events.EventCheck:
		mark := "✓"
		if !e.OK {
			mark = "✗"
		}
		p.printf("  %s %s\n", mark, p.tr(e.Text))
	case events.EventFail:
		p.printf("  ✗ %s\n", p.tr(e.Text))
	case events.EventQuiz:
		p.quiz(e.Quiz)
	case events.EventState:
		p.delta(e.Delta)
		if len(e.Delta) > 0 && hasIMAPDevice(e.State) {
			p.now(e.State)
		}
	case events.EventEnd:
		if p.h.Recording { // nothing was checked: it only ends
			p.printf("\n%s\n", p.tr(e.Text))
			break
		}
		p.printf("\n%s\n", p.wordf("Result: %s — %s", p.word(map[bool]string{true: "passed", false: "FAILED"}[e.OK]), p.tr(e.Text)))
	}
}

func tlsNote(r roles.Role) string {
	if r.ImplicitTLS() {
		return "TLS from the first byte"
	}
	return "plain text"
}

func (p *Plain) stamp(e events.Event) string {
	if p.o.Timestamps {
		return e.Time.Format("15:04:05.000") + " "
	}
	return ""
}

func (p *Plain) wire(e events.Event) {
	u := e.Unit
	if ev := p.eaves[e.Conn]; ev != nil {
		if u.Layer == wire.Cipher {
			ev.add(e)
			return
		}
		// A line: what crossed for the lines before it, the other way, is
		// complete (a reply is read whole before the next command is sent,
		// and a command is written before its reply is read).
		ev.flushHandshake(p)
		ev.flush(p, 1-u.Dir)
	}
	switch {
	case u.Layer == wire.Cipher && !p.o.Eavesdropper:
		return
	case u.Layer == wire.Inner && p.o.Eavesdropper:
		return
	}
	stamp := p.stamp(e)
	prefix := fmt.Sprintf("  %s%-8s %s: ", stamp, e.Actor, u.Dir)
	indent := strings.Repeat(" ", len([]rune(prefix)))
	switch u.Kind {
	case wire.Block:
		lines := strings.Split(strings.TrimSuffix(u.Text, "\n"), "\n")
		p.printf("%s┌ %s\n", prefix, p.wordf("%d lines, %d octets", len(lines), u.Len))
		shown, more := cutBlock(lines, p.o.BlockLines)
		for _, l := range shown {
			p.printf("%s│ %s\n", indent, l)
		}
		if more > 0 {
			p.printf("%s└ %s\n", indent, p.wordf("… %d more lines", more))
		}
	default:
		p.printf("%s%s\n", prefix, u.Text)
	}
	last := p.glossed[e.Conn]
	delete(p.glossed, e.Conn)
	if n := p.tr(e.ShownNote()); n != "" {
		p.printf("%s↳ %s\n", indent, oneLine(n))
	} else if e.Gloss != nil {
		if p.glossed[e.Conn] = e.Gloss.Key; e.Gloss.Key != "" && e.Gloss.Key == last {
			return // the line above says what this one means
		}
		if g := p.tr(e.Gloss.Text); g != "" {
			ref := ""
			if e.Gloss.RFC != "" {
				ref = " [" + e.Gloss.RFC + "]"
			}
			p.printf("%s· %s%s\n", indent, oneLine(g), ref)
		}
	}
}

// eavesdropped collects the TLS records of a connection shown as an
// eavesdropper sees it, and prints them as "wire" lines after the lines
// they carried. How records are split across reads varies from run to run,
// so they are printed at points that do not depend on it: a direction's
// records when a line goes the other way, and all of them at the end of a
// step or of the connection. The handshake is summarised by record counts:
// its sizes depend on signatures, which vary.
type eavesdropped struct {
	prefix string   // indent of the wire lines
	hs     [2]int   // handshake records per direction
	recs   [2][]rec // application records per direction, not printed yet
}

type rec struct {
	what  string // "application data"
	bytes int
}

func (ev *eavesdropped) add(e events.Event) {
	u := e.Unit
	if e.Handshake {
		ev.hs[u.Dir]++
		return
	}
	what := strings.TrimPrefix(u.Text, "[TLS ")
	what, _, _ = strings.Cut(what, ",")
	// A TLS 1.3 close_notify alert travels as 19 bytes of "application
	// data". The server's one may or may not be read before the client
	// closes: it is left out, both ways, so that transcripts do not vary.
	if u.Len-5 == 19 && what == "application data" {
		return
	}
	ev.recs[u.Dir] = append(ev.recs[u.Dir], rec{what, u.Len - 5})
}

func (ev *eavesdropped) flushHandshake(p *Plain) {
	if ev.hs[0]+ev.hs[1] == 0 {
		return
	}
	p.printf("%s%s\n", ev.prefix, p.wordf(plural(ev.hs[0],
		"≋ wire: TLS handshake, %d record from the client and %d from the server; from here on only encrypted records cross",
		"≋ wire: TLS handshake, %d records from the client and %d from the server; from here on only encrypted records cross"),
		ev.hs[0], ev.hs[1]))
	ev.hs = [2]int{}
}

func (ev *eavesdropped) flush(p *Plain, d wire.Direction) {
	rs := ev.recs[d]
	if len(rs) == 0 {
		return
	}
	ev.recs[d] = nil
	total, same := 0, true
	for _, r := range rs {
		total += r.bytes
		same = same && r.what == rs[0].what
	}
	var text string
	switch {
	case len(rs) == 1:
		text = p.wordf("[TLS %s, %d bytes]", rs[0].what, total)
	case same:
		text = p.wordf("[TLS %s ×%d, %d bytes]", rs[0].what, len(rs), total)
	default:
		text = p.wordf("[TLS, %d records, %d bytes]", len(rs), total)
	}
	p.printf("%s≋ wire %s: %s\n", ev.prefix, d, text)
}

// flushEavesdropped prints what is left of one connection's records (id),
// or of every connection's (0), in connection order.
func (p *Plain) flushEavesdropped(id uint64) {
	ids := make([]uint64, 0, len(p.eaves))
	for c := range p.eaves {
		if id == 0 || c == id {
			ids = append(ids, c)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, c := range ids {
		ev := p.eaves[c]
		ev.flushHandshake(p)
		ev.flush(p, wire.ClientToServer)
		ev.flush(p, wire.ServerToClient)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (p *Plain) quiz(q *lessons.QuizSpec) {
	if q == nil {
		return
	}
	p.printf("  ? %s\n", p.tr(q.Question))
	for i, c := range q.Choices {
		mark := " "
		if c.Correct {
			mark = "*"
		}
		p.printf("    %s %c) %s\n", mark, 'a'+i, p.tr(c.Text))
	}
	if ex := p.tr(q.Explain); ex != "" {
		p.printf("    → %s\n", oneLine(ex))
	}
}

func (p *Plain) delta(changes []events.Change) {
	if len(changes) == 0 {
		return
	}
	p.printf("  %s\n", p.word("what changed:"))
	for _, l := range changeLines(changes, p.o.Lang) {
		p.printf("    %s\n", l)
	}
}

// changeLines are the lines of a step's changes; a long run of changes of
// one kind in one place (a device downloading 10,000 messages) is folded.
func changeLines(changes []events.Change, lang string) []string {
	var out []string
	for start := 0; start < len(changes); {
		end := start + 1
		for end < len(changes) && changes[end].Kind == changes[start].Kind && changes[end].Where == changes[start].Where {
			end++
		}
		run := changes[start:end]
		for i, c := range run {
			skip, count := foldedOut(i, len(run))
			if count > 0 {
				out = append(out, i18n.Wordf(lang, "… %d more changes like these", count))
			}
			if !skip {
				out = append(out, changeLine(c, lang))
			}
		}
		start = end
	}
	return out
}

// state prints every mailbox of the lesson's users and every device.
func (p *Plain) state(s *events.State, full bool) {
	if s == nil {
		return
	}
	for _, ps := range s.Providers {
		for _, u := range ps.Snapshot.Users {
			for _, mb := range u.Mailboxes {
				p.printf("  %s\n", p.wordf("server %s %s/%s: %s", ps.Domain, u.Name, mb.Name, p.countOf(len(mb.Messages))))
				if full {
					for i, m := range mb.Messages {
						if p.folded(i, len(mb.Messages), "… %d more messages") {
							continue
						}
						mark := ""
						if ps.Marked[events.MarkKey(u.Name, m.UID)] {
							mark = "  (" + p.word("marked for deletion") + ")"
						}
						p.printf("    UID %-3d %-28.28s %-32.32q %6d B %s%s\n", m.UID, m.From, m.Subject, m.Size(), flagList(m.Flags), mark)
					}
				}
			}
		}
	}
	for _, d := range s.Devices {
		if d.Protocol == "imap" {
			p.imapDevice(d, full)
			continue
		}
		p.printf("  %s\n", p.wordf("device %s (%s, %s): %s local", d.Name, p.tr(d.Client), strings.ToUpper(d.Protocol), p.countOf(len(d.Local))))
		if full {
			for i, m := range d.Local {
				if p.folded(i, len(d.Local), "… %d more messages") {
					continue
				}
				p.printf("    UID %-3d %-28.28s %-32.32q %6d B\n", m.UID, m.From, m.Subject, m.Size)
			}
		}
	}
}

// A list of more than foldOver messages (or changes) is printed as its
// first foldHead and last foldTail: a 10,000-message mailbox stays
// readable.
const foldOver, foldHead, foldTail = 20, 3, 2

// foldedOut reports whether item i of a list of n is left out when the
// list is folded, and, at the first item left out, how many are.
func foldedOut(i, n int) (out bool, count int) {
	skip := n - foldHead - foldTail
	if n <= foldOver || i < foldHead || i >= foldHead+skip {
		return false, 0
	}
	if i == foldHead {
		return true, skip
	}
	return true, 0
}

// folded is foldedOut that prints, at the first item left out, the
// format (a "… %d more" line) with their count.
func (p *Plain) folded(i, n int, format string) bool {
	out, count := foldedOut(i, n)
	if count > 0 {
		p.printf("    %s\n", p.wordf(format, count))
	}
	return out
}

// imapDevice prints an IMAP device's cache: a mirror of the server's
// mailboxes, with what of each message it has downloaded.
func (p *Plain) imapDevice(d events.DeviceState, full bool) {
	p.printf("  %s\n", p.wordf("device %s (%s, IMAP): cache %s", d.Name, p.tr(d.Client), p.countOf(len(d.Local))))
	if !full {
		return
	}
	for i, m := range d.Local {
		if p.folded(i, len(d.Local), "… %d more messages") {
			continue
		}
		got := p.parts(m.Parts)
		if got == "" {
			got = p.word("summary only")
		}
		p.printf("    %s UID %-3d %-28.28s %-32.32q %6d B %s; %s\n",
			m.Mailbox, m.UID, m.From, m.Subject, m.Size, flagList(m.Flags), p.wordf("%s, %d B downloaded", got, m.Bytes))
	}
}

// hasIMAPDevice reports whether a lesson has an IMAP device, whose cache
// mirrors the server: the printer then sums up both after each change.
func hasIMAPDevice(s *events.State) bool {
	if s == nil {
		return false
	}
	for _, d := range s.Devices {
		if d.Protocol == "imap" {
			return true
		}
	}
	return false
}

// now sums up the state in one line: every user's INBOX (and any other
// mailbox holding mail) on the server, and every device's copy.
func (p *Plain) now(s *events.State) {
	var parts []string
	names := map[string]int{} // a user name at more than one provider gets its domain
	for _, ps := range s.Providers {
		for _, u := range ps.Snapshot.Users {
			names[u.Name]++
		}
	}
	for _, ps := range s.Providers {
		for _, u := range ps.Snapshot.Users {
			who := u.Name
			if names[u.Name] > 1 {
				who += "@" + ps.Domain
			}
			for _, mb := range u.Mailboxes {
				if mb.Name == "INBOX" || len(mb.Messages) > 0 {
					parts = append(parts, p.wordf("server %s/%s %s", who, mb.Name, p.countOf(len(mb.Messages))))
				}
			}
		}
	}
	for _, d := range s.Devices {
		what := "local"
		if d.Protocol == "imap" {
			what = "cached"
		}
		n := p.word("nothing")
		if len(d.Local) > 0 {
			n = p.countOf(len(d.Local))
		}
		parts = append(parts, fmt.Sprintf("%s: %s %s", d.Name, n, p.word(what)))
	}
	p.printf("  %s\n", p.wordf("now: %s", strings.Join(parts, " · ")))
}

// Final prints the state at the end of the run in full.
func (p *Plain) Final(s *events.State) {
	p.printf("\n%s\n", p.word("At the end:"))
	p.state(s, true)
}

func (p *Plain) countOf(n int) string {
	switch n {
	case 0:
		return p.word("empty")
	case 1:
		return p.word("1 message")
	}
	return p.wordf("%d messages", n)
}

// parts gives what of a message an IMAP device holds ("headers, part 2
// (a slice)", as the simulator labels it) in the transcript's language.
func (p *Plain) parts(s string) string { return partsIn(p.o.Lang, s) }

func partsIn(lang, s string) string {
	if s == "" || lang == i18n.Fallback || lang == "" {
		return s
	}
	labels := strings.Split(s, ", ")
	for i, l := range labels {
		l, slice := strings.CutSuffix(l, " (a slice)")
		switch f := strings.Fields(l); {
		case len(f) == 2 && f[0] == "part":
			l = i18n.Wordf(lang, "part %s", f[1])
		case len(f) == 3 && f[0] == "part":
			l = i18n.Wordf(lang, "part %s "+f[2], f[1])
		default:
			l = i18n.Word(lang, l)
		}
		if slice {
			l = i18n.Wordf(lang, "%s (a slice)", l)
		}
		labels[i] = l
	}
	return strings.Join(labels, ", ")
}

// detailIn is a Downloaded change's detail, "part 1 (+212 B)", in lang.
func detailIn(lang, s string) string {
	i := strings.LastIndex(s, " (+")
	if i < 0 {
		return partsIn(lang, s)
	}
	return partsIn(lang, s[:i]) + s[i:]
}

func flagList(flags []string) string {
	if len(flags) == 0 {
		return "()"
	}
	return "(" + strings.Join(flags, " ") + ")"
}

// cutBlock returns the first max lines of a block and how many it left
// out. A few more lines (up to 3) are shown rather than hidden behind a
// "… n more lines" line: a note often speaks of a message's last lines (a
// dot-stuffed line, a signature), and hiding 3 lines saves only 2.
func cutBlock(lines []string, max int) (shown []string, more int) {
	if len(lines) <= max+3 {
		return lines, 0
	}
	return lines[:max], len(lines) - max
}

// Replay prints a transcript as `mailsim run --plain` printed the session.
// o.Lang "" means the transcript's language.
func Replay(w io.Writer, t *Transcript, o PlainOptions) error {
	p := NewPlain(w, t.Heading(), o)
	for _, e := range t.Events {
		p.Event(e)
	}
	p.Final(t.Final())
	return p.Err()
}
