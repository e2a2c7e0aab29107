package sim

import (
	"bufio"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"
	"time"

	"mailsim/sim/events"
	"mailsim/sim/mailstore"
)

// This file keeps an IMAP device's cache as a real client (Thunderbird on
// a phone) keeps it: from the replies the device reads, and nothing else.
//
//   - SELECT/EXAMINE open a mailbox; its untagged replies give the number
//     of messages (EXISTS) and UIDVALIDITY. A cache whose UIDVALIDITY no
//     longer matches is thrown away, as RFC 9051 §2.3.1.1 asks.
//   - The session keeps the list sequence number -> UID, learnt from FETCH
//     replies that carry UID (the lessons ask for it), grown by EXISTS and
//     shrunk by EXPUNGE.
//   - A FETCH reply to the device's own FETCH (or UID FETCH) puts the
//     message in the cache, or updates it: UID, FLAGS, ENVELOPE (subject,
//     from), RFC822.SIZE, BODYSTRUCTURE (the parts, summed up), and the body
//     sections it downloaded (BODY[...], BODY.PEEK[...], BINARY[...],
//     RFC822...), counting their octets. Unsolicited FETCH replies (another
//     device changed flags, seen at NOOP or in IDLE) update only messages
//     the device already holds.
//   - EXPUNGE removes the message from the cache: IMAP mirrors the server.
//     CLOSE removes the selected mailbox's \Deleted messages, which the
//     server expunges without telling (RFC 9051 §6.4.1).
//   - IDLE: the reply to "tag IDLE" ends at the server's "+"; the updates
//     that come while idling are read by wait steps and applied by the same
//     parser; DONE's reply ends at the IDLE's tagged OK.

// imapConn is what one IMAP connection knows of its selected mailbox.
type imapConn struct {
	selected string   // the selected mailbox ("INBOX"), "" when none
	readOnly bool     // selected with EXAMINE, or the server said [READ-ONLY]
	seq      []uint32 // message sequence number - 1 -> UID; 0 while not known yet
	idleTag  string   // the tag of the IDLE in progress, "" when not idling
}

// imapDevice is the part of an IMAP device's cache that outlives its
// connections.
type imapDevice struct {
	validity map[string]uint32 // mailbox -> the UIDVALIDITY its cached messages belong to
}

// imapVerb reads the tag and verb of an IMAP command line; "UID FETCH"
// and the like come back as two words. DONE (the end of IDLE) has no tag:
// its verb is "DONE".
func imapVerb(cmd string) (tag, verb, args string) {
	cmd = strings.TrimSpace(cmd)
	if strings.EqualFold(cmd, "DONE") {
		return "", "DONE", ""
	}
	tag, rest, _ := strings.Cut(cmd, " ")
	verb, args, _ = strings.Cut(strings.TrimSpace(rest), " ")
	verb = strings.ToUpper(verb)
	if verb == "UID" {
		sub, more, _ := strings.Cut(strings.TrimSpace(args), " ")
		verb, args = "UID "+strings.ToUpper(sub), more
	}
	return tag, verb, strings.TrimSpace(args)
}

// readReply reads the reply to an IMAP command line: the greeting when cmd
// is "", up to the "+" continuation for IDLE, up to the IDLE's tagged
// status for DONE, and up to the command's own tagged status otherwise.
func (c *imapConn) readReply(r *bufio.Reader, cmd string) (reply, error) {
	if cmd == "" {
		return readIMAPReply(r, "", false)
	}
	tag, verb, _ := imapVerb(cmd)
	switch verb {
	case "IDLE":
		return readIMAPReply(r, tag, true)
	case "DONE":
		if c.idleTag == "" {
			return reply{}, fmt.Errorf("DONE ends an IDLE, but none is in progress")
		}
		return readIMAPReply(r, c.idleTag, false)
	}
	return readIMAPReply(r, tag, false)
}

// trackIMAP applies an IMAP reply to the device's cache.
func (r *Runner) trackIMAP(a *actor, cmd string, rep reply) {
	s := a.sess
	c := &s.imap
	tag, verb, args := imapVerb(cmd)
	switch verb {
	case "SELECT", "EXAMINE":
		// A new SELECT deselects first, even if it fails (RFC 9051 §6.3.2).
		c.selected, c.seq, c.readOnly = "", nil, verb == "EXAMINE"
		if name, ok := mailboxArg(args); ok {
			c.selected = name
		}
	case "IDLE":
		if rep.Status == "+" {
			c.idleTag = tag
		}
	}
	defer func() {
		if verb == "IDLE" && rep.Status == "+" && a.sess != nil && a.sess.conn != nil {
			// Updates the server held for this session come right after
			// the "+": read them in this step, whatever the timing.
			r.drainUpdates(a)
		}
	}()
	fetching := verb == "FETCH" || verb == "UID FETCH"
	for i, line := range rep.Lines {
		var lits [][]byte
		if i < len(rep.Literals) {
			lits = rep.Literals[i]
		}
		a.applyIMAPLine(line, lits, fetching)
	}
	ok := rep.Status == "OK"
	switch verb {
	case "SELECT", "EXAMINE":
		if !ok {
			c.selected, c.seq = "", nil
		} else if strings.Contains(strings.ToUpper(rep.Lines[len(rep.Lines)-1]), "[READ-ONLY]") {
			c.readOnly = true
		}
	case "CLOSE":
		if ok && !c.readOnly {
			a.dropDeleted(c.selected)
		}
		if ok {
			c.selected, c.seq = "", nil
		}
	case "UNSELECT":
		if ok {
			c.selected, c.seq = "", nil
		}
	case "DONE":
		c.idleTag = ""
	}
}

// readUpdate reads one line an idling (or waiting) IMAP device receives,
// literals included, and applies it to the device's cache.
func (r *Runner) readUpdate(a *actor) (string, error) {
	line, lits, err := readIMAPLine(a.sess.r)
	if err != nil {
		return "", err
	}
	a.applyIMAPLine(line, lits, false)
	return line, nil
}

// quietUpdates is how long an idling device listens, after a burst of
// updates, before it takes the burst to be over.
const quietUpdates = 150 * time.Millisecond

// drainUpdates reads and applies the updates that follow at once (a
// server sends EXISTS and RECENT, or FETCH and EXPUNGE, back to back), so
// that which step shows them does not depend on how the kernel split the
// bytes: it stops after quietUpdates with nothing more to read.
func (r *Runner) drainUpdates(a *actor) {
	s := a.sess
	defer s.conn.SetReadDeadline(time.Time{})
	for {
		s.conn.SetReadDeadline(time.Now().Add(quietUpdates))
		if _, err := s.r.Peek(1); err != nil {
			return // quiet (or closed: the next step will say so)
		}
		s.conn.SetReadDeadline(time.Now().Add(r.opts.ReplyTimeout))
		if _, err := r.readUpdate(a); err != nil {
			return
		}
	}
}

// applyIMAPLine applies one response line to the device's cache. solicited
// is set for the replies to the device's own FETCH: only those add
// messages to the cache.
func (a *actor) applyIMAPLine(line string, lits [][]byte, solicited bool) {
	c := &a.sess.imap
	rest, ok := strings.CutPrefix(line, "* ")
	if !ok {
		return
	}
	first, rest, _ := strings.Cut(rest, " ")
	n, err := strconv.ParseUint(first, 10, 32)
	if err != nil {
		// * OK [UIDVALIDITY n] while a mailbox is being selected.
		if strings.EqualFold(first, "OK") && c.selected != "" {
			if v, ok := responseCode(rest, "UIDVALIDITY"); ok {
				a.setValidity(c.selected, v)
			}
		}
		return
	}
	kind, rest, _ := strings.Cut(rest, " ")
	if c.selected == "" || n == 0 {
		return
	}
	switch strings.ToUpper(kind) {
	case "EXISTS":
		if int(n) < len(c.seq) {
			c.seq = c.seq[:n] // cannot happen without EXPUNGE; keep going
		}
		for len(c.seq) < int(n) {
			c.seq = append(c.seq, 0)
		}
	case "EXPUNGE":
		if int(n) > len(c.seq) {
			return
		}
		uid := c.seq[n-1]
		c.seq = append(c.seq[:n-1], c.seq[n:]...)
		if uid != 0 {
			a.uncache(c.selected, uid)
		}
	case "FETCH":
		p := &imapParser{s: rest, lits: lits}
		v, ok := p.value()
		if !ok || v.kind != iList {
			return
		}
		a.applyFetch(int(n), parseFetch(v.list), solicited)
	}
}

// responseCode finds "[NAME n]" at the start of a status text.
func responseCode(text, name string) (uint32, bool) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "[") {
		return 0, false
	}
	code, _, ok := strings.Cut(text[1:], "]")
	if !ok {
		return 0, false
	}
	k, v, _ := strings.Cut(code, " ")
	if !strings.EqualFold(k, name) {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	return uint32(n), err == nil
}

// mailboxArg reads the mailbox name at the start of a command's arguments
// (an atom or a quoted string); INBOX is case-insensitive.
func mailboxArg(args string) (string, bool) {
	p := &imapParser{s: args}
	v, ok := p.value()
	if !ok || (v.kind != iAtom && v.kind != iString) {
		return "", false
	}
	if strings.EqualFold(v.s, mailstore.Inbox) {
		return mailstore.Inbox, true
	}
	return v.s, true
}

func (a *actor) setValidity(mbox string, v uint32) {
	if a.imap.validity == nil {
		a.imap.validity = map[string]uint32{}
	}
	if old, ok := a.imap.validity[mbox]; ok && old != v {
		// The UIDs the cache holds mean other messages now.
		kept := a.local[:0]
		for _, m := range a.local {
			if m.Mailbox != mbox {
				kept = append(kept, m)
			}
		}
		a.local = kept
	}
	a.imap.validity[mbox] = v
}

func (a *actor) uncache(mbox string, uid uint32) {
	for i := range a.local {
		if a.local[i].Mailbox == mbox && a.local[i].UID == uid {
			a.local = append(a.local[:i], a.local[i+1:]...)
			return
		}
	}
}

func (a *actor) dropDeleted(mbox string) {
	kept := a.local[:0]
	for _, m := range a.local {
		if m.Mailbox != mbox || !hasFlag(m.Flags, `\Deleted`) {
			kept = append(kept, m)
		}
	}
	a.local = kept
}

// cached finds a message in the cache, adding it when add is set.
func (a *actor) cached(mbox string, uid uint32, add bool) *events.LocalMessage {
	for i := range a.local {
		if a.local[i].Mailbox == mbox && a.local[i].UID == uid {
			return &a.local[i]
		}
	}
	if !add {
		return nil
	}
	a.local = append(a.local, events.LocalMessage{UID: uid, Mailbox: mbox})
	sort.SliceStable(a.local, func(i, j int) bool {
		mi, mj := a.local[i].Mailbox, a.local[j].Mailbox
		if mi != mj {
			return mi == mailstore.Inbox || (mj != mailstore.Inbox && mi < mj)
		}
		return a.local[i].UID < a.local[j].UID
	})
	for i := range a.local {
		if a.local[i].Mailbox == mbox && a.local[i].UID == uid {
			return &a.local[i]
		}
	}
	return nil
}

// fetchData is what one FETCH reply says about a message.
type fetchData struct {
	uid       uint32
	flags     []string
	hasFlags  bool
	subject   string
	from      string
	envelope  bool
	size      int
	structure string     // BODYSTRUCTURE, summed up
	sections  []fetchSec // body sections, in the order they came
}

// fetchSec is one body section a FETCH reply carried.
type fetchSec struct {
	name    string // "" (whole message), "HEADER", "TEXT", "1", "1.MIME", "HEADER.FIELDS (FROM SUBJECT)"
	partial bool   // <origin> was given: a slice of the section
	content []byte // nil for NIL
}

// parseFetch reads the data items of a FETCH reply's list.
func parseFetch(items []ival) fetchData {
	var d fetchData
	for i := 0; i+1 < len(items); i += 2 {
		name, v := strings.ToUpper(items[i].s), items[i+1]
		if items[i].kind != iAtom {
			continue
		}
		switch {
		case name == "UID":
			if n, err := strconv.ParseUint(v.s, 10, 32); err == nil {
				d.uid = uint32(n)
			}
		case name == "FLAGS":
			d.hasFlags = true
			d.flags = []string{}
			for _, f := range v.list {
				d.flags = append(d.flags, f.s)
			}
		case name == "ENVELOPE":
			d.envelope = true
			d.subject, d.from = envelopeSummary(v)
		case name == "RFC822.SIZE":
			d.size, _ = strconv.Atoi(v.s)
		case name == "BODYSTRUCTURE" || (name == "BODY" && v.kind == iList):
			d.structure = structureSummary(v)
		case name == "RFC822":
			d.sections = append(d.sections, fetchSec{content: v.bytes()})
		case name == "RFC822.HEADER":
			d.sections = append(d.sections, fetchSec{name: "HEADER", content: v.bytes()})
		case name == "RFC822.TEXT":
			d.sections = append(d.sections, fetchSec{name: "TEXT", content: v.bytes()})
		case strings.HasPrefix(name, "BODY[") || strings.HasPrefix(name, "BINARY["):
			open := strings.IndexByte(name, '[')
			end := strings.LastIndexByte(name, ']')
			if end < open {
				continue
			}
			d.sections = append(d.sections, fetchSec{
				name:    strings.TrimSpace(items[i].s[open+1 : end]),
				partial: strings.HasPrefix(name[end+1:], "<"),
				content: v.bytes(),
			})
		}
	}
	return d
}

// applyFetch applies a FETCH reply for message number n.
func (a *actor) applyFetch(n int, d fetchData, solicited bool) {
	c := &a.sess.imap
	for len(c.seq) < n {
		c.seq = append(c.seq, 0) // a FETCH before its EXISTS: trust the server
	}
	uid := d.uid
	if uid == 0 {
		uid = c.seq[n-1]
	} else {
		c.seq[n-1] = uid
	}
	if uid == 0 {
		return // no UID yet: a client cannot file the message
	}
	m := a.cached(c.selected, uid, solicited)
	if m == nil {
		return
	}
	if d.hasFlags {
		m.Flags = d.flags
	}
	if d.envelope {
		m.Subject, m.From = d.subject, d.from
	}
	if d.size > 0 {
		m.Size = d.size
	}
	if d.structure != "" {
		m.Structure = d.structure
	}
	for _, sec := range d.sections {
		m.Bytes += len(sec.content)
		label := sectionLabel(sec)
		if !sec.partial && (sec.name == "" || strings.HasPrefix(sec.name, "HEADER")) && sec.content != nil {
			if h := mailstore.ParseHeaders(sec.content); !d.envelope && (h.Subject != "" || h.From != "") {
				m.Subject, m.From = h.Subject, h.From
			}
		}
		if sec.name == "" && !sec.partial && sec.content != nil {
			m.Body = true
			if m.Size == 0 {
				m.Size = len(sec.content)
			}
		}
		if parts := strings.Split(m.Parts, ", "); m.Parts == "" {
			m.Parts = label
		} else if !containsString(parts, label) {
			m.Parts += ", " + label
		}
	}
	if parts := strings.Split(m.Parts, ", "); containsString(parts, "headers") && containsString(parts, "text") {
		m.Body = true // HEADER and TEXT make the whole message
	}
	if m.Body {
		m.Parts = "whole message"
	}
}

func sectionLabel(s fetchSec) string {
	var l string
	name := strings.ToUpper(s.name)
	switch {
	case name == "":
		l = "whole message"
	case strings.HasPrefix(name, "HEADER"):
		l = "headers"
	case name == "TEXT":
		l = "text"
	case strings.HasSuffix(name, ".MIME"):
		l = "part " + strings.TrimSuffix(name, ".MIME") + " headers"
	case strings.HasSuffix(name, ".HEADER") || strings.Contains(name, ".HEADER.FIELDS"):
		l = "part " + name[:strings.Index(name, ".HEADER")] + " headers"
	case strings.HasSuffix(name, ".TEXT"):
		l = "part " + strings.TrimSuffix(name, ".TEXT") + " text"
	default:
		l = "part " + name
	}
	if s.partial {
		l += " (a slice)"
	}
	return l
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var headerDecoder = mime.WordDecoder{}

func decodeWords(s string) string {
	if d, err := headerDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// envelopeSummary reads the subject and the first From address of an
// ENVELOPE (RFC 9051 §7.5.2: date, subject, from, sender, reply-to, to,
// cc, bcc, in-reply-to, message-id).
func envelopeSummary(v ival) (subject, from string) {
	if v.kind != iList || len(v.list) < 3 {
		return "", ""
	}
	subject = decodeWords(v.list[1].s)
	if addrs := v.list[2]; addrs.kind == iList && len(addrs.list) > 0 {
		from = addressString(addrs.list[0])
	}
	return subject, from
}

// addressString formats an ENVELOPE address (name adl mailbox host) as
// the From header shows it: "Bob" <bob@example.org>.
func addressString(a ival) string {
	if a.kind != iList || len(a.list) < 4 {
		return ""
	}
	name, mbox, host := decodeWords(a.list[0].s), a.list[2].s, a.list[3].s
	addr := mbox
	if host != "" {
		addr += "@" + host
	}
	if name == "" {
		return "<" + addr + ">"
	}
	return strconv.Quote(name) + " <" + addr + ">"
}

// structureSummary sums up a BODYSTRUCTURE: each leaf part's number, type,
// file name and size, "1 text/plain 212 B; 2 image/svg+xml dalat.svg 6120 B".
func structureSummary(v ival) string {
	var parts []string
	var walk func(v ival, num string)
	walk = func(v ival, num string) {
		if v.kind != iList || len(v.list) == 0 {
			return
		}
		if v.list[0].kind == iList { // multipart: the parts, then the subtype
			k := 0
			for _, p := range v.list {
				if p.kind != iList {
					break
				}
				k++
				sub := strconv.Itoa(k)
				if num != "" {
					sub = num + "." + sub
				}
				walk(p, sub)
			}
			return
		}
		if num == "" {
			num = "1"
		}
		// type subtype (params) id description encoding size ...
		if len(v.list) < 7 {
			return
		}
		s := num + " " + strings.ToLower(v.list[0].s+"/"+v.list[1].s)
		if name := partFileName(v); name != "" {
			s += " " + name
		}
		if size, err := strconv.Atoi(v.list[6].s); err == nil {
			s += " " + strconv.Itoa(size) + " B"
		}
		parts = append(parts, s)
	}
	walk(v, "")
	return strings.Join(parts, "; ")
}

// partFileName finds a part's file name: the disposition's filename, or
// the Content-Type's name parameter.
func partFileName(v ival) string {
	param := func(list ival, key string) string {
		for i := 0; i+1 < len(list.list); i += 2 {
			if strings.EqualFold(list.list[i].s, key) {
				return decodeWords(list.list[i+1].s)
			}
		}
		return ""
	}
	// The disposition ("attachment" ("filename" "x")) is an extension
	// field: the 9th (text) or 10th (other) element; look for its shape.
	for _, f := range v.list[7:] {
		if f.kind == iList && len(f.list) == 2 && f.list[0].kind == iString && f.list[1].kind == iList {
			if n := param(f.list[1], "filename"); n != "" {
				return n
			}
		}
	}
	return param(v.list[2], "name")
}

// ---- A small reader of IMAP response data (RFC 9051 §4, §9) ----

type ikind int

const (
	iNil    ikind = iota // NIL
	iAtom                // an atom or number; BODY[...]<n> is one atom
	iString              // a quoted string or a literal
	iList                // a parenthesized list
)

// ival is one value of IMAP response data.
type ival struct {
	kind ikind
	s    string // atom or string
	list []ival
}

// bytes returns a string's octets; nil for NIL (and for lists).
func (v ival) bytes() []byte {
	if v.kind == iNil || v.kind == iList {
		return nil
	}
	return []byte(v.s)
}

// imapParser reads values from a response line whose literals' octets
// have been taken out (readIMAPLine): a {n} marker stands for the next of
// lits.
type imapParser struct {
	s    string
	pos  int
	lits [][]byte
	next int
}

func (p *imapParser) skipSpace() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

// value reads one value: an atom, NIL, a quoted string, a literal, or a
// list. It reports false at the end of the input or on malformed data.
func (p *imapParser) value() (ival, bool) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return ival{}, false
	}
	switch c := p.s[p.pos]; {
	case c == '(':
		p.pos++
		v := ival{kind: iList, list: []ival{}}
		for {
			p.skipSpace()
			if p.pos >= len(p.s) {
				return v, false
			}
			if p.s[p.pos] == ')' {
				p.pos++
				return v, true
			}
			e, ok := p.value()
			if !ok {
				return v, false
			}
			v.list = append(v.list, e)
		}
	case c == ')':
		return ival{}, false
	case c == '"':
		return p.quoted()
	case c == '{' || (c == '~' && p.pos+1 < len(p.s) && p.s[p.pos+1] == '{'):
		return p.literal()
	}
	return p.atom()
}

func (p *imapParser) quoted() (ival, bool) {
	var b strings.Builder
	for i := p.pos + 1; i < len(p.s); i++ {
		switch c := p.s[i]; c {
		case '\\':
			if i+1 < len(p.s) {
				i++
				b.WriteByte(p.s[i])
			}
		case '"':
			p.pos = i + 1
			return ival{kind: iString, s: b.String()}, true
		default:
			b.WriteByte(c)
		}
	}
	p.pos = len(p.s)
	return ival{}, false
}

func (p *imapParser) literal() (ival, bool) {
	end := strings.IndexByte(p.s[p.pos:], '}')
	if end < 0 {
		return ival{}, false
	}
	p.pos += end + 1
	if p.next >= len(p.lits) {
		return ival{}, false
	}
	lit := p.lits[p.next]
	p.next++
	return ival{kind: iString, s: string(lit)}, true
}

// atom reads an atom; a [...] inside it (BODY[HEADER.FIELDS (FROM)])
// belongs to it, spaces and parentheses included.
func (p *imapParser) atom() (ival, bool) {
	start := p.pos
	depth := 0
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if depth == 0 && (c == ' ' || c == '(' || c == ')' || c == '"') {
			break
		}
		switch c {
		case '[':
			depth++
		case ']':
			if depth > 0 {
				depth--
			}
		}
		p.pos++
	}
	a := p.s[start:p.pos]
	if a == "" {
		return ival{}, false
	}
	if strings.EqualFold(a, "NIL") {
		return ival{kind: iNil}, true
	}
	return ival{kind: iAtom, s: a}, true
}
