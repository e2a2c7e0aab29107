package lessons

import (
	"fmt"
	"io/fs"
	slashpath "path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"mailsim/internal/i18n"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// This file checks what a decoded lesson means: that names resolve, that
// each step can run against the protocol its actor speaks, and that every
// text is written in every language of the title. It also fills in the
// defaults a runner would otherwise compute (step actors, connect roles,
// actor passwords, deliver mailboxes, Lesson.Covers).

// Groups are the lesson groups, in the order a picker shows them.
var Groups = []string{"pop3", "imap", "smtp", "compare", "setup", "history"}

// Protocols are the protocols an actor may speak.
var Protocols = []string{"pop3", "imap", "smtp"}

// knownRole reports whether r names a server role (roles.Table).
func knownRole(r string) bool {
	_, err := roles.Parse(r)
	return err == nil
}

// rolesOf lists the server roles an actor speaking protocol p may connect
// to; none for an unknown protocol.
func rolesOf(p string) []string {
	var out []string
	for _, r := range roles.Of(wire.Protocol(p)) {
		out = append(out, string(r))
	}
	return out
}

const maxMillis = 60000

var (
	idRE        = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	domainRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	smtpCodeRE  = regexp.MustCompile(`^[1-5][0-9]{0,2}$`)
	dateLayouts = []string{time.RFC3339, time.RFC1123Z, time.RFC1123, "2006-01-02 15:04", "2006-01-02"}
)

// validate checks l, reporting at the nodes d recorded. fsys, when not
// nil, is where seed files are looked up.
func (d *decoder) validate(l *Lesson, fsys fs.FS) {
	v := &validator{d: d, l: l, fsys: fsys, langs: l.Title.Languages(), claims: claimIDs()}
	v.header()
	v.providers()
	v.seed()
	v.actors()
	v.steps()
}

type validator struct {
	d      *decoder
	l      *Lesson
	fsys   fs.FS
	langs  []string
	claims map[string]bool
	// seeded counts the messages the lesson puts in the store, repeats
	// included, and their approximate octets (mailstore.MaxSeed*).
	seeded struct {
		messages int
		bytes    int64
		over     bool
	}
}

func (v *validator) errorf(p path, format string, args ...any) { v.d.errorAt(p, format, args...) }

// has reports whether the file gave the key at p.
func (v *validator) has(p path) bool { _, ok := v.d.nodes[p]; return ok }

func (v *validator) header() {
	l := v.l
	switch {
	case !v.has(path("").key("id")):
		v.errorf("", "missing id: name the lesson with a lowercase-dashed id, e.g. id: pop3-basics")
	case !idRE.MatchString(l.ID):
		v.errorf(path("").key("id"), "id %q: want lowercase words joined by dashes, e.g. pop3-basics", l.ID)
	}
	switch {
	case !v.has(path("").key("group")):
		v.errorf("", "missing group: one of %s", strings.Join(Groups, ", "))
	case !slices.Contains(Groups, l.Group):
		v.errorf(path("").key("group"), "unknown group %q: want one of %s", l.Group, strings.Join(Groups, ", "))
	}
	switch {
	case !v.has(path("").key("title")):
		v.errorf("", "missing title: one line naming the lesson")
	case l.Title[i18n.Fallback] == "":
		v.errorf(path("").key("title"), "the title needs an English text (en): it is the language every text falls back to")
	}
	if !v.has(path("").key("summary")) {
		v.errorf("", "missing summary: one line for the lesson picker")
	} else {
		v.text(path("").key("summary"), l.Summary, "the summary")
	}
	if !v.has(path("").key("steps")) || len(l.Steps) == 0 {
		v.errorf(path("").key("steps"), "missing steps: a lesson needs at least one step")
	}
}

// text checks that t is written in every language of the title.
func (v *validator) text(p path, t i18n.Text, what string) {
	if t == nil {
		return
	}
	var missing []string
	for _, lang := range v.langs {
		if t[lang] == "" {
			missing = append(missing, lang)
		}
	}
	if len(missing) > 0 {
		v.errorf(p, "%s has no %s text, but the title is written in %s: a lesson is complete in every language of its title",
			what, strings.Join(missing, ", "), strings.Join(v.langs, " and "))
	}
}

func (v *validator) providers() {
	domains := make([]string, 0, len(v.l.Providers))
	for d := range v.l.Providers {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		p := path("").key("providers").key(d)
		if !slices.Contains(Domains, d) {
			v.errorf(p, "unknown provider %q: the simulated providers are %s", d, strings.Join(Domains, " and "))
		}
		ps := v.l.Providers[d]
		if !v.has(p.key("roles")) {
			v.errorf(p, "provider %s needs roles: the servers it runs (%s)", d, roles.Names())
		}
		seen := map[string]bool{}
		for i, r := range ps.Roles {
			switch {
			case !knownRole(r):
				v.errorf(p.key("roles").index(i), "unknown server role %q (want one of %s)", r, roles.Names())
			case seen[r]:
				v.errorf(p.key("roles").index(i), "role %s is listed twice", r)
			}
			seen[r] = true
		}
	}
}

// offers reports whether the provider of domain runs the role.
func (v *validator) offers(domain, role string) bool {
	if domain == "" {
		domain = DefaultDomain
	}
	ps, ok := v.l.Providers[domain]
	return !ok || slices.Contains(ps.Roles, role)
}

func userKey(name, domain string) string {
	if domain == "" {
		domain = DefaultDomain
	}
	return name + "@" + domain
}

func (v *validator) seedUser(name, domain string) (*SeedUser, bool) {
	for i := range v.l.Seed.Users {
		u := &v.l.Seed.Users[i]
		if userKey(u.Name, u.Domain) == userKey(name, domain) {
			return u, true
		}
	}
	return nil, false
}

// splitUser splits "alice" or "alice@example.org".
func splitUser(s string) (name, domain string) {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, ""
}

func (v *validator) seed() {
	users := path("").key("seed").key("users")
	seen := map[string]bool{}
	for i := range v.l.Seed.Users {
		u := &v.l.Seed.Users[i]
		p := users.index(i)
		switch {
		case u.Name == "":
			v.errorf(p, "a seed user needs a name")
		case !nameRE.MatchString(u.Name):
			v.errorf(p.key("name"), "user name %q: use letters, digits, '.', '_' or '-' (the domain goes in domain:)", u.Name)
		}
		if u.Domain != "" && !domainRE.MatchString(u.Domain) {
			v.errorf(p.key("domain"), "domain %q: want a lowercase domain name such as example.org", u.Domain)
		}
		if u.Password == "" {
			v.errorf(p, "seed user %q needs a password", u.Name)
		}
		if u.Quota < 0 {
			v.errorf(p.key("quota"), "quota must be 0 (none) or more octets")
		}
		key := userKey(u.Name, u.Domain)
		if seen[key] {
			v.errorf(p.key("name"), "seed user %s is listed twice", key)
		}
		seen[key] = true
		names := make([]string, 0, len(u.Mailboxes))
		for name := range u.Mailboxes {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			mp := p.key("mailboxes").key(name)
			if strings.TrimSpace(name) == "" {
				v.errorf(mp, "a mailbox needs a name")
			}
			for j, m := range u.Mailboxes[name] {
				v.message(mp.index(j), m)
			}
		}
	}
}

// message checks a seed or delivered message.
func (v *validator) message(p path, m mailstore.SeedMessage) {
	var inline []string
	for _, f := range []struct {
		key string
		set bool
	}{
		{"from", m.From != ""}, {"to", m.To != ""}, {"cc", m.Cc != ""}, {"subject", m.Subject != ""},
		{"message-id", m.MessageID != ""}, {"body", m.Body != ""}, {"attachments", len(m.Attachments) > 0},
	} {
		if f.set {
			inline = append(inline, f.key)
		}
	}
	if m.File != "" && len(inline) > 0 {
		v.errorf(p.key("file"), "a message is either a file or inline fields, not both: this one has file and %s", strings.Join(inline, ", "))
	} else if m.File == "" && len(inline) == 0 {
		v.errorf(p, "an empty message: give file: (an .eml file) or inline fields (from, to, subject, body)")
	}
	if m.File != "" {
		v.file(p.key("file"), m.File)
	}
	if m.Date != "" && !parsesAsDate(m.Date) {
		v.errorf(p.key("date"), "date %q: want RFC 3339 (2026-11-24T09:00:00+07:00) or RFC 5322", m.Date)
	}
	if m.Vary != nil {
		switch err := m.Vary.Check(); {
		case m.Repeat <= 1:
			v.errorf(p.key("vary"), "vary needs repeat: of 2 or more (it varies the copies)")
		case err != nil:
			at := p.key("vary")
			for _, k := range []string{"lines", "every"} {
				if strings.HasPrefix(err.Error(), "vary: "+k) && v.has(at.key(k)) {
					at = at.key(k)
				}
			}
			v.errorf(at, "%s", err)
		case m.Vary.Every != "" && m.Date == "":
			v.errorf(p.key("vary").key("every"), "vary: every needs the message's date: (the first copy's)")
		}
	}
	if m.Repeat < 0 || m.Repeat > mailstore.MaxSeedRepeat {
		v.errorf(p.key("repeat"), "repeat must be between 1 and %d", mailstore.MaxSeedRepeat)
	} else {
		v.countSeed(p, m)
	}
	for i, a := range m.Attachments {
		ap := p.key("attachments").index(i)
		if a.Name == "" {
			v.errorf(ap, "an attachment needs a name")
		}
		if a.File != "" && a.Content != "" {
			v.errorf(ap.key("file"), "an attachment has either content or file, not both")
		}
		if a.File != "" {
			v.file(ap.key("file"), a.File)
		}
	}
}

// countSeed adds a message, times its repeat, to the lesson's total and
// reports the message that takes the total over mailstore's limits.
func (v *validator) countSeed(p path, m mailstore.SeedMessage) {
	n := max(m.Repeat, 1)
	size := int64(len(m.Body)) + 300 // headers
	if m.Vary != nil && len(m.Vary.Lines) == 2 {
		longest := 0
		for _, l := range strings.Split(m.Body, "\n") {
			longest = max(longest, len(l)+2)
		}
		size = int64(m.Vary.Lines[1]*longest) + 300
	}
	if m.File != "" {
		size = v.fileSize(m.File)
	}
	for _, a := range m.Attachments {
		size += int64(len(a.Content))*4/3 + 200
		if a.File != "" {
			size += v.fileSize(a.File) * 4 / 3
		}
	}
	v.seeded.messages += n
	v.seeded.bytes += size * int64(n)
	if v.seeded.over {
		return
	}
	at := p
	if m.Repeat > 1 {
		at = p.key("repeat")
	}
	switch {
	case v.seeded.messages > mailstore.MaxSeedMessages:
		v.seeded.over = true
		v.errorf(at, "this message takes the lesson over %d seeded messages in all (repeats count)", mailstore.MaxSeedMessages)
	case v.seeded.bytes > mailstore.MaxSeedBytes:
		v.seeded.over = true
		v.errorf(at, "this message takes the lesson over %d MB of seeded mail in all (about %d MB; repeats count)", mailstore.MaxSeedBytes>>20, v.seeded.bytes>>20)
	}
}

// fileSize is the size of a lesson file, 0 if it cannot be read (file
// reports that).
func (v *validator) fileSize(name string) int64 {
	if v.fsys == nil {
		return 0
	}
	fi, err := fs.Stat(v.fsys, slashpath.Clean(strings.ReplaceAll(name, `\`, "/")))
	if err != nil {
		return 0
	}
	return fi.Size()
}

func parsesAsDate(s string) bool {
	for _, layout := range dateLayouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// file checks that a seed file exists, when the lesson's directory is known.
func (v *validator) file(p path, name string) {
	if v.fsys == nil {
		return
	}
	clean := slashpath.Clean(strings.ReplaceAll(name, `\`, "/"))
	if !fs.ValidPath(clean) {
		v.errorf(p, "file %q: give a path inside the lesson's folder", name)
		return
	}
	if _, err := fs.Stat(v.fsys, clean); err != nil {
		if strings.Contains(err.Error(), "escapes") {
			v.errorf(p, "file %q: it leads out of the lesson's folder (a symbolic link?); seed files must be inside it", name)
			return
		}
		v.errorf(p, "file %q: not found next to the lesson", name)
	}
}

func (v *validator) actors() {
	seen := map[string]bool{}
	for i := range v.l.Actors {
		a := &v.l.Actors[i]
		p := path("").key("actors").index(i)
		switch {
		case a.Name == "":
			v.errorf(p, "an actor needs a name (laptop, phone, ...)")
		case !nameRE.MatchString(a.Name):
			v.errorf(p.key("name"), "actor name %q: use letters, digits, '.', '_' or '-'", a.Name)
		case seen[a.Name]:
			v.errorf(p.key("name"), "two actors are named %q", a.Name)
		}
		seen[a.Name] = true
		switch {
		case a.Protocol == "":
			v.errorf(p, "actor %q needs a protocol: one of %s", a.Name, strings.Join(Protocols, ", "))
		case !slices.Contains(Protocols, a.Protocol):
			v.errorf(p.key("protocol"), "actor %q: unknown protocol %q (want one of %s)", a.Name, a.Protocol, strings.Join(Protocols, ", "))
		}
		v.text(p.key("client"), a.Client, "client")
		if a.User == "" {
			continue
		}
		if name, domain := splitUser(a.User); domain != "" {
			if a.Domain != "" && a.Domain != domain {
				v.errorf(p.key("domain"), "actor %q: user %s and domain %s disagree", a.Name, a.User, a.Domain)
			}
			a.User, a.Domain = name, domain
		}
		u, ok := v.seedUser(a.User, a.Domain)
		if !ok {
			v.errorf(p.key("user"), "actor %q logs in as %s, who is not a seed user", a.Name, userKey(a.User, a.Domain))
			continue
		}
		if a.Password == "" {
			a.Password = u.Password
		}
	}
	v.sharedDevices()
}

// sharedDevices checks the actors that fill another actor's local mail
// (device:): the device is a POP3 actor of its own, and the actors that
// share it speak POP3 (another account) or SMTP (the sending side, which
// keeps sent mail there).
func (v *validator) sharedDevices() {
	for i := range v.l.Actors {
		a := &v.l.Actors[i]
		if a.Device == "" {
			continue
		}
		p := path("").key("actors").index(i).key("device")
		d, ok := v.l.Actor(a.Device)
		switch {
		case !ok:
			v.errorf(p, "actor %q: device %q is not an actor (actors: %s)", a.Name, a.Device, v.actorNames())
		case d.Name == a.Name:
			v.errorf(p, "actor %q names itself as its device: leave device: out", a.Name)
		case d.Device != "":
			v.errorf(p, "actor %q: %s fills %s's local mail itself: name %s", a.Name, d.Name, d.Device, d.Device)
		case d.Protocol != "pop3":
			v.errorf(p, "actor %q: device %s speaks %s; only a POP3 device keeps local folders others fill (an IMAP cache mirrors its one server)", a.Name, d.Name, d.Protocol)
		case a.Protocol != "pop3" && a.Protocol != "smtp":
			v.errorf(p, "actor %q speaks %s: only POP3 accounts and SMTP senders fill a device's local folders", a.Name, a.Protocol)
		}
	}
}

// stepState follows the lesson through its steps: which actor acts by
// default and which actors hold an open connection.
type stepState struct {
	current   string
	connected map[string]bool
	at        map[string]string // actor -> the server it is connected to, "example.com/pop3"
	down      map[string]bool   // servers a server step stopped, "example.com/pop3"
}

func (v *validator) steps() {
	st := &stepState{connected: map[string]bool{}, at: map[string]string{}, down: map[string]bool{}}
	covers := map[string]bool{}
	for i := range v.l.Steps {
		s := &v.l.Steps[i]
		p := path("").key("steps").index(i)
		v.text(p.key("title"), s.Title, "the step title")
		v.text(p.key("say"), s.Say, "say")
		v.text(p.key("note"), s.Note, "note")
		v.text(p.key("reply"), s.Reply, "reply")
		for j, c := range s.Covers {
			if v.claims != nil && !v.claims[c] {
				v.errorf(p.key("covers").index(j), "unknown claim %q (the claims are in lessons/claims.yaml)", c)
				continue
			}
			covers[c] = true
		}
		v.step(p, s, st)
	}
	v.l.Covers = make([]string, 0, len(covers))
	for c := range covers {
		v.l.Covers = append(v.l.Covers, c)
	}
	sort.Strings(v.l.Covers)
}

func (v *validator) step(p path, s *Step, st *stepState) {
	kp := p.key(string(s.Kind)) // the action's value
	switch s.Kind {
	case Connect:
		a, ok := v.actor(kp, s.Actor)
		if !ok {
			st.current = s.Actor // reported here; the steps after it are not blamed again
			return
		}
		if st.connected[a.Name] {
			v.errorf(kp, "%s is already connected: disconnect or drop it first", a.Name)
		}
		st.connected[a.Name], st.current = true, a.Name
		if s.To == "" {
			s.To = string(roles.Default(wire.Protocol(a.Protocol)))
		} else if allowed := rolesOf(a.Protocol); allowed != nil && !slices.Contains(allowed, s.To) {
			v.errorf(p.key("to"), "%s speaks %s, so it connects to %s, not %q", a.Name, a.Protocol, strings.Join(allowed, " or "), s.To)
		}
		domain := a.Domain
		if domain == "" {
			domain = DefaultDomain
		}
		st.at[a.Name] = domain + "/" + s.To
		switch offered := v.offers(domain, s.To); {
		case s.Expect != ExpectRefused && offered && st.down[domain+"/"+s.To]:
			v.errorf(kp, "%s's %s server is down here (a server step stopped it), so this connection is refused: say so with expect: refused", domain, s.To)
		case s.Expect == ExpectRefused && offered && st.down[domain+"/"+s.To]:
		case s.Expect == ExpectRefused && offered:
			v.errorf(p.key("expect"), "expect: refused, but %s runs the %s role: leave it out of providers: %s: roles", domain, s.To, domain)
		case s.Expect != ExpectRefused && !offered:
			v.errorf(kp, "%s runs no %s server (see providers:), so this connection is refused: say so with expect: refused", domain, s.To)
		}
		if s.Expect == ExpectRefused {
			if s.Contains != "" || s.Reply != nil || s.Eavesdrop {
				v.errorf(p.key("expect"), "a refused connection has no greeting: contains, reply and eavesdrop do not apply")
			}
			st.connected[a.Name] = false // nothing to disconnect
			return
		}
		v.expect(p, s, a, true)
	case Send, Data, Disconnect, Drop, Wait:
		a, ok := v.actingActor(p, s, st)
		if !ok {
			return
		}
		if !st.connected[a.Name] {
			v.errorf(kp, "%s has no connection here: connect it first", a.Name)
		}
		switch s.Kind {
		case Send:
			v.send(p, s, a, st)
		case Data:
			if a.Protocol != "smtp" {
				v.errorf(kp, "data is SMTP message content, but %s speaks %s", a.Name, a.Protocol)
			}
			v.expect(p, s, a, false)
		case Disconnect, Drop:
			v.expect(p, s, a, false)
			st.connected[a.Name] = false
		case Wait:
			if a.Protocol != "imap" {
				v.errorf(kp, "wait is for IMAP IDLE updates, but %s speaks %s", a.Name, a.Protocol)
			}
			if s.Timeout < 1 || s.Timeout > maxMillis {
				v.errorf(p.key("timeout"), "timeout must be between 1 and %d milliseconds", maxMillis)
			}
		}
	case Pause:
		if s.Timeout < 1 || s.Timeout > maxMillis {
			v.errorf(kp, "pause must be between 1 and %d milliseconds", maxMillis)
		}
	case Check:
		v.check(kp, s.Check)
	case Quiz:
		v.quiz(kp, s.Quiz)
	case Deliver:
		v.deliver(kp, s.Deliver)
	case Server:
		v.server(kp, s.Server, st)
	case Device:
		v.device(p, s, st)
	}
}

// server checks a server step and follows which servers are down, and
// which actors lose their connection with them.
func (v *validator) server(p path, ss *ServerSpec, st *stepState) {
	if ss == nil {
		return
	}
	if ss.Domain == "" {
		ss.Domain = DefaultDomain
	}
	ok := true
	if !slices.Contains(Domains, ss.Domain) {
		v.errorf(p.key("domain"), "unknown provider %q: the simulated providers are %s", ss.Domain, strings.Join(Domains, " and "))
		ok = false
	}
	switch {
	case ss.Role == "":
		v.errorf(p, "a server step needs role: the server that goes down or up (%s)", roles.Names())
		ok = false
	case !knownRole(ss.Role):
		v.errorf(p.key("role"), "unknown server role %q (want one of %s)", ss.Role, roles.Names())
		ok = false
	case ok && !v.offers(ss.Domain, ss.Role):
		v.errorf(p.key("role"), "%s runs no %s server (see providers:): there is nothing to stop or start", ss.Domain, ss.Role)
		ok = false
	}
	key := ss.Domain + "/" + ss.Role
	switch {
	case ss.State == "":
		v.errorf(p, "a server step needs state: down or up")
	case !slices.Contains(ServerStates, ss.State):
		v.errorf(p.key("state"), "state %q: want down or up", ss.State)
	case !ok:
	case ss.State == "down" && st.down[key]:
		v.errorf(p.key("state"), "the %s server of %s is already down", ss.Role, ss.Domain)
	case ss.State == "up" && !st.down[key]:
		v.errorf(p.key("state"), "the %s server of %s is not down: stop it with state: down first", ss.Role, ss.Domain)
	case ss.State == "down":
		st.down[key] = true
		for name, at := range st.at {
			if at == key {
				st.connected[name] = false // the connection is lost with the server
			}
		}
	default:
		delete(st.down, key)
	}
}

// device checks a device step.
func (v *validator) device(p path, s *Step, st *stepState) {
	ds := s.Device
	if ds == nil {
		return
	}
	kp := p.key(string(Device))
	a, ok := v.actor(kp.key("actor"), ds.Actor)
	switch {
	case ds.Action == "":
		v.errorf(kp, "a device step needs action: one of %s", strings.Join(DeviceActions, ", "))
		return
	case !slices.Contains(DeviceActions, ds.Action):
		v.errorf(kp.key("action"), "unknown device action %q (want one of %s)", ds.Action, strings.Join(DeviceActions, ", "))
		return
	}
	needsSubject := ds.Action == "read-offline" || ds.Action == "scan"
	switch {
	case needsSubject && ds.Subject == "":
		v.errorf(kp, "%s needs subject: the message to open", ds.Action)
	case !needsSubject && ds.Subject != "":
		v.errorf(kp.key("subject"), "%s acts on the whole local folder: subject does not apply", ds.Action)
	}
	switch {
	case ds.Action == "move" && ds.To == "":
		v.errorf(kp, "move needs to: the actor whose device receives the copy")
	case ds.Action != "move" && ds.To != "":
		v.errorf(kp.key("to"), "to applies to move only")
	case ds.Action == "move":
		if b, ok2 := v.actor(kp.key("to"), ds.To); ok && ok2 && deviceOf(a) == deviceOf(b) {
			v.errorf(kp.key("to"), "%s and %s share one device: move copies to another device", ds.Actor, ds.To)
		}
	}
	switch {
	case s.Expect != "" && s.Expect != ExpectFail:
		v.errorf(p.key("expect"), "expect %q: a device step can only expect: fail", s.Expect)
	case s.Expect == ExpectFail && !needsSubject:
		v.errorf(p.key("expect"), "%s always happens: only read-offline and scan can expect: fail", ds.Action)
	}
	if ok && ds.Action == "read-offline" {
		dev := deviceOf(a)
		for _, b := range v.l.Actors {
			if (b.Name == dev || b.Device == dev) && st.connected[b.Name] {
				v.errorf(kp.key("actor"), "read-offline reads with no connection, but %s is connected here: disconnect it first (or stop its server)", b.Name)
				break
			}
		}
	}
}

// deviceOf names the device whose local mail an actor fills.
func deviceOf(a *Actor) string {
	if a.Device != "" {
		return a.Device
	}
	return a.Name
}

// actor resolves an actor name written at p.
func (v *validator) actor(p path, name string) (*Actor, bool) {
	if name == "" {
		v.errorf(p, "name an actor")
		return nil, false
	}
	a, ok := v.l.Actor(name)
	if !ok {
		v.errorf(p, "unknown actor %q (actors: %s)", name, v.actorNames())
	}
	return a, ok
}

func (v *validator) actorNames() string {
	if len(v.l.Actors) == 0 {
		return "none: add an actors: list"
	}
	names := make([]string, len(v.l.Actors))
	for i, a := range v.l.Actors {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

// actingActor resolves the actor of a send, data, disconnect, drop or wait
// step, which defaults to the previous step's actor, and records it in the
// step.
func (v *validator) actingActor(p path, s *Step, st *stepState) (*Actor, bool) {
	at := p.key(string(s.Kind))
	if s.Kind == Send || s.Kind == Data {
		at = p.key("actor")
	}
	if s.Actor == "" {
		if st.current == "" {
			v.errorf(p, "%s needs an actor: no earlier step names one, so add actor: <name>", s.Kind)
			return nil, false
		}
		s.Actor = st.current
		if _, ok := v.l.Actor(s.Actor); !ok {
			return nil, false // unknown, and reported where it was named
		}
	}
	a, ok := v.actor(at, s.Actor)
	if ok {
		st.current = a.Name
	}
	return a, ok
}

func (v *validator) send(p path, s *Step, a *Actor, st *stepState) {
	kp := p.key(string(Send))
	if strings.ContainsAny(s.Command, "\r\n") {
		v.errorf(kp, "send is one command line; an IMAP literal goes in literal:, SMTP message content in a data step")
	}
	if s.Literal != "" && a.Protocol != "imap" {
		v.errorf(p.key("literal"), "literal is for IMAP, but %s speaks %s", a.Name, a.Protocol)
	}
	v.each(p, s)
	v.expect(p, s, a, false)
	fields := strings.Fields(strings.ToUpper(s.Command))
	switch {
	case a.Protocol != "imap" && len(fields) > 0 && fields[0] == "QUIT",
		a.Protocol == "imap" && len(fields) > 1 && fields[1] == "LOGOUT":
		st.connected[a.Name] = false // the server closes the connection
	}
}

// each checks a send step's Each: a range, a command that uses {n}, and
// nothing that cannot repeat.
func (v *validator) each(p path, s *Step) {
	if s.Each == "" {
		if strings.Contains(s.Command, "{n}") {
			v.errorf(p.key(string(Send)), "{n} stands for the number of each: give each: (a range such as 1-100)")
		}
		return
	}
	ep := p.key("each")
	if _, _, ok := EachRange(s.Each); !ok {
		v.errorf(ep, "each %q: want a range first-last, such as 2-9999, with 1 <= first <= last <= %d", s.Each, MaxEach)
	}
	if !strings.Contains(s.Command, "{n}") {
		v.errorf(p.key(string(Send)), "a send with each: repeats its command for every number: put {n} where the number goes (RETR {n})")
	}
	if s.Literal != "" {
		v.errorf(ep, "each: cannot repeat a command with a literal")
	}
	if s.Expect == "" {
		v.errorf(ep, "each: needs expect: the reply every repeat must give (+OK, OK)")
	}
}

// expect checks that a step's expected reply status is one the actor's
// protocol can send.
func (v *validator) expect(p path, s *Step, a *Actor, greeting bool) {
	if s.Expect == "" {
		return
	}
	var ok bool
	var want string
	switch a.Protocol {
	case "pop3":
		ok = s.Expect == "+OK" || s.Expect == "-ERR" || (!greeting && s.Expect == "+")
		want = "+OK or -ERR (or + for a SASL continuation)"
	case "imap":
		if greeting {
			ok = s.Expect == "OK" || s.Expect == "PREAUTH" || s.Expect == "BYE"
			want = "OK, PREAUTH or BYE (an IMAP greeting)"
		} else {
			ok = s.Expect == "OK" || s.Expect == "NO" || s.Expect == "BAD" || s.Expect == "+"
			want = "OK, NO or BAD (or + for a continuation)"
		}
	case "smtp":
		ok = smtpCodeRE.MatchString(s.Expect)
		want = "a reply code or its first digits, such as 250, 35 or 5"
	default:
		return
	}
	if !ok {
		v.errorf(p.key("expect"), "expect %q cannot match a %s reply: want %s", s.Expect, strings.ToUpper(a.Protocol), want)
	}
}

func (v *validator) check(p path, c *CheckSpec) {
	if c == nil {
		return
	}
	if v.has(p.key("stats")) {
		v.stats(p, c)
		return
	}
	switch {
	case c.Server == "" && c.Device == "":
		v.errorf(p, "a check looks at a server mailbox (server: alice/INBOX) or a device's copy (device: laptop): give one")
	case c.Server != "" && c.Device != "":
		v.errorf(p.key("device"), "a check looks at a server or a device, not both: split it into two checks")
	case c.Server != "":
		user, _, _ := strings.Cut(c.Server, "/")
		name, domain := splitUser(user)
		if _, ok := v.seedUser(name, domain); !ok {
			v.errorf(p.key("server"), "server %q: %s is not a seed user", c.Server, userKey(name, domain))
		}
		if strings.HasSuffix(c.Server, "/") {
			v.errorf(p.key("server"), "server %q: name the mailbox after the /, or leave out the / for INBOX", c.Server)
		}
	default:
		if _, ok := v.l.Actor(c.Device); !ok {
			v.errorf(p.key("device"), "unknown device %q: a device is an actor (actors: %s)", c.Device, v.actorNames())
		}
		if c.UID != 0 {
			v.errorf(p.key("uid"), "uid is a server's message number: a device check uses subject")
		}
	}
	if c.Count == nil && c.Subject == "" && c.UID == 0 {
		v.errorf(p, "a check needs something to check: count, subject, or uid with flags")
	}
	if c.Count != nil && *c.Count < 0 {
		v.errorf(p.key("count"), "count must be 0 or more")
	}
	if (len(c.Flags) > 0 || len(c.NoFlags) > 0) && c.UID == 0 && c.Subject == "" {
		v.errorf(p, "flags need the message they belong to: give uid or subject")
	}
	if c.Missing && c.Subject == "" {
		v.errorf(p.key("missing"), "missing needs the subject of the message that must be gone")
	}
	if c.Missing && (len(c.Flags) > 0 || len(c.NoFlags) > 0) {
		v.errorf(p.key("missing"), "a missing message has no flags to check")
	}
}

// stats checks a stats check: actors and nothing else.
func (v *validator) stats(p path, c *CheckSpec) {
	if c.Server != "" || c.Device != "" || c.Count != nil || c.Subject != "" || c.UID != 0 || len(c.Flags) > 0 || len(c.NoFlags) > 0 || c.Missing {
		v.errorf(p.key("stats"), "a stats check shows what actors sent and received: it takes no other field (split it into two checks)")
	}
	if len(c.Stats) == 0 {
		v.errorf(p.key("stats"), "stats needs the actors to compare, e.g. stats: [laptop, phone]")
	}
	seen := map[string]bool{}
	for i, name := range c.Stats {
		if _, ok := v.actor(p.key("stats").index(i), name); ok && seen[name] {
			v.errorf(p.key("stats").index(i), "%s is listed twice", name)
		}
		seen[name] = true
	}
}

func (v *validator) quiz(p path, q *QuizSpec) {
	if q == nil {
		return
	}
	if q.Question.IsZero() {
		v.errorf(p, "a quiz needs a question")
	} else {
		v.text(p.key("question"), q.Question, "the question")
	}
	v.text(p.key("explain"), q.Explain, "explain")
	correct := 0
	for i, c := range q.Choices {
		cp := p.key("choices").index(i)
		if c.Text.IsZero() {
			v.errorf(cp, "a choice needs a text")
		} else {
			v.text(cp.key("text"), c.Text, "the choice")
		}
		if c.Correct {
			correct++
		}
	}
	switch {
	case len(q.Choices) < 2:
		v.errorf(p.key("choices"), "a quiz needs at least 2 choices, it has %d", len(q.Choices))
	case correct == 0:
		v.errorf(p.key("choices"), "no choice is correct: mark the right answer with correct: true")
	}
}

func (v *validator) deliver(p path, ds *DeliverSpec) {
	if ds == nil {
		return
	}
	if ds.To == "" {
		v.errorf(p, "deliver needs to: the user the message arrives for")
	} else if name, domain := splitUser(ds.To); !v.hasUser(name, domain) {
		v.errorf(p.key("to"), "deliver to %s: not a seed user", userKey(name, domain))
	}
	if ds.Mailbox == "" {
		ds.Mailbox = "INBOX"
	}
	if !v.has(p.key("message")) {
		v.errorf(p, "deliver needs a message: {from: ..., subject: ..., body: ...}")
		return
	}
	v.message(p.key("message"), ds.Message)
}

func (v *validator) hasUser(name, domain string) bool {
	_, ok := v.seedUser(name, domain)
	return ok
}

// String describes a step for run-time messages: "send STAT (line 12)".
func (s *Step) String() string {
	var what string
	switch s.Kind {
	case Send:
		what = "send " + s.Command
	case Connect, Disconnect, Drop, Wait:
		what = fmt.Sprintf("%s %s", s.Kind, s.Actor)
	case Server:
		if s.Server != nil {
			what = fmt.Sprintf("server %s %s %s", s.Server.Domain, s.Server.Role, s.Server.State)
		}
	case Device:
		if s.Device != nil {
			what = fmt.Sprintf("device %s %s", s.Device.Actor, s.Device.Action)
		}
	default:
		what = string(s.Kind)
	}
	return fmt.Sprintf("%s (line %d)", what, s.Line)
}
