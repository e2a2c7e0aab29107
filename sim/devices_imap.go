package sim

import (
	"bufio"
	"fmt"
	"mime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/wire/protoline"
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
		v, ok := responseValue(rest, lits)
		if !ok || v.Kind != protoline.ListValue {
			return
		}
		a.applyFetch(int(n), parseFetch(v.List), solicited)
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
	v, ok := protoline.NewScanner(args).Value()
	if !ok || (v.Kind != protoline.AtomValue && v.Kind != protoline.StringValue) {
		return "", false
	}
	if strings.EqualFold(v.S, mailstore.Inbox) {
		return mailstore.Inbox, true
	}
	return v.S, true
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
		if m.Mailbox != mbox || !slices.ContainsFunc(m.Flags, func(g string) bool { return strings.EqualFold(g, `\Deleted`) }) {
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
func parseFetch(items []protoline.Value) fetchData {
	var d fetchData
	for i := 0; i+1 < len(items); i += 2 {
		name, v := strings.ToUpper(items[i].S), items[i+1]
		if items[i].Kind != protoline.AtomValue {
			continue
		}
		switch {
		case name == "UID":
			if n, err := strconv.ParseUint(v.S, 10, 32); err == nil {
				d.uid = uint32(n)
			}
		case name == "FLAGS":
			d.hasFlags = true
			d.flags = []string{}
			for _, f := range v.List {
				d.flags = append(d.flags, f.S)
			}
		case name == "ENVELOPE":
			d.envelope = true
			d.subject, d.from = envelopeSummary(v)
		case name == "RFC822.SIZE":
			d.size, _ = strconv.Atoi(v.S)
		case name == "BODYSTRUCTURE" || (name == "BODY" && v.Kind == protoline.ListValue):
			d.structure = structureSummary(v)
		case name == "RFC822":
			d.sections = append(d.sections, fetchSec{content: v.Bytes()})
		case name == "RFC822.HEADER":
			d.sections = append(d.sections, fetchSec{name: "HEADER", content: v.Bytes()})
		case name == "RFC822.TEXT":
			d.sections = append(d.sections, fetchSec{name: "TEXT", content: v.Bytes()})
		case strings.HasPrefix(name, "BODY[") || strings.HasPrefix(name, "BINARY["):
			open := strings.IndexByte(name, '[')
			end := strings.LastIndexByte(name, ']')
			if end < open {
				continue
			}
			d.sections = append(d.sections, fetchSec{
				name:    strings.TrimSpace(items[i].S[open+1 : end]),
				partial: strings.HasPrefix(name[end+1:], "<"),
				content: v.Bytes(),
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
		} else if !slices.Contains(parts, label) {
			m.Parts += ", " + label
		}
	}
	if parts := strings.Split(m.Parts, ", "); slices.Contains(parts, "headers") && slices.Contains(parts, "text") {
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
func envelopeSummary(v protoline.Value) (subject, from string) {
	if v.Kind != protoline.ListValue || len(v.List) < 3 {
		return "", ""
	}
	subject = decodeWords(v.List[1].S)
	if addrs := v.List[2]; addrs.Kind == protoline.ListValue && len(addrs.List) > 0 {
		from = addressString(addrs.List[0])
	}
	return subject, from
}

// addressString formats an ENVELOPE address (name adl mailbox host) as
// the From header shows it: "Bob" <bob@example.org>.
func addressString(a protoline.Value) string {
	if a.Kind != protoline.ListValue || len(a.List) < 4 {
		return ""
	}
	name, mbox, host := decodeWords(a.List[0].S), a.List[2].S, a.List[3].S
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
func structureSummary(v protoline.Value) string {
	var parts []string
	var walk func(v protoline.Value, num string)
	walk = func(v protoline.Value, num string) {
		if v.Kind != protoline.ListValue || len(v.List) == 0 {
			return
		}
		if v.List[0].Kind == protoline.ListValue { // multipart: the parts, then the subtype
			k := 0
			for _, p := range v.List {
				if p.Kind != protoline.ListValue {
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
		if len(v.List) < 7 {
			return
		}
		s := num + " " + strings.ToLower(v.List[0].S+"/"+v.List[1].S)
		if name := partFileName(v); name != "" {
			s += " " + name
		}
		if size, err := strconv.Atoi(v.List[6].S); err == nil {
			s += " " + strconv.Itoa(size) + " B"
		}
		parts = append(parts, s)
	}
	walk(v, "")
	return strings.Join(parts, "; ")
}

// partFileName finds a part's file name: the disposition's filename, or
// the Content-Type's name parameter.
func partFileName(v protoline.Value) string {
	param := func(list protoline.Value, key string) string {
		for i := 0; i+1 < len(list.List); i += 2 {
			if strings.EqualFold(list.List[i].S, key) {
				return decodeWords(list.List[i+1].S)
			}
		}
		return ""
	}
	// The disposition ("attachment" ("filename" "x")) is an extension
	// field: the 9th (text) or 10th (other) element; look for its shape.
	for _, f := range v.List[7:] {
		if f.Kind == protoline.ListValue && len(f.List) == 2 && f.List[0].Kind == protoline.StringValue && f.List[1].Kind == protoline.ListValue {
			if n := param(f.List[1], "filename"); n != "" {
				return n
			}
		}
	}
	return param(v.List[2], "name")
}

// responseValue reads the value of response data (RFC 9051 §4) at the
// start of s, a line whose literals' octets were taken out into lits
// (readIMAPLine).
func responseValue(s string, lits [][]byte) (protoline.Value, bool) {
	sc := protoline.NewScanner(s)
	sc.Sections, sc.Literals = true, lits
	return sc.Value()
}
