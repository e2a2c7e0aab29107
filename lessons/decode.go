package lessons

import (
	"strings"

	"gopkg.in/yaml.v3"

	"mailsim/sim/mailstore"
)

// This file turns a lesson's YAML nodes into a Lesson, strictly: unknown
// keys, repeated keys, wrong node kinds and malformed steps are reported at
// their node. What the values mean is checked in validate.go.

// actionKinds are the step kinds written as an action key, in the order
// the error messages list them.
var actionKinds = []StepKind{Connect, Send, Data, Disconnect, Drop, Check, Quiz, Deliver, Wait, Pause, Server, Device}

// stepCommon are the keys any step may carry.
var stepCommon = []string{"say", "title", "covers"}

// stepModifiers lists, for each kind, the keys besides the action and
// stepCommon that a step of that kind may carry.
var stepModifiers = map[StepKind][]string{
	Say:        nil,
	Connect:    {"to", "host", "expect", "contains", "note", "reply", "eavesdrop"},
	Send:       {"actor", "expect", "contains", "note", "reply", "literal", "each"},
	Data:       {"actor", "expect", "contains", "note", "reply"},
	Disconnect: {"expect", "note", "reply"},
	Drop:       {"note"},
	Check:      nil,
	Quiz:       nil,
	Deliver:    nil,
	Wait:       {"contains", "timeout", "reply"},
	Pause:      nil,
	Server:     nil,
	Device:     {"expect"},
}

// DefaultWaitTimeout is a wait step's timeout when it gives none, in
// milliseconds.
const DefaultWaitTimeout = 2000

func isAction(k string) bool {
	for _, a := range actionKinds {
		if string(a) == k {
			return true
		}
	}
	return false
}

func isModifier(k string) bool {
	for _, mods := range stepModifiers {
		for _, m := range mods {
			if m == k {
				return true
			}
		}
	}
	return false
}

func actionList() string {
	s := make([]string, len(actionKinds))
	for i, a := range actionKinds {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// lesson decodes the root node. It reports whether the version is one
// this package reads; when it is not, nothing else is decoded.
func (d *decoder) lesson(root *yaml.Node) (*Lesson, bool) {
	l := &Lesson{}
	if root = d.deref(root); root == nil {
		return nil, false
	}
	d.nodes[""] = root
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "a lesson file must be a mapping that starts with \"mailsim-lesson: %d\", not %s", Version, kindName(root))
		return nil, false
	}
	// The version first: a file of another version is not read further.
	var version *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "mailsim-lesson" {
			version = d.deref(root.Content[i+1])
			break
		}
	}
	switch {
	case version == nil:
		d.errorf(root, "missing \"mailsim-lesson: %d\": the first line of a lesson file names the format version", Version)
	case version.Kind != yaml.ScalarNode || version.Value != "1":
		d.errorf(version, "mailsim-lesson: %s is not a version this mailsim reads (it reads %d)", version.Value, Version)
		return nil, false
	}
	d.fields(root, "", "a lesson", map[string]field{
		"mailsim-lesson": func(*yaml.Node, path) {},
		"id": func(v *yaml.Node, _ path) {
			l.ID = d.str(v, "id")
			l.idLine, l.idCol = v.Line, v.Column
		},
		"group":   func(v *yaml.Node, _ path) { l.Group = d.str(v, "group") },
		"title":   func(v *yaml.Node, p path) { l.Title = d.text(v, p, "title") },
		"summary": func(v *yaml.Node, p path) { l.Summary = d.text(v, p, "summary") },
		"seed":    func(v *yaml.Node, p path) { l.Seed = d.seed(v, p) },
		"providers": func(v *yaml.Node, p path) {
			l.Providers = d.providers(v, p)
		},
		"actors": func(v *yaml.Node, p path) {
			d.seq(v, p, "actors", func(_ int, v *yaml.Node, p path) { l.Actors = append(l.Actors, d.actor(v, p)) })
		},
		"steps": func(v *yaml.Node, p path) {
			d.seq(v, p, "steps", func(_ int, v *yaml.Node, p path) { l.Steps = append(l.Steps, d.step(v, p)) })
		},
	})
	return l, true
}

func (d *decoder) seed(n *yaml.Node, p path) Seed {
	var s Seed
	d.fields(n, p, "the seed", map[string]field{
		"users": func(v *yaml.Node, p path) {
			d.seq(v, p, "seed users", func(_ int, v *yaml.Node, p path) { s.Users = append(s.Users, d.seedUser(v, p)) })
		},
	})
	return s
}

// providers decodes `providers: {example.org: {roles: [...]}}`.
func (d *decoder) providers(n *yaml.Node, p path) map[string]ProviderSpec {
	out := map[string]ProviderSpec{}
	if n = d.deref(n); n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "providers must be a mapping of domains to {roles: [...]}, not %s", kindName(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.deref(n.Content[i+1])
		if v == nil {
			continue
		}
		if _, dup := out[k.Value]; dup {
			d.errorf(k, "provider %q is listed twice", k.Value)
			continue
		}
		d.nodes[p.key(k.Value)] = v
		var ps ProviderSpec
		d.fields(v, p.key(k.Value), "a provider", map[string]field{
			"roles": func(v *yaml.Node, p path) { ps.Roles = d.strs(v, p, "roles") },
		})
		out[k.Value] = ps
	}
	return out
}

func (d *decoder) seedUser(n *yaml.Node, p path) SeedUser {
	var u SeedUser
	d.fields(n, p, "a seed user", map[string]field{
		"name":     func(v *yaml.Node, _ path) { u.Name = d.str(v, "a user's name") },
		"password": func(v *yaml.Node, _ path) { u.Password = d.str(v, "a password") },
		"domain":   func(v *yaml.Node, _ path) { u.Domain = d.str(v, "a domain") },
		"quota":    func(v *yaml.Node, _ path) { u.Quota = int64(d.int(v, "quota")) },
		"mailboxes": func(v *yaml.Node, p path) {
			u.Mailboxes = d.mailboxes(v, p)
		},
	})
	return u
}

func (d *decoder) mailboxes(n *yaml.Node, p path) map[string][]mailstore.SeedMessage {
	out := map[string][]mailstore.SeedMessage{}
	if n = d.deref(n); n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "mailboxes must be a mapping of mailbox names to lists of messages, not %s", kindName(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.deref(n.Content[i+1])
		if v == nil {
			continue
		}
		name := k.Value
		if _, dup := out[name]; dup {
			d.errorf(k, "mailbox %q is listed twice", name)
			continue
		}
		d.nodes[p.key(name)] = v
		msgs := []mailstore.SeedMessage{}
		if !isNull(v) {
			d.seq(v, p.key(name), "mailbox "+name, func(_ int, v *yaml.Node, p path) {
				msgs = append(msgs, d.message(v, p))
			})
		}
		out[name] = msgs
	}
	return out
}

func (d *decoder) message(n *yaml.Node, p path) mailstore.SeedMessage {
	var m mailstore.SeedMessage
	d.fields(n, p, "a message", map[string]field{
		"file":       func(v *yaml.Node, _ path) { m.File = d.str(v, "file") },
		"from":       func(v *yaml.Node, _ path) { m.From = d.str(v, "from") },
		"to":         func(v *yaml.Node, _ path) { m.To = d.str(v, "to") },
		"cc":         func(v *yaml.Node, _ path) { m.Cc = d.str(v, "cc") },
		"subject":    func(v *yaml.Node, _ path) { m.Subject = d.str(v, "subject") },
		"date":       func(v *yaml.Node, _ path) { m.Date = d.str(v, "date") },
		"message-id": func(v *yaml.Node, _ path) { m.MessageID = d.str(v, "message-id") },
		"body":       func(v *yaml.Node, _ path) { m.Body = d.optStr(v, "body") },
		"flags":      func(v *yaml.Node, p path) { m.Flags = d.strs(v, p, "flags") },
		"repeat":     func(v *yaml.Node, _ path) { m.Repeat = d.int(v, "repeat") },
		"vary":       func(v *yaml.Node, p path) { m.Vary = d.vary(v, p) },
		"attachments": func(v *yaml.Node, p path) {
			d.seq(v, p, "attachments", func(_ int, v *yaml.Node, p path) {
				var a mailstore.SeedAttachment
				d.fields(v, p, "an attachment", map[string]field{
					"name":    func(v *yaml.Node, _ path) { a.Name = d.str(v, "an attachment's name") },
					"type":    func(v *yaml.Node, _ path) { a.Type = d.str(v, "an attachment's type") },
					"content": func(v *yaml.Node, _ path) { a.Content = d.optStr(v, "an attachment's content") },
					"file":    func(v *yaml.Node, _ path) { a.File = d.str(v, "an attachment's file") },
				})
				m.Attachments = append(m.Attachments, a)
			})
		},
	})
	return m
}

// vary decodes a repeated message's `vary: {from, subjects, lines, every}`.
func (d *decoder) vary(n *yaml.Node, p path) *mailstore.SeedVary {
	v := &mailstore.SeedVary{}
	d.fields(n, p, "vary", map[string]field{
		"from":     func(n *yaml.Node, p path) { v.From = d.strs(n, p, "vary: from (senders)") },
		"subjects": func(n *yaml.Node, p path) { v.Subjects = d.strs(n, p, "vary: subjects") },
		"lines": func(n *yaml.Node, p path) {
			v.Lines = []int{}
			d.seq(n, p, "vary: lines ([min, max])", func(_ int, n *yaml.Node, _ path) { v.Lines = append(v.Lines, d.int(n, "a number of lines")) })
		},
		"every": func(n *yaml.Node, _ path) { v.Every = d.str(n, "vary: every (a duration such as 8h45m)") },
	})
	return v
}

func (d *decoder) actor(n *yaml.Node, p path) Actor {
	var a Actor
	d.fields(n, p, "an actor", map[string]field{
		"name":     func(v *yaml.Node, _ path) { a.Name = d.str(v, "an actor's name") },
		"protocol": func(v *yaml.Node, _ path) { a.Protocol = d.str(v, "protocol") },
		"client":   func(v *yaml.Node, p path) { a.Client = d.text(v, p, "client") },
		"user":     func(v *yaml.Node, _ path) { a.User = d.str(v, "user") },
		"domain":   func(v *yaml.Node, _ path) { a.Domain = d.str(v, "domain") },
		"password": func(v *yaml.Node, _ path) { a.Password = d.str(v, "password") },
		"device":   func(v *yaml.Node, _ path) { a.Device = d.str(v, "device (the actor whose local mail this one fills)") },
	})
	return a
}

// step decodes one step: its action key gives its kind.
func (d *decoder) step(n *yaml.Node, p path) Step {
	s := Step{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "a step must be a mapping such as {send: STAT} or {say: ...}, not %s", kindName(n))
		return s
	}
	// Find the action first, so that other keys can be checked against it.
	var action *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !isAction(k.Value) {
			continue
		}
		if action != nil {
			if k.Value != action.Value {
				d.errorf(k, "a step has one action, but this one has %s (line %d) and %s: split it into two steps", action.Value, action.Line, k.Value)
			}
			continue
		}
		action = k
		s.Kind = StepKind(k.Value)
	}
	table := map[string]field{}
	for _, k := range stepCommon {
		table[k] = nil
	}
	if action == nil {
		s.Kind = Say
		hasSay := false
		for i := 0; i < len(n.Content); i += 2 {
			hasSay = hasSay || n.Content[i].Value == "say"
		}
		if !hasSay {
			d.errorf(n, "a step needs an action (one of %s) or a say", actionList())
		}
	} else {
		table[action.Value] = nil
	}
	for _, k := range stepModifiers[s.Kind] {
		table[k] = nil
	}
	// Keys that exist but do not fit this kind get a message saying so.
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if _, ok := table[k]; ok {
			continue
		}
		if isAction(k) {
			table[k] = func(*yaml.Node, path) {} // reported above
		} else if isModifier(k) {
			kind := s.Kind
			table[k] = func(*yaml.Node, path) {
				d.errorf(n.Content[i], "%q does not apply to a %s step (it may have: %s)", k, kind, strings.Join(append(append([]string{}, stepCommon...), stepModifiers[kind]...), ", "))
			}
		}
	}
	set := func(k string, f field) {
		if _, ok := table[k]; ok && table[k] == nil {
			table[k] = f
		}
	}
	set("say", func(v *yaml.Node, p path) { s.Say = d.text(v, p, "say") })
	set("title", func(v *yaml.Node, p path) { s.Title = d.text(v, p, "title") })
	set("covers", func(v *yaml.Node, p path) { s.Covers = d.strs(v, p, "covers") })
	set("actor", func(v *yaml.Node, _ path) { s.Actor = d.str(v, "actor") })
	set("to", func(v *yaml.Node, _ path) { s.To = d.str(v, "to") })
	set("host", func(v *yaml.Node, _ path) { s.Host = d.str(v, "host") })
	set("expect", func(v *yaml.Node, _ path) { s.Expect = d.str(v, "expect") })
	set("contains", func(v *yaml.Node, _ path) { s.Contains = d.str(v, "contains") })
	set("note", func(v *yaml.Node, p path) { s.Note = d.text(v, p, "note") })
	set("reply", func(v *yaml.Node, p path) { s.Reply = d.text(v, p, "reply") })
	set("literal", func(v *yaml.Node, _ path) { s.Literal = d.optStr(v, "literal") })
	set("timeout", func(v *yaml.Node, _ path) { s.Timeout = d.int(v, "timeout") })
	set("eavesdrop", func(v *yaml.Node, _ path) { s.Eavesdrop = d.bool(v, "eavesdrop") })
	set("each", func(v *yaml.Node, _ path) { s.Each = d.str(v, "each (a range of numbers such as 2-9999)") })

	actor := func(v *yaml.Node, _ path) { s.Actor = d.optStr(v, string(s.Kind)) }
	set(string(Connect), func(v *yaml.Node, _ path) { s.Actor = d.str(v, "connect (the actor that connects)") })
	set(string(Send), func(v *yaml.Node, _ path) { s.Command = d.str(v, "send (the command line)") })
	set(string(Data), func(v *yaml.Node, _ path) { s.Body = d.str(v, "data (the message)") })
	set(string(Disconnect), actor)
	set(string(Drop), actor)
	set(string(Wait), actor)
	set(string(Pause), func(v *yaml.Node, _ path) { s.Timeout = d.int(v, "pause (milliseconds)") })
	set(string(Check), func(v *yaml.Node, p path) { s.Check = d.check(v, p) })
	set(string(Quiz), func(v *yaml.Node, p path) { s.Quiz = d.quiz(v, p) })
	set(string(Deliver), func(v *yaml.Node, p path) { s.Deliver = d.deliver(v, p) })
	set(string(Server), func(v *yaml.Node, p path) { s.Server = d.server(v, p) })
	set(string(Device), func(v *yaml.Node, p path) {
		s.Device = d.device(v, p)
		s.Actor = s.Device.Actor
	})

	d.fields(n, p, "a step", table)
	if s.Kind == Wait && s.Timeout == 0 {
		s.Timeout = DefaultWaitTimeout
	}
	return s
}

func (d *decoder) check(n *yaml.Node, p path) *CheckSpec {
	c := &CheckSpec{}
	d.fields(n, p, "a check", map[string]field{
		"server": func(v *yaml.Node, _ path) { c.Server = d.str(v, "server") },
		"device": func(v *yaml.Node, _ path) { c.Device = d.str(v, "device") },
		"count": func(v *yaml.Node, _ path) {
			n := d.int(v, "count")
			c.Count = &n
		},
		"uid": func(v *yaml.Node, _ path) {
			if u := d.int(v, "uid"); u > 0 {
				c.UID = uint32(u)
			} else {
				d.errorf(v, "uid must be 1 or more")
			}
		},
		"subject":  func(v *yaml.Node, _ path) { c.Subject = d.str(v, "subject") },
		"flags":    func(v *yaml.Node, p path) { c.Flags = d.strs(v, p, "flags") },
		"no-flags": func(v *yaml.Node, p path) { c.NoFlags = d.strs(v, p, "no-flags") },
		"missing":  func(v *yaml.Node, _ path) { c.Missing = d.bool(v, "missing") },
		"stats":    func(v *yaml.Node, p path) { c.Stats = d.strs(v, p, "stats (actor names)") },
	})
	return c
}

func (d *decoder) server(n *yaml.Node, p path) *ServerSpec {
	s := &ServerSpec{}
	d.fields(n, p, "a server step", map[string]field{
		"domain": func(v *yaml.Node, _ path) { s.Domain = d.str(v, "domain") },
		"role":   func(v *yaml.Node, _ path) { s.Role = d.str(v, "role") },
		"state":  func(v *yaml.Node, _ path) { s.State = d.str(v, "state") },
	})
	return s
}

func (d *decoder) device(n *yaml.Node, p path) *DeviceSpec {
	ds := &DeviceSpec{}
	d.fields(n, p, "a device step", map[string]field{
		"actor":   func(v *yaml.Node, _ path) { ds.Actor = d.str(v, "actor") },
		"action":  func(v *yaml.Node, _ path) { ds.Action = d.str(v, "action") },
		"subject": func(v *yaml.Node, _ path) { ds.Subject = d.str(v, "subject") },
		"to":      func(v *yaml.Node, _ path) { ds.To = d.str(v, "to") },
	})
	return ds
}

func (d *decoder) quiz(n *yaml.Node, p path) *QuizSpec {
	q := &QuizSpec{}
	d.fields(n, p, "a quiz", map[string]field{
		"question": func(v *yaml.Node, p path) { q.Question = d.text(v, p, "question") },
		"explain":  func(v *yaml.Node, p path) { q.Explain = d.text(v, p, "explain") },
		"choices": func(v *yaml.Node, p path) {
			d.seq(v, p, "choices", func(_ int, v *yaml.Node, p path) {
				var c QuizChoice
				d.fields(v, p, "a choice", map[string]field{
					"text":    func(v *yaml.Node, p path) { c.Text = d.text(v, p, "a choice's text") },
					"correct": func(v *yaml.Node, _ path) { c.Correct = d.bool(v, "correct") },
				})
				q.Choices = append(q.Choices, c)
			})
		},
	})
	return q
}

func (d *decoder) deliver(n *yaml.Node, p path) *DeliverSpec {
	ds := &DeliverSpec{}
	d.fields(n, p, "a deliver", map[string]field{
		"to":      func(v *yaml.Node, _ path) { ds.To = d.str(v, "to") },
		"mailbox": func(v *yaml.Node, _ path) { ds.Mailbox = d.str(v, "mailbox") },
		"message": func(v *yaml.Node, p path) { ds.Message = d.message(v, p) },
	})
	return ds
}
