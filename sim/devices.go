package sim

import (
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
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
		m.Account = a.account()
		// The message goes into the device's local mail: the actor's own,
		// or the device's it shares (several accounts in one mail app).
		d := a.device()
		d.keepRaw(m, rep.Body)
		// The local mail is kept in localLess order: find its place (a
		// mail app downloading 10,000 messages must not sort 10,000 times).
		i := sort.Search(len(d.local), func(i int) bool { return !localLess(d.local[i], m) })
		if i < len(d.local) && d.local[i].Key() == m.Key() {
			d.local[i] = m
			return
		}
		d.local = slices.Insert(d.local, i, m)
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

func parseLocal(uid uint32, raw []byte) events.LocalMessage {
	m := mailstore.ParseHeaders(raw)
	return events.LocalMessage{UID: uid, Subject: m.Subject, From: m.From, Size: len(raw)}
}

// State returns the world now: every provider's store and every device.
func (r *Runner) State() *events.State {
	st := &events.State{}
	for _, p := range r.net.Providers {
		ps := events.ProviderState{Domain: p.Domain, Snapshot: p.Store.Snapshot(), Marked: map[string]bool{}}
		st.Providers = append(st.Providers, ps)
	}
	for _, spec := range r.lesson.Actors {
		a := r.actors[spec.Name]
		if a == nil {
			continue
		}
		if a.device() != a {
			// It fills another device's local mail: that device shows it.
			// Its POP3 marks are the server's state all the same.
			if a.sess != nil {
				if ps, ok := st.Provider(domainOr(spec.Domain)); ok {
					for uid := range a.sess.marked {
						ps.Marked[events.MarkKey(a.sess.user, uid)] = true
					}
				}
			}
			continue
		}
		ds := events.DeviceState{Name: spec.Name, Protocol: spec.Protocol, User: spec.User + "@" + domainOr(spec.Domain),
			Client: spec.Client, Local: append([]events.LocalMessage(nil), a.local...)}
		if a.sess != nil {
			ds.Connected, ds.Host = true, a.sess.host
			if ps, ok := st.Provider(domainOr(spec.Domain)); ok {
				for uid := range a.sess.marked {
					ps.Marked[events.MarkKey(a.sess.user, uid)] = true
				}
			}
		}
		r.mu.Lock()
		for _, b := range r.lesson.Actors {
			if t := r.traffic[b.Name]; t != nil && r.actors[b.Name] != nil && r.actors[b.Name].device() == a {
				ds.Sent += t.out
				ds.Received += t.in
			}
		}
		r.mu.Unlock()
		st.Devices = append(st.Devices, ds)
	}
	return st
}

// check evaluates a check step and emits its result.
func (r *Runner) check(c *lessons.CheckSpec) error {
	if len(c.Stats) > 0 {
		return r.stats(c.Stats)
	}
	msg, err := r.evalCheck(c)
	ok := err == nil
	if ok {
		r.checks[0]++
	} else {
		r.checks[1]++
		msg = textOf(err)
	}
	r.emit(events.Event{Kind: events.EventCheck, OK: ok, Text: msg})
	return err
}

type checkedMessage struct {
	uid     uint32
	subject string
	flags   []string
}

// evalCheck says what a check found, in every language of lessons' word
// catalog; its errors are too (textOf).
func (r *Runner) evalCheck(c *lessons.CheckSpec) (i18n.Text, error) {
	var where i18n.Text
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
			return nil, errorf("no provider %q", domain)
		}
		list, _, err := p.Store.Messages(user, mbox)
		if err != nil {
			return nil, err
		}
		for _, m := range list {
			msgs = append(msgs, checkedMessage{m.UID, m.Subject, m.Flags})
		}
		where = i18n.Textf("the server's %s@%s %s", user, domain, mbox)
	case c.Device != "":
		a, ok := r.actors[c.Device]
		if !ok {
			return nil, errorf("no device %q", c.Device)
		}
		for _, m := range a.local {
			msgs = append(msgs, checkedMessage{m.UID, m.Subject, m.Flags})
		}
		where = i18n.Textf("device %s's local mailbox", c.Device)
	default:
		return nil, errorf("a check needs a server or a device")
	}
	var said []i18n.Text
	if c.Count != nil {
		if len(msgs) != *c.Count {
			return nil, errorf("%s holds %s, expected %d", where, messages(len(msgs)), *c.Count)
		}
		said = append(said, i18n.Textf("%s holds %s", where, messages(len(msgs))))
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
			return nil, errorf("%s is still in %s", what, where)
		case c.Missing:
			said = append(said, i18n.Textf("%s is gone from %s", what, where))
		case found == nil:
			return nil, errorf("%s is not in %s", what, where)
		default:
			for _, f := range c.Flags {
				if !slices.ContainsFunc(found.flags, func(g string) bool { return strings.EqualFold(g, f) }) {
					return nil, errorf("%s in %s lacks %s (flags: %s)", what, where, f, flagsText(found.flags))
				}
			}
			for _, f := range c.NoFlags {
				if slices.ContainsFunc(found.flags, func(g string) bool { return strings.EqualFold(g, f) }) {
					return nil, errorf("%s in %s has %s, expected it not to", what, where, f)
				}
			}
			said = append(said, i18n.Textf("%s is in %s with flags %s", what, where, flagsText(found.flags)))
		}
	}
	if len(said) == 0 {
		said = append(said, i18n.Textf("%s holds %s", where, messages(len(msgs))))
	}
	out := i18n.Text{}
	for i, t := range said {
		for _, lang := range i18n.WordLanguages {
			if i > 0 {
				out[lang] += "; "
			}
			out[lang] += t.In(lang)
		}
	}
	return out, nil
}

func describeTarget(c *lessons.CheckSpec) i18n.Text {
	switch {
	case c.Subject != "" && c.UID != 0:
		return i18n.Textf("message UID %d (%q)", c.UID, c.Subject)
	case c.Subject != "":
		return i18n.Textf("the message %q", c.Subject)
	}
	return i18n.Textf("message UID %d", c.UID)
}

func flagList(flags []string) string {
	if len(flags) == 0 {
		return "(none)"
	}
	return "(" + strings.Join(flags, " ") + ")"
}

// messages is "1 message", "3 messages".
func messages(n int) i18n.Text {
	if n == 1 {
		return i18n.Textf("1 message")
	}
	return i18n.Textf("%d messages", n)
}

// flagsText is flagList, "(none)" in the reader's language.
func flagsText(flags []string) i18n.Text {
	if len(flags) == 0 {
		return i18n.Textf("(none)")
	}
	return i18n.Text{i18n.Fallback: flagList(flags)}
}

// textError is an error the learner reads: its message is a Text, in every
// language of the word catalog (internal/i18n); Error() is its English.
type textError struct {
	text i18n.Text
	err  error // the error it was made from, if any
}

func (e *textError) Error() string         { return e.text.In(i18n.Fallback) }
func (e *textError) Unwrap() error         { return e.err }
func (e *textError) In(lang string) string { return e.text.In(lang) }

// errorf is fmt.Errorf for what the learner reads: format is a word of
// the catalog, internal/i18n (use %s, not %w, for an error: the first error among
// args is wrapped).
func errorf(format string, args ...any) error {
	e := &textError{text: i18n.Textf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			e.err = err
			break
		}
	}
	return e
}

// textOf is an error's message in every language it is written in.
func textOf(err error) i18n.Text {
	var te *textError
	if errors.As(err, &te) && te.Error() == err.Error() {
		return te.text
	}
	return i18n.Text{i18n.Fallback: err.Error()}
}
