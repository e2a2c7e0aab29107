package fidelity

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/wire"
)

// TestLessonsReplyLikeDovecot replays every built-in lesson with POP3 or
// IMAP steps against Dovecot and compares the reply shapes with mailsim's.
func TestLessonsReplyLikeDovecot(t *testing.T) {
	bin := testutil.NeedTool(t, "dovecot")
	all, err := lessons.Builtin()
	must(t, err)
	allow := loadAllowList(t, "allow.txt")
	start := time.Now()
	compared := 0
	for _, l := range all {
		if !usesMailboxProtocols(l) {
			continue
		}
		compared++
		t.Run(l.ID, func(t *testing.T) { compareLesson(t, bin, l, allow) })
	}
	if compared == 0 {
		t.Fatal("no built-in lesson has POP3 or IMAP steps")
	}
	// A -run filter compares only some lessons: the entries of the others
	// are unused then, not stale.
	if !t.Failed() && flag.Lookup("test.run").Value.String() == "" {
		for _, e := range allow.entries {
			if e.used == 0 {
				t.Errorf("allow.txt:%d: %q allows nothing any more: remove it", e.line, e.text)
			}
		}
	}
	t.Logf("%d lessons compared with Dovecot in %v", compared, time.Since(start).Round(time.Millisecond))
}

func usesMailboxProtocols(l *lessons.Lesson) bool {
	for _, a := range l.Actors {
		if a.Protocol == "pop3" || a.Protocol == "imap" {
			return true
		}
	}
	return false
}

// segment is one client line and the reply lines that followed it on its
// connection, up to the next client line (the greeting has no command).
// IMAP literals are folded into their line as "{…}"; a POP3 multi-line
// body is one line "(body n lines)".
type segment struct {
	step  int // 0-based lesson step of the command
	cmd   string
	lines []string
}

// action is something the lesson did that the Dovecot replay repeats.
type action struct {
	kind    string // connect, send, close, deliver, wait
	step    int
	conn    uint64
	text    string // send: the command line; wait: the text the update must contain
	literal []byte // send: the literal that follows the line, if any
	folded  bool   // send: an exchange of a repeated send that mailsim's transcript sums up
	user    string // deliver
	box     string
	raw     []byte
	domain  string
}

// conn is one POP3 or IMAP connection of the lesson, on both servers.
type conn struct {
	id     uint64
	actor  string
	proto  wire.Protocol
	domain string
	// skip says why the connection is not compared from some segment on
	// (TLS: Dovecot runs without it here); from is that segment's index.
	skip string
	from int
	ms   []segment // mailsim's
	dc   []segment // Dovecot's

	nc      net.Conn
	r       *bufio.Reader
	idleTag string
}

type delivery struct {
	domain, user, box string
	uid               uint32
	step              int
}

func compareLesson(t *testing.T, bin string, l *lessons.Lesson, allow *allowList) {
	var evs []events.Event
	r, err := sim.Start(l, sim.Options{Deterministic: true, Emit: func(e events.Event) { evs = append(evs, e) }})
	must(t, err)
	defer r.Close()

	// The lesson's users and messages at its start, per provider.
	users := map[string][]mailUser{}
	stores := map[string]*mailstore.Store{}
	var delivered []delivery
	step := -1
	for _, p := range r.Network().Providers {
		stores[p.Domain] = p.Store
		users[p.Domain] = snapshotUsers(t, p.Store)
		domain := p.Domain
		cancel := p.Store.Subscribe(func(c mailstore.Change) {
			// New mail from outside IMAP (a deliver step, SMTP): IMAP's own
			// APPEND, COPY and MOVE carry their session as origin.
			if c.Kind == mailstore.Delivered && c.Origin == nil {
				delivered = append(delivered, delivery{domain, c.User, c.Mailbox, c.UID, step})
			}
		})
		defer cancel()
	}
	ctx := context.Background()
	raws := map[int][]action{}
	for i := range l.Steps {
		step = i
		if err := r.Step(ctx); err != nil {
			t.Fatalf("mailsim: step %d: %v", i+1, err)
		}
		for _, d := range delivered {
			m, err := stores[d.domain].Message(d.user, d.box, d.uid)
			if err != nil || m == nil {
				t.Fatalf("step %d delivered UID %d to %s/%s, gone before it could be read: %v", i+1, d.uid, d.user, d.box, err)
			}
			raws[d.step] = append(raws[d.step], action{kind: "deliver", step: d.step, domain: d.domain, user: d.user, box: d.box, raw: m.Raw})
		}
		delivered = delivered[:0]
	}
	r.Close()

	conns, actions := readEvents(l, evs, raws)
	servers := map[string]*dovecot{}
	for _, a := range actions {
		if a.kind == "deliver" {
			if d := servers[a.domain]; d != nil {
				d.deliver(t, a.user, a.box, a.raw)
			}
			continue
		}
		c := conns[a.conn]
		if c == nil || c.skip != "" {
			continue
		}
		if servers[c.domain] == nil {
			servers[c.domain] = startDovecot(t, bin, users[c.domain])
			// Mail delivered before this server started is in the snapshot
			// only if it came before the lesson: replay the rest.
			for _, b := range actions {
				if b.kind == "deliver" && b.domain == c.domain && b.step < a.step {
					servers[c.domain].deliver(t, b.user, b.box, b.raw)
				}
			}
		}
		shown := len(c.dc)
		replay(t, servers[c.domain], c, a)
		if a.folded {
			c.dc = c.dc[:shown] // mailsim's transcript sums these up: nothing to compare
		}
	}
	for _, c := range sortedConns(conns) {
		if c.nc != nil {
			c.nc.Close()
		}
		compareConn(t, l, c, allow)
	}
}

func snapshotUsers(t *testing.T, st *mailstore.Store) []mailUser {
	var out []mailUser
	for _, name := range st.Users() {
		pw, _ := st.Password(name)
		_, quota, err := st.Quota(name)
		must(t, err)
		u := mailUser{name: name, password: pw, quota: quota, boxes: map[string][]*mailstore.Message{}, validity: map[string]uint32{}}
		boxes, err := st.Mailboxes(name)
		must(t, err)
		for _, b := range boxes {
			msgs, info, err := st.Messages(name, b.Name)
			must(t, err)
			u.boxes[b.Name] = msgs
			u.validity[b.Name] = info.UIDValidity
		}
		out = append(out, u)
	}
	return out
}

// readEvents builds mailsim's segments for each POP3 and IMAP connection
// and the actions to replay, with the deliveries after their step.
func readEvents(l *lessons.Lesson, evs []events.Event, deliveries map[int][]action) (map[uint64]*conn, []action) {
	conns := map[uint64]*conn{}
	var actions []action
	last := -1
	flush := func(upTo int) {
		for s := last + 1; s <= upTo; s++ {
			actions = append(actions, deliveries[s]...)
		}
		if upTo > last {
			last = upTo
		}
	}
	// A wait step (an idling client waits for an update) holds Dovecot's
	// client too, so the next step's command does not reach Dovecot
	// before the update it waits for was sent.
	step, connOf := -1, map[string]uint64{}
	waits := func(upTo int) {
		for ; step < upTo; step++ {
			if s := step + 1; s >= 0 && s < len(l.Steps) && l.Steps[s].Kind == lessons.Wait {
				actions = append(actions, action{kind: "wait", step: s, conn: connOf[l.Steps[s].Actor], text: l.Steps[s].Contains})
			}
		}
	}
	literal := map[uint64]bool{}      // a server line ended in {n}: the block and the next line belong to it
	afterLiteral := map[uint64]bool{} // the client sent a literal: an empty line ends its command
	for _, e := range evs {
		if e.Step-1 > last {
			flush(e.Step - 1)
		}
		waits(e.Step)
		switch e.Kind {
		case events.EventConnect:
			if e.Protocol != wire.POP3 && e.Protocol != wire.IMAP {
				continue
			}
			c := &conn{id: e.Conn, actor: e.Actor, proto: e.Protocol, domain: domainOf(e.Host)}
			if e.Role.ImplicitTLS() {
				c.skip, c.from = "implicit TLS (the Dovecot here runs without TLS)", 0
			}
			c.ms = append(c.ms, segment{step: e.Step})
			conns[e.Conn] = c
			connOf[e.Actor] = e.Conn
			actions = append(actions, action{kind: "connect", step: e.Step, conn: e.Conn})
		case events.EventCheck:
			// A repeated send (each:) shows its first and last exchange
			// and sums up those between in a check: Dovecot gets them
			// all, so that its state follows mailsim's.
			if e.Step < 0 || e.Step >= len(l.Steps) || l.Steps[e.Step].Each == "" || len(actions) == 0 {
				continue
			}
			first, last, _ := lessons.EachRange(l.Steps[e.Step].Each)
			prev := actions[len(actions)-1]
			for n := first + 1; n < last; n++ {
				actions = append(actions, action{kind: "send", step: e.Step, conn: prev.conn, folded: true,
					text: strings.ReplaceAll(l.Steps[e.Step].Command, "{n}", strconv.Itoa(n))})
			}
		case events.EventClose:
			if conns[e.Conn] != nil {
				actions = append(actions, action{kind: "close", step: e.Step, conn: e.Conn})
			}
		case events.EventWire:
			c := conns[e.Conn]
			u := e.Unit
			if c == nil || u == nil || u.Layer != wire.Plain {
				continue
			}
			seg := &c.ms[len(c.ms)-1]
			if u.Dir == wire.ClientToServer {
				if u.Kind == wire.Block { // a literal: it goes with its command line
					actions[len(actions)-1].literal = u.Raw
					afterLiteral[e.Conn] = true
					continue
				}
				if afterLiteral[e.Conn] && u.Text == "" { // the CRLF that ends the command after its literal
					afterLiteral[e.Conn] = false
					continue
				}
				afterLiteral[e.Conn] = false
				c.ms = append(c.ms, segment{step: e.Step, cmd: u.Text})
				actions = append(actions, action{kind: "send", step: e.Step, conn: e.Conn, text: u.Text})
				if c.skip == "" && isStartTLS(c.proto, u.Text) {
					c.skip, c.from = "STARTTLS (the Dovecot here runs without TLS)", len(c.ms)-1
				}
				continue
			}
			switch {
			case u.Kind == wire.Block && c.proto == wire.IMAP:
				// the literal's octets; its line continues after it
			case u.Kind == wire.Block:
				seg.lines = append(seg.lines, popBody(seg.cmd, u.Lines-1))
			case literal[e.Conn] && len(seg.lines) > 0:
				seg.lines[len(seg.lines)-1] += "…" + u.Text
			default:
				seg.lines = append(seg.lines, u.Text)
			}
			literal[e.Conn] = u.Kind == wire.Line && literalRE.MatchString(u.Text) ||
				u.Kind == wire.Block && c.proto == wire.IMAP
		}
	}
	flush(1 << 20)
	return conns, actions
}

var literalRE = regexp.MustCompile(`\{\d+\+?\}$`)

func domainOf(hostport string) string {
	host, _, _ := net.SplitHostPort(hostport)
	_, domain, _ := strings.Cut(host, ".")
	return domain
}

func isStartTLS(p wire.Protocol, line string) bool {
	f := strings.Fields(strings.ToUpper(line))
	if p == wire.POP3 {
		return len(f) > 0 && f[0] == "STLS"
	}
	return len(f) > 1 && f[1] == "STARTTLS"
}

// popMultiLine reports whether a POP3 command's +OK reply has a body.
func popMultiLine(cmd string) bool {
	f := strings.Fields(strings.ToUpper(cmd))
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "RETR", "TOP", "CAPA":
		return true
	case "LIST", "UIDL":
		return len(f) == 1
	}
	return false
}

// popBody is the shape of a POP3 body: its line count matters for LIST
// and UIDL (one per message), not for a message or CAPA.
func popBody(cmd string, lines int) string {
	f := strings.Fields(strings.ToUpper(cmd))
	if len(f) > 0 && (f[0] == "LIST" || f[0] == "UIDL") {
		return fmt.Sprintf("(body, %d lines, then \".\")", lines)
	}
	return `(body, then ".")`
}

// replay does one action on Dovecot and records the reply.
func replay(t *testing.T, d *dovecot, c *conn, a action) {
	t.Helper()
	switch a.kind {
	case "connect":
		addr := d.imap
		if c.proto == wire.POP3 {
			addr = d.pop3
		}
		nc, err := net.Dial("tcp", addr)
		must(t, err)
		c.nc, c.r = nc, bufio.NewReader(nc)
		c.dc = append(c.dc, segment{step: a.step, lines: []string{c.readLine(t)}})
	case "wait":
		if c.nc == nil || c.idleTag == "" || len(c.dc) == 0 {
			return
		}
		idle := &c.dc[len(c.dc)-1]
		deadline := time.Now().Add(3 * time.Second)
		for {
			l, ok := c.readLineBy(t, deadline)
			if !ok {
				return // compareConn shows what is missing
			}
			idle.lines = append(idle.lines, l)
			if strings.Contains(l, a.text) {
				return
			}
		}
	case "close":
		if c.nc != nil {
			c.nc.Close()
			c.nc = nil
		}
	case "send":
		if c.nc == nil {
			return
		}
		if isStartTLS(c.proto, a.text) {
			c.skip = "STARTTLS"
			return
		}
		seg := segment{step: a.step, cmd: a.text}
		if c.proto == wire.POP3 {
			c.write(t, a.text)
			first := c.readLine(t)
			seg.lines = append(seg.lines, first)
			if strings.HasPrefix(first, "+OK") && popMultiLine(a.text) {
				n := 0
				for c.readLine(t) != "." {
					n++
				}
				seg.lines = append(seg.lines, popBody(a.text, n))
			}
			c.dc = append(c.dc, seg)
			return
		}
		tag, _, _ := strings.Cut(a.text, " ")
		if strings.EqualFold(a.text, "DONE") {
			// Dovecot gathers changes for about half a second before it
			// tells an idling client: read what mailsim's client read,
			// waiting up to 3 s for it, then until the line is quiet.
			want := len(c.ms[len(c.dc)-1].lines) // with the "+ idling" line
			prev := &c.dc[len(c.dc)-1]
			deadline := time.Now().Add(3 * time.Second)
			for got := len(prev.lines); got < want && time.Now().Before(deadline); got++ { // waits read some already
				l, ok := c.readLineBy(t, deadline)
				if !ok {
					break
				}
				prev.lines = append(prev.lines, l)
			}
			for {
				l, ok := c.readLineBy(t, time.Now().Add(300*time.Millisecond))
				if !ok {
					break
				}
				prev.lines = append(prev.lines, l)
			}
			tag = c.idleTag
		}
		c.write(t, a.text)
		if m := literalRE.FindString(a.text); m != "" && a.literal != nil {
			if !strings.HasSuffix(m, "+}") {
				l := c.readLine(t)
				seg.lines = append(seg.lines, l)
				if !strings.HasPrefix(l, "+") {
					c.dc = append(c.dc, seg)
					return
				}
			}
			c.writeRaw(t, append(append([]byte{}, a.literal...), '\r', '\n'))
		}
		idle := strings.EqualFold(strings.TrimPrefix(strings.ToUpper(a.text), strings.ToUpper(tag)+" "), "IDLE")
		for {
			l := c.readLine(t)
			seg.lines = append(seg.lines, l)
			if idle && strings.HasPrefix(l, "+") {
				c.idleTag = tag
				break
			}
			if strings.HasPrefix(l, tag+" ") {
				break
			}
		}
		c.dc = append(c.dc, seg)
	}
}

func (c *conn) write(t *testing.T, line string) { c.writeRaw(t, []byte(line+"\r\n")) }

func (c *conn) writeRaw(t *testing.T, b []byte) {
	t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		t.Fatalf("%s: writing to Dovecot: %v", c.actor, err)
	}
}

func (c *conn) readLine(t *testing.T) string {
	t.Helper()
	// Generous: on a loaded machine Dovecot's first command after login
	// waits for a new imap process to start.
	l, ok := c.readLineBy(t, time.Now().Add(30*time.Second))
	if !ok {
		t.Fatalf("%s: Dovecot did not answer within 30 s (exchanges so far: %v)", c.actor, c.dc)
	}
	return l
}

// readLineBy reads one logical line: an IMAP literal's octets are read and
// folded into the line as "…". It reports false at the deadline.
func (c *conn) readLineBy(t *testing.T, deadline time.Time) (string, bool) {
	t.Helper()
	c.nc.SetReadDeadline(deadline)
	var out strings.Builder
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() && l == "" && out.Len() == 0 {
				return "", false
			}
			t.Fatalf("%s: reading from Dovecot: %v", c.actor, err)
		}
		l = strings.TrimRight(l, "\r\n")
		m := literalRE.FindString(l)
		if m == "" || c.proto != wire.IMAP {
			out.WriteString(l)
			return out.String(), true
		}
		n, _ := strconv.Atoi(strings.Trim(m, "{+}"))
		buf := make([]byte, n)
		if _, err := ioReadFull(c.r, buf); err != nil {
			t.Fatalf("%s: reading a literal from Dovecot: %v", c.actor, err)
		}
		out.WriteString(l + "…")
	}
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func sortedConns(m map[uint64]*conn) []*conn {
	out := make([]*conn, 0, len(m))
	for _, c := range m {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// compareConn compares the shapes, segment by segment, and prints the
// differences side by side.
func compareConn(t *testing.T, l *lessons.Lesson, c *conn, allow *allowList) {
	t.Helper()
	n := len(c.ms)
	if c.skip != "" {
		n = c.from
	}
	if len(c.dc) < n {
		n = len(c.dc)
	}
	for i := 0; i < n; i++ {
		ms, dc := c.ms[i], c.dc[i]
		if allow.step(l.ID, ms.step+1, c.actor) {
			continue
		}
		verb := verbOf(c.proto, ms.cmd)
		a, b := allow.shapes("mailsim", c.proto, verb, ms.lines), allow.shapes("dovecot", c.proto, verb, dc.lines)
		if strings.Join(a, "\n") == strings.Join(b, "\n") {
			continue
		}
		var out strings.Builder
		cmd := ms.cmd
		if cmd == "" {
			cmd = "(greeting)"
		}
		fmt.Fprintf(&out, "%s step %d, %s: %s\n", l.ID, ms.step+1, c.actor, cmd)
		fmt.Fprintf(&out, "  %-60s | %s\n", "mailsim", "Dovecot")
		for j := 0; j < len(a) || j < len(b); j++ {
			var x, y string
			if j < len(a) {
				x = a[j]
			}
			if j < len(b) {
				y = b[j]
			}
			mark := " "
			if x != y {
				mark = "≠"
			}
			fmt.Fprintf(&out, "%s %-60s | %s\n", mark, cut(x, 60), cut(y, 60))
		}
		t.Error(out.String())
	}
	if c.skip == "" && len(c.dc) != len(c.ms) {
		t.Errorf("%s, %s: mailsim's connection has %d exchanges, the Dovecot replay %d", l.ID, c.actor, len(c.ms), len(c.dc))
	}
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func verbOf(p wire.Protocol, cmd string) string {
	f := strings.Fields(strings.ToUpper(cmd))
	if p == wire.POP3 {
		if len(f) == 0 {
			return ""
		}
		return f[0]
	}
	if len(f) > 2 && f[1] == "UID" {
		return "UID " + f[2]
	}
	if len(f) > 1 {
		return f[1]
	}
	if len(f) == 1 {
		return f[0] // DONE
	}
	return ""
}

var (
	codeRE     = regexp.MustCompile(`^\[([A-Z0-9-]+)([^\]]*)\]`)
	fetchRE    = regexp.MustCompile(`^\* (\d+) FETCH \((.*)\)$`)
	numDataRE  = regexp.MustCompile(`^\* (\d+) (EXISTS|RECENT|EXPUNGE)$`)
	flagListRE = regexp.MustCompile(`FLAGS \(([^)]*)\)`)
)

// shapeIMAP keeps what the comparison is about and drops free text,
// UIDVALIDITY values and capability lists.
func shapeIMAP(line string) string {
	if strings.HasPrefix(line, "+") {
		return "+"
	}
	if m := numDataRE.FindStringSubmatch(line); m != nil {
		if m[2] == "EXPUNGE" {
			return "* n EXPUNGE" // the order of several is the server's choice
		}
		return line
	}
	if m := fetchRE.FindStringSubmatch(line); m != nil {
		return "* " + m[1] + " FETCH (" + fetchItems(m[2]) + ")"
	}
	tag, rest, _ := strings.Cut(line, " ")
	status, rest, _ := strings.Cut(rest, " ")
	if tag != "*" {
		tag = "tagged"
	}
	switch status {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		s := tag + " " + status
		if m := codeRE.FindStringSubmatch(rest); m != nil && m[1] != "CAPABILITY" { // capability lists are ignored
			s += " [" + m[1]
			switch m[1] {
			case "UNSEEN", "UIDNEXT", "COPYUID", "APPENDUID":
				if m[1] == "COPYUID" || m[1] == "APPENDUID" {
					f := strings.Fields(m[2])
					if len(f) > 0 {
						f = f[1:] // the UIDVALIDITY
					}
					s += " " + strings.Join(f, " ")
				} else {
					s += m[2]
				}
			}
			s += "]"
		}
		return s
	case "CAPABILITY", "FLAGS", "LIST", "LSUB", "NAMESPACE", "STATUS", "ENABLED", "ID":
		return "* " + status
	}
	return line // SEARCH, ESEARCH and the like: numbers matter
}

// fetchItems lists a FETCH response's item names, sorted, with the FLAGS
// value (sorted) and body section names kept.
func fetchItems(s string) string {
	var items []string
	if m := flagListRE.FindStringSubmatch(s); m != nil {
		f := strings.Fields(m[1])
		sort.Strings(f)
		items = append(items, "FLAGS ("+strings.Join(f, " ")+")")
	}
	depth := 0
	start := 0
	var words []string
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '(', '[':
				depth++
			case ')', ']':
				depth--
			case '"':
				for i++; i < len(s) && s[i] != '"'; i++ {
					if s[i] == '\\' {
						i++
					}
				}
			}
		}
		if i == len(s) || s[i] == ' ' && depth == 0 {
			words = append(words, s[start:min(i, len(s))])
			start = i + 1
		}
	}
	// words alternate name, value (BODY[...] names carry their section)
	for i := 0; i < len(words); i += 2 {
		name := words[i]
		if name == "FLAGS" {
			continue
		}
		items = append(items, name)
	}
	sort.Strings(items)
	return strings.Join(items, " ")
}

func shapePOP3(line string) string {
	if strings.HasPrefix(line, "(body") {
		return line
	}
	status, rest, _ := strings.Cut(line, " ")
	if m := codeRE.FindStringSubmatch(rest); m != nil {
		return status + " [" + m[1] + "]"
	}
	return status
}

// allowList is allow.txt: the differences from Dovecot that remain, each
// with its reason.
type allowList struct {
	entries []*allowEntry
}

type allowEntry struct {
	line int
	text string
	kind string         // order, drop-mailsim, drop-dovecot, step
	verb string         // order
	re   *regexp.Regexp // drop-*
	// step
	lesson string
	step   int
	actor  string
	used   int
}

func loadAllowList(t *testing.T, file string) *allowList {
	data, err := os.ReadFile(file)
	must(t, err)
	al := &allowList{}
	for i, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rule, reason, ok := strings.Cut(line, "#")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Fatalf("%s:%d: an entry needs its reason after #", file, i+1)
		}
		f := strings.Fields(rule)
		e := &allowEntry{line: i + 1, text: strings.TrimSpace(rule), kind: f[0]}
		switch {
		case f[0] == "order" && len(f) >= 2:
			e.verb = strings.Join(f[1:], " ")
		case (f[0] == "drop-mailsim" || f[0] == "drop-dovecot") && len(f) >= 2:
			re, err := regexp.Compile(strings.Join(f[1:], " "))
			if err != nil {
				t.Fatalf("%s:%d: %v", file, i+1, err)
			}
			e.re = re
		case f[0] == "step" && len(f) == 4:
			e.lesson, e.actor = f[1], f[3]
			if e.step, err = strconv.Atoi(f[2]); err != nil {
				t.Fatalf("%s:%d: step LESSON N ACTOR: %v", file, i+1, err)
			}
		default:
			t.Fatalf("%s:%d: want order VERB, drop-mailsim RE, drop-dovecot RE or step LESSON N ACTOR, found %q", file, i+1, rule)
		}
		al.entries = append(al.entries, e)
	}
	return al
}

func (al *allowList) step(lesson string, step int, actor string) bool {
	for _, e := range al.entries {
		if e.kind == "step" && e.lesson == lesson && e.step == step && e.actor == actor {
			e.used++
			return true
		}
	}
	return false
}

// shapes turns one side's reply ("mailsim" or "dovecot") into shapes,
// applying the order entries and that side's drop entries.
func (al *allowList) shapes(side string, p wire.Protocol, verb string, lines []string) []string {
	var out []string
	for _, l := range lines {
		s := shapePOP3(l)
		if p == wire.IMAP {
			s = shapeIMAP(l)
		}
		dropped := false
		for _, e := range al.entries {
			if e.kind == "drop-"+side && e.re.MatchString(s) {
				e.used++
				dropped = true
				break
			}
		}
		if !dropped {
			out = append(out, s)
		}
	}
	for _, e := range al.entries {
		if e.kind == "order" && e.verb == verb && len(out) > 1 {
			e.used++
			// the untagged lines, whose order the server chooses; the
			// tagged status stays last
			end := len(out)
			if !strings.HasPrefix(out[end-1], "* ") {
				end--
			}
			sort.Strings(out[:end])
		}
	}
	return out
}
