package sim

import (
	"bytes"
	"fmt"
	"io"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
	"mime"
	"mime/multipart"
	"net/mail"
	"path"
	"sort"
	"strconv"
	"strings"
)

// What a device does on its own, with no server: read, show, scan, export
// or move its local copies, and a corrupted disk.

// outcome is what a device step found, in the reader's language.
type outcome struct {
	ok   bool
	hard bool // a mistake in the lesson (no such message): expect: fail does not excuse it
	text i18n.Text
}

// deviceStep runs a device step and emits its result as a check.
func (r *Runner) deviceStep(st *lessons.Step) error {
	ds := st.Device
	if ds == nil {
		return fmt.Errorf("a device step needs its action")
	}
	a, ok := r.actors[ds.Actor]
	if !ok {
		return fmt.Errorf("no actor %q", ds.Actor)
	}
	r.lastAct = ds.Actor
	var o outcome
	switch ds.Action {
	case "read-offline":
		o = a.readOffline(ds.Subject)
	case "corrupt":
		o = a.corrupt()
	case "export":
		o = a.export()
	case "show":
		o = a.show()
	case "scan":
		o = a.scan(ds.Subject)
	case "move":
		to, ok := r.actors[ds.To]
		if !ok {
			return fmt.Errorf("no actor %q", ds.To)
		}
		o = a.move(to)
	default:
		return fmt.Errorf("unknown device action %q", ds.Action)
	}
	wantFail := st.Expect == lessons.ExpectFail
	switch {
	case o.ok == !wantFail && !o.hard:
		if wantFail {
			o.text = i18n.Textf("as expected: %s", o.text)
		}
		r.checks[0]++
		r.emit(events.Event{Kind: events.EventCheck, OK: true, Actor: ds.Actor, Text: o.text})
		return nil
	case o.ok:
		r.checks[1]++
		r.emit(events.Event{Kind: events.EventCheck, Actor: ds.Actor, Text: o.text})
		return fmt.Errorf("expected %s to fail, but it did not", ds.Action)
	}
	r.checks[1]++
	r.emit(events.Event{Kind: events.EventCheck, Actor: ds.Actor, Text: o.text})
	return fmt.Errorf("%s", o.text.In(i18n.Fallback))
}

// find looks a message up in the device's local mail by subject.
func (a *actor) find(subject string) *events.LocalMessage {
	for i := range a.local {
		if a.local[i].Subject == subject {
			return &a.local[i]
		}
	}
	return nil
}

// indent joins lines under the first one, as the transcript prints a
// check's text.
func indent(first string, lines []string) string {
	if len(lines) == 0 {
		return first
	}
	return first + "\n    " + strings.Join(lines, "\n    ")
}

func (a *actor) readOffline(subject string) outcome {
	d := a.device()
	name := a.spec.Name
	m := d.find(subject)
	if m == nil {
		return outcome{hard: true, text: i18n.Textf("%s has no message %q in its local mail", name, subject)}
	}
	if !m.Body {
		got := i18n.Textf("only the summary (sender, subject, flags)")
		if m.Parts != "" {
			got = i18n.Textf("only %s", m.Parts)
		}
		return outcome{text: i18n.Textf("%s cannot open %q with no connection: its cache holds %s; the message itself is on the server, out of reach", name, subject, got)}
	}
	var preview []i18n.Text
	if raw, ok := d.raw[m.Key()]; ok {
		for _, l := range previewLines(raw, 4) {
			preview = append(preview, i18n.Text{i18n.Fallback: l})
		}
	}
	return outcome{ok: true, text: indentText(i18n.Textf("%s opens %q from its own disk, with no connection: the whole message (%d B) is there", name, subject, m.Size), preview)}
}

// previewLines shows a message as a reader sees it opened: From, Subject,
// and the first lines of its text.
func previewLines(raw []byte, body int) []string {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	h := mailstore.ParseHeaders(raw)
	out := []string{"│ From: " + h.From, "│ Subject: " + h.Subject}
	text := firstText(msg.Header, msg.Body)
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if len(out) >= 2+body {
			break
		}
		if strings.TrimSpace(l) != "" {
			out = append(out, "│ "+l)
		}
	}
	return out
}

// firstText finds the first text/plain part of a message.
func firstText(h mail.Header, body io.Reader) string {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt == "" {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return ""
			}
			if t := firstText(mail.Header(p.Header), p); t != "" {
				return t
			}
		}
	}
	if mt != "text/plain" {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(body, 4096))
	return string(b)
}

func (a *actor) corrupt() outcome {
	d := a.device()
	name := d.spec.Name
	n := len(d.local)
	byFolder := map[string]int{}
	var folders []string
	for _, m := range d.local {
		f := d.folderName(m)
		if byFolder[f] == 0 {
			folders = append(folders, f)
		}
		byFolder[f]++
	}
	var parts []i18n.Text
	for _, f := range folders {
		parts = append(parts, i18n.Textf("%d in %s", byFolder[f], f))
	}
	d.local, d.raw, d.imap.validity = nil, nil, nil
	what := i18n.Textf("local mail folder")
	if d.spec.Protocol == "imap" {
		what = i18n.Textf("cache")
	}
	detail := i18n.Text{}
	if len(parts) > 0 {
		detail = i18n.Textf(" (%s)", i18n.Join(parts, ", "))
	}
	return outcome{ok: true, text: i18n.Textf("%s's %s is damaged or wiped: %s lost%s", name, what, messages(n), detail)}
}

// folderName names a local message's folder as the mail app shows it.
func (a *actor) folderName(m events.LocalMessage) string {
	switch {
	case m.Mailbox == "" && a.spec.Protocol == "imap":
		return mailstore.Inbox
	case m.Mailbox == "":
		return "Inbox"
	}
	return m.Mailbox
}

// folders groups the device's local mail by folder, in order.
func (a *actor) folders() (names []string, msgs map[string][]events.LocalMessage) {
	msgs = map[string][]events.LocalMessage{}
	for _, m := range a.local {
		f := a.folderName(m)
		if _, ok := msgs[f]; !ok {
			names = append(names, f)
		}
		msgs[f] = append(msgs[f], m)
	}
	return names, msgs
}

func (a *actor) export() outcome {
	d := a.device()
	name := d.spec.Name
	dir := "Mail/Local Folders/"
	if d.spec.Protocol == "imap" {
		dir = "ImapMail/" + roles.IMAP.Host(domainOr(d.spec.Domain)) + "/"
	}
	names, msgs := d.folders()
	if len(names) == 0 {
		return outcome{ok: true, text: i18n.Textf("%s's local mail folder holds no messages: %s has only empty files", name, dir)}
	}
	var lines []i18n.Text
	for _, f := range names {
		file := path.Join(dir, f)
		total := 0
		var entries []i18n.Text
		for _, m := range msgs[f] {
			raw, whole := d.raw[m.Key()]
			total += len(raw)
			entry := mboxFromLine(m, raw)
			if !whole {
				entry += "  (summary only: the body stays on the server)"
			}
			entries = append(entries, i18n.Text{i18n.Fallback: "  " + entry})
		}
		lines = append(lines, i18n.Textf("%-30s mbox file: %s, %d B, one after another, each starting with a \"From \" line", file, messages(len(msgs[f])), total))
		lines = append(lines, entries...)
		lines = append(lines, i18n.Textf("%-30s the mail app's own index of %s (read marks, tags, sort order): other mail apps ignore it", file+".msf", f))
	}
	return outcome{ok: true, text: indentText(i18n.Textf("%s's local mail, as the files on its disk:", name), lines)}
}

// importedFolder is where a mail app files the mbox files it imports:
// "Imported/Inbox", "Imported/Sent".
const importedFolder = "Imported/"

// move copies the device's local mbox files to another device, as a person
// moving to a new computer or another mail app does, and says what arrives
// and what stays behind. An mbox file holds only the messages: they arrive
// whole, numbered afresh, in Imported/<folder>. The old app's .msf index
// (read marks, tags, sort order) is not part of it, so the copies have no
// flags; nor is the account each message came from. A message the device
// holds only the summary of (an IMAP cache) has no octets to copy.
func (a *actor) move(to *actor) outcome {
	from, dst := a.device(), to.device()
	names, msgs := from.folders()
	var lines []i18n.Text
	moved, flagged, left := 0, 0, 0
	for _, f := range names {
		folder := importedFolder + f
		var uid uint32
		for _, m := range msgs[f] {
			raw, whole := from.raw[m.Key()]
			if !whole {
				left++
				lines = append(lines, i18n.Textf("%-30q stays behind: only its summary is on the disk", m.Subject))
				continue
			}
			uid++
			if len(m.Flags) > 0 {
				flagged++
			}
			c := events.LocalMessage{UID: uid, Subject: m.Subject, From: m.From, Size: len(raw), Body: true, Mailbox: folder}
			dst.local = append(dst.local, c)
			dst.keepRaw(c, raw)
			moved++
			lines = append(lines, i18n.Textf("%-30q moved into %s, %d B", m.Subject, folder, len(raw)))
		}
	}
	sort.SliceStable(dst.local, func(i, j int) bool { return localLess(dst.local[i], dst.local[j]) })
	lines = append(lines, i18n.Textf("not moved: the .msf index files (read marks, tags, sort order): %s builds its own, and every message arrives unread", dst.spec.Name))
	if flagged > 0 {
		lines = append(lines, i18n.Textf("  %d of the messages had flags on %s; their copies have none", flagged, from.spec.Name))
	}
	lines = append(lines, i18n.Textf("not moved: the account each message came from: an mbox file holds only the messages"))
	head := i18n.Textf("%s's mbox files copied to %s: %d of %s moved", from.spec.Name, dst.spec.Name, moved, messages(moved+left))
	return outcome{ok: true, text: indentText(head, lines)}
}

// indentText is indent in every language of head: the head, then each
// line below it.
func indentText(head i18n.Text, lines []i18n.Text) i18n.Text {
	t := make(i18n.Text, len(head))
	for lang := range head {
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = l.In(lang)
		}
		t[lang] = indent(head.In(lang), out)
	}
	return t
}

// mboxFromLine is the line that starts a message in an mbox file: "From ",
// the sender's address and the date in asctime form; then the subject.
func mboxFromLine(m events.LocalMessage, raw []byte) string {
	sender := m.From
	if addr, err := mail.ParseAddress(m.From); err == nil {
		sender = addr.Address
	}
	if sender == "" {
		sender = "MAILER-DAEMON"
	}
	date := ""
	if raw != nil {
		if msg, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
			if t, err := msg.Header.Date(); err == nil {
				date = " " + t.UTC().Format("Mon Jan _2 15:04:05 2006")
			}
		}
	}
	return fmt.Sprintf("From %s%s   %q", sender, date, m.Subject)
}

func (a *actor) show() outcome {
	d := a.device()
	name := d.spec.Name
	accounts := map[string]bool{}
	var lines []i18n.Text
	for _, m := range d.local {
		f := d.folderName(m)
		acct := m.Account
		if acct == "" {
			acct = d.account()
		}
		accounts[acct] = true
		num := "UID " + strconv.Itoa(int(m.UID))
		var how i18n.Text
		switch {
		case f == sentFolder && d.spec.Protocol != "imap":
			num = "#" + strconv.Itoa(int(m.UID))
			how = i18n.Textf("sent from %s; the copy is kept here only, %d B", acct, m.Size)
		case m.Body:
			host := roles.POP3.Host(domainOr(domainOf(acct)))
			if d.spec.Protocol == "imap" {
				host = roles.IMAP.Host(domainOr(domainOf(acct)))
			}
			how = i18n.Textf("downloaded from %s (%s), whole, %d B", acct, host, m.Size)
		default:
			how = i18n.Textf("summary only: the body is on the server")
		}
		lines = append(lines, i18n.Textf("%-6s %-8s %-30q %s", f, num, m.Subject, how))
	}
	accts := make([]string, 0, len(accounts))
	for acct := range accounts {
		accts = append(accts, acct)
	}
	sort.Strings(accts)
	from := i18n.Text{}
	if len(accts) > 0 {
		names := make([]i18n.Text, len(accts))
		for i, acct := range accts {
			names[i] = i18n.Text{i18n.Fallback: acct}
		}
		from = i18n.Textf(", from %s", i18n.Join(names, " and "))
	}
	return outcome{ok: true, text: indentText(i18n.Textf("%s's local mail: %s%s", name, messages(len(d.local)), from), lines)}
}

func domainOf(account string) string {
	_, d, _ := strings.Cut(account, "@")
	return d
}

// attachment is one part of a message, as a careful reader checks it.
type attachment struct {
	num, typ, name string
}

// riskyExt are file name endings that run as programs when opened.
var riskyExt = map[string]bool{"exe": true, "scr": true, "com": true, "pif": true, "bat": true, "cmd": true,
	"js": true, "jse": true, "vbs": true, "vbe": true, "wsf": true, "msi": true, "jar": true, "ps1": true,
	"lnk": true, "hta": true, "cpl": true, "dll": true}

// riskyType are content types of programs.
var riskyType = map[string]bool{"application/x-msdownload": true, "application/x-msdos-program": true,
	"application/x-dosexec": true, "application/x-executable": true, "application/vnd.microsoft.portable-executable": true}

func (a *actor) scan(subject string) outcome {
	d := a.device()
	name := a.spec.Name
	m := d.find(subject)
	if m == nil {
		return outcome{hard: true, text: i18n.Textf("%s has no message %q to check", name, subject)}
	}
	var parts []attachment
	if raw, ok := d.raw[m.Key()]; ok {
		parts = mimeParts(raw)
	} else if m.Structure != "" {
		parts = structureParts(m.Structure)
	} else {
		return outcome{hard: true, text: i18n.Textf("%s holds only the summary of %q: fetch the message (or its BODYSTRUCTURE) before checking it", name, subject)}
	}
	var bad []i18n.Text
	var files []string
	for _, p := range parts {
		if p.name == "" {
			continue
		}
		files = append(files, strconv.Quote(p.name))
		exts := strings.Split(strings.ToLower(p.name), ".")
		last := exts[len(exts)-1]
		if !riskyExt[last] && !riskyType[p.typ] {
			continue
		}
		what := i18n.Textf("a program: opening it runs it")
		if len(exts) > 2 && !riskyExt[exts[len(exts)-2]] {
			what = i18n.Textf("a program dressed up as a .%s file: opening it runs it", exts[len(exts)-2])
		}
		bad = append(bad, i18n.Textf("part %s %q (%s) is %s", p.num, p.name, p.typ, what))
	}
	if len(bad) > 0 {
		return outcome{text: i18n.Textf("%s checks %q before opening it: DANGER, %s. Do not open it: delete the message", name, subject, i18n.Join(bad, "; "))}
	}
	if len(files) == 0 {
		return outcome{ok: true, text: i18n.Textf("%s checks %q before opening it: no attachments, nothing that could run", name, subject)}
	}
	return outcome{ok: true, text: i18n.Textf("%s checks %q before opening it: %s, nothing that runs as a program", name, subject, strings.Join(files, ", "))}
}

// mimeParts lists the leaf parts of a message, numbered as IMAP numbers
// them, with their types and file names.
func mimeParts(raw []byte) []attachment {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil
	}
	var out []attachment
	var walk func(h mail.Header, body io.Reader, num string)
	walk = func(h mail.Header, body io.Reader, num string) {
		mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil || mt == "" {
			mt, params = "text/plain", map[string]string{}
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for k := 1; ; k++ {
				p, err := mr.NextPart()
				if err != nil {
					return
				}
				sub := strconv.Itoa(k)
				if num != "" {
					sub = num + "." + sub
				}
				walk(mail.Header(p.Header), p, sub)
			}
		}
		if num == "" {
			num = "1"
		}
		name := params["name"]
		if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
			name = dp["filename"]
		}
		out = append(out, attachment{num: num, typ: mt, name: name})
	}
	walk(msg.Header, msg.Body, "")
	return out
}

// structureParts reads LocalMessage.Structure ("1 text/plain 212 B; 2
// image/svg+xml dalat.svg 6120 B").
func structureParts(s string) []attachment {
	var out []attachment
	for _, p := range strings.Split(s, "; ") {
		f := strings.Fields(p)
		if len(f) < 2 {
			continue
		}
		at := attachment{num: f[0], typ: f[1]}
		if len(f) > 4 {
			at.name = strings.Join(f[2:len(f)-2], " ")
		}
		out = append(out, at)
	}
	return out
}
