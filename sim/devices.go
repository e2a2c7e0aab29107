package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"mailsim/lessons"
	"mailsim/sim/mailstore"
	"mailsim/sim/wire"
)

// track keeps a device's bookkeeping after each reply, as a real client
// would: a POP3 client stores what it RETRieves; the server-side marks of
// DELE are shown until QUIT.
func (r *Runner) track(a *actor, cmd string, rep reply) {
	s := a.sess
	if s.proto == wire.IMAP {
		r.trackIMAP(a, cmd, rep)
		return
	}
	if s.proto != wire.POP3 {
		return
	}
	verb, arg, _ := strings.Cut(strings.TrimSpace(cmd), " ")
	verb = strings.ToUpper(verb)
	ok := rep.Status == "+OK"
	switch verb {
	case "USER":
		s.user = strings.TrimSpace(arg)
	case "APOP":
		s.user, _, _ = strings.Cut(strings.TrimSpace(arg), " ")
	case "AUTH":
		if s.user == "" {
			s.user = a.spec.User
		}
	}
	if !ok {
		return
	}
	switch verb {
	case "PASS", "APOP", "AUTH":
		if s.user == "" {
			s.user = a.spec.User
		}
		s.loggedIn = true
		if p, found := r.net.Provider(domainOr(a.spec.Domain)); found {
			if msgs, _, err := p.Store.Messages(s.user, mailstore.Inbox); err == nil {
				for _, m := range msgs {
					s.view = append(s.view, m.UID)
				}
			}
		}
	case "DELE":
		if uid, found := s.uidOf(arg); found {
			s.marked[uid] = true
		}
	case "RSET":
		s.marked = map[uint32]bool{}
	case "RETR":
		uid, found := s.uidOf(arg)
		if !found {
			return
		}
		m := parseLocal(uid, rep.Body)
		m.Body = true
		for i := range a.local {
			if a.local[i].UID == uid {
				a.local[i] = m
				return
			}
		}
		a.local = append(a.local, m)
		sort.Slice(a.local, func(i, j int) bool { return a.local[i].UID < a.local[j].UID })
	case "QUIT":
		s.marked = map[uint32]bool{}
	}
}

func (s *session) uidOf(arg string) (uint32, bool) {
	f := strings.Fields(arg)
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > len(s.view) {
		return 0, false
	}
	return s.view[n-1], true
}

func parseLocal(uid uint32, raw []byte) LocalMessage {
	m := mailstore.ParseHeaders(raw)
	return LocalMessage{UID: uid, Subject: m.Subject, From: m.From, Size: len(raw)}
}

// State returns the world now: every provider's store and every device.
func (r *Runner) State() *State {
	st := &State{}
	for _, p := range r.net.Providers {
		ps := ProviderState{Domain: p.Domain, Snapshot: p.Store.Snapshot(), Marked: map[string]bool{}}
		st.Providers = append(st.Providers, ps)
	}
	for _, spec := range r.lesson.Actors {
		a := r.actors[spec.Name]
		if a == nil {
			continue
		}
		ds := DeviceState{Name: spec.Name, Protocol: spec.Protocol, User: spec.User + "@" + domainOr(spec.Domain),
			Client: spec.Client, Local: append([]LocalMessage(nil), a.local...)}
		if a.sess != nil {
			ds.Connected, ds.Host = true, a.sess.host
			if ps, ok := st.Provider(domainOr(spec.Domain)); ok {
				for uid := range a.sess.marked {
					ps.Marked[MarkKey(a.sess.user, uid)] = true
				}
			}
		}
		st.Devices = append(st.Devices, ds)
	}
	return st
}

// check evaluates a check step and emits its result.
func (r *Runner) check(c *lessons.CheckSpec) error {
	msg, err := r.evalCheck(c)
	ok := err == nil
	if ok {
		r.checks[0]++
	} else {
		r.checks[1]++
		msg = err.Error()
	}
	r.emit(Event{Kind: EventCheck, OK: ok, Text: lessons.Text{lessons.Fallback: msg}})
	return err
}

type checkedMessage struct {
	uid     uint32
	subject string
	flags   []string
}

func (r *Runner) evalCheck(c *lessons.CheckSpec) (string, error) {
	var where string
	var msgs []checkedMessage
	switch {
	case c.Server != "":
		user, mbox, _ := strings.Cut(c.Server, "/")
		if mbox == "" {
			mbox = mailstore.Inbox
		}
		user, domain, _ := strings.Cut(user, "@")
		domain = domainOr(domain)
		p, ok := r.net.Provider(domain)
		if !ok {
			return "", fmt.Errorf("no provider %q", domain)
		}
		list, _, err := p.Store.Messages(user, mbox)
		if err != nil {
			return "", err
		}
		for _, m := range list {
			msgs = append(msgs, checkedMessage{m.UID, m.Subject, m.Flags})
		}
		where = "the server's " + user + "@" + domain + " " + mbox
	case c.Device != "":
		a, ok := r.actors[c.Device]
		if !ok {
			return "", fmt.Errorf("no device %q", c.Device)
		}
		for _, m := range a.local {
			msgs = append(msgs, checkedMessage{m.UID, m.Subject, m.Flags})
		}
		where = "device " + c.Device + "'s local mailbox"
	default:
		return "", fmt.Errorf("a check needs a server or a device")
	}
	var said []string
	if c.Count != nil {
		if len(msgs) != *c.Count {
			return "", fmt.Errorf("%s holds %s, expected %d", where, plural(len(msgs), "message"), *c.Count)
		}
		said = append(said, where+" holds "+plural(len(msgs), "message"))
	}
	if c.Subject != "" || c.UID != 0 {
		var found *checkedMessage
		for i := range msgs {
			if (c.UID == 0 || msgs[i].uid == c.UID) && (c.Subject == "" || msgs[i].subject == c.Subject) {
				found = &msgs[i]
				break
			}
		}
		what := describeTarget(c)
		switch {
		case c.Missing && found != nil:
			return "", fmt.Errorf("%s is still in %s", what, where)
		case c.Missing:
			said = append(said, what+" is gone from "+where)
		case found == nil:
			return "", fmt.Errorf("%s is not in %s", what, where)
		default:
			for _, f := range c.Flags {
				if !hasFlag(found.flags, f) {
					return "", fmt.Errorf("%s in %s lacks %s (flags: %s)", what, where, f, flagList(found.flags))
				}
			}
			for _, f := range c.NoFlags {
				if hasFlag(found.flags, f) {
					return "", fmt.Errorf("%s in %s has %s, expected it not to", what, where, f)
				}
			}
			said = append(said, what+" is in "+where+" with flags "+flagList(found.flags))
		}
	}
	if len(said) == 0 {
		said = append(said, where+" holds "+plural(len(msgs), "message"))
	}
	return strings.Join(said, "; "), nil
}

func describeTarget(c *lessons.CheckSpec) string {
	switch {
	case c.Subject != "" && c.UID != 0:
		return "message UID " + strconv.Itoa(int(c.UID)) + " (" + strconv.Quote(c.Subject) + ")"
	case c.Subject != "":
		return "the message " + strconv.Quote(c.Subject)
	}
	return "message UID " + strconv.Itoa(int(c.UID))
}

func hasFlag(flags []string, f string) bool {
	for _, g := range flags {
		if strings.EqualFold(g, f) {
			return true
		}
	}
	return false
}

func flagList(flags []string) string {
	if len(flags) == 0 {
		return "(none)"
	}
	return "(" + strings.Join(flags, " ") + ")"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
