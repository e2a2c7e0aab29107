package exercises

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"mailsim/internal/folder"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// Load reads every *.yaml file of fsys (at its top level) as an exercise.
// It reports every problem found, each as a lessons.Error at file:line:col,
// in one lessons.ErrorList.
func Load(fsys fs.FS) ([]*Exercise, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	yml, _ := fs.Glob(fsys, "*.yml")
	names = append(names, yml...)
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("no exercise files (*.yaml) found")
	}
	var out []*Exercise
	var errs lessons.ErrorList
	ids := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ex, perr := Parse(name, data)
		if perr != nil {
			errs = append(errs, perr.(lessons.ErrorList)...)
			continue
		}
		if prev, dup := ids[ex.ID]; dup {
			errs = append(errs, &lessons.Error{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("exercise id %q is also used by %s", ex.ID, prev)})
			continue
		}
		ids[ex.ID] = name
		out = append(out, ex)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// LoadDir loads the exercises of a directory.
func LoadDir(dir string) ([]*Exercise, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory of exercise files", dir)
	}
	exs, err := Load(folder.FS(dir))
	if el, ok := err.(lessons.ErrorList); ok {
		for _, e := range el {
			e.File = path.Join(dir, e.File)
		}
	}
	return exs, err
}

// parser walks one file's YAML nodes strictly, collecting errors.
type parser struct {
	file string
	errs lessons.ErrorList
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	e := &lessons.Error{File: p.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	p.errs = append(p.errs, e)
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,47}$`)

// Parse reads one exercise file.
func Parse(file string, data []byte) (ex *Exercise, err error) {
	p := &parser{file: file}
	defer func() {
		if r := recover(); r != nil {
			p.errorf(nil, "YAML parser failed: %v", r)
		}
		if len(p.errs) > 0 {
			ex, err = nil, p.errs.Err()
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		p.errs = append(p.errs, &lessons.Error{File: file, Line: line, Msg: "YAML: " + msg})
		return nil, p.errs
	}
	if len(doc.Content) == 0 {
		p.errs = append(p.errs, &lessons.Error{File: file, Line: 1, Col: 1, Msg: "the file is empty"})
		return nil, p.errs
	}
	root := doc.Content[0]
	ex = &Exercise{File: file}
	var version *yaml.Node
	p.mapping(root, "an exercise", map[string]func(*yaml.Node){
		"mailsim-exercise": func(v *yaml.Node) { version = v },
		"id": func(v *yaml.Node) {
			ex.ID = p.str(v, "id")
			if ex.ID != "" && !idRE.MatchString(ex.ID) {
				p.errorf(v, "id %q: use lower-case letters, digits and '-' (at most 48)", ex.ID)
			}
		},
		"order":    func(v *yaml.Node) { ex.Order = p.int(v, "order") },
		"title":    func(v *yaml.Node) { ex.Title = p.text(v, "title") },
		"task":     func(v *yaml.Node) { ex.Task = p.text(v, "task") },
		"hint":     func(v *yaml.Node) { ex.Hint = p.text(v, "hint") },
		"settings": func(v *yaml.Node) { ex.Settings = p.roles(v, "settings") },
		"done":     func(v *yaml.Node) { ex.Done = p.predicates(v, "done") },
		"tried":    func(v *yaml.Node) { ex.Tried = p.predicates(v, "tried") },
	}, "mailsim-exercise", "id", "title", "task", "done")
	if version != nil && (version.Kind != yaml.ScalarNode || version.Value != strconv.Itoa(Version)) {
		p.errorf(version, "mailsim-exercise: %q is not a version this mailsim reads (it reads %d)", version.Value, Version)
	}
	if ex.Title != nil && ex.Title[i18n.Fallback] == "" {
		p.errorf(root, "title needs an English text (en)")
	}
	if ex.Task != nil && ex.Task[i18n.Fallback] == "" {
		p.errorf(root, "task needs an English text (en)")
	}
	return ex, nil
}

// mapping decodes a mapping with a table of known keys; required keys
// missing are reported at the mapping.
func (p *parser) mapping(n *yaml.Node, what string, table map[string]func(*yaml.Node), required ...string) bool {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s must be a mapping (key: value lines)", what)
		return false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode {
			p.errorf(v, "aliases are not allowed in exercise files")
			continue
		}
		if seen[k.Value] {
			p.errorf(k, "%s repeats key %q", what, k.Value)
			continue
		}
		seen[k.Value] = true
		f, ok := table[k.Value]
		if !ok {
			keys := make([]string, 0, len(table))
			for key := range table {
				keys = append(keys, key)
			}
			sort.Strings(keys)
			p.errorf(k, "unknown key %q in %s (known keys: %s)", k.Value, what, strings.Join(keys, ", "))
			continue
		}
		f(v)
	}
	for _, r := range required {
		if !seen[r] {
			p.errorf(n, "%s lacks %q", what, r)
		}
	}
	return true
}

func (p *parser) str(v *yaml.Node, what string) string {
	if v.Kind != yaml.ScalarNode {
		p.errorf(v, "%s must be a single value", what)
		return ""
	}
	return v.Value
}

func (p *parser) int(v *yaml.Node, what string) int {
	n, err := strconv.Atoi(p.str(v, what))
	if err != nil || n < 0 {
		p.errorf(v, "%s must be a whole number from 0, not %q", what, v.Value)
	}
	return n
}

func (p *parser) bool(v *yaml.Node, what string) bool {
	switch strings.ToLower(p.str(v, what)) {
	case "true", "yes":
		return true
	case "false", "no":
		return false
	}
	p.errorf(v, "%s must be true or false, not %q", what, v.Value)
	return false
}

// list accepts a sequence of single values, or one value.
func (p *parser) list(v *yaml.Node, what string) []string {
	if v.Kind == yaml.ScalarNode {
		return []string{v.Value}
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(v, "%s must be a value or a list of values", what)
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		if s := p.str(c, what); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) text(v *yaml.Node, what string) i18n.Text {
	if v.Kind == yaml.ScalarNode {
		return i18n.Text{i18n.Fallback: strings.TrimSpace(v.Value)}
	}
	t := i18n.Text{}
	p.mapping(v, what, map[string]func(*yaml.Node){
		"en": func(c *yaml.Node) { t["en"] = strings.TrimSpace(p.str(c, what+".en")) },
		"vi": func(c *yaml.Node) { t["vi"] = strings.TrimSpace(p.str(c, what+".vi")) },
	})
	return t
}

func (p *parser) roles(v *yaml.Node, what string) []roles.Role {
	var out []roles.Role
	nodes := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		nodes = v.Content
	}
	for _, c := range nodes {
		r, err := roles.Parse(p.str(c, what))
		if err != nil {
			p.errorf(c, "%s: %v", what, err)
			continue
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) predicates(v *yaml.Node, what string) []Predicate {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		p.errorf(v, "%s must be a list of checks (- session: ... or - mailbox: ...)", what)
		return nil
	}
	var out []Predicate
	for _, c := range v.Content {
		var pr Predicate
		p.mapping(c, "a check in "+what, map[string]func(*yaml.Node){
			"session": func(n *yaml.Node) { pr.Session = p.session(n) },
			"mailbox": func(n *yaml.Node) { pr.Mailbox = p.mailbox(n) },
		})
		if c.Kind == yaml.MappingNode && len(c.Content) != 2 {
			p.errorf(c, "a check in %s has exactly one of session: or mailbox:", what)
			continue
		}
		if pr.Session != nil || pr.Mailbox != nil {
			out = append(out, pr)
		}
	}
	return out
}

func (p *parser) provider(v *yaml.Node, what string) Provider {
	switch s := Provider(p.str(v, what)); s {
	case HomeProvider, OtherProvider:
		return s
	}
	p.errorf(v, "%s: %q is not home or other", what, v.Value)
	return AnyProvider
}

func (p *parser) session(n *yaml.Node) *SessionMatch {
	m := &SessionMatch{}
	ok := p.mapping(n, "session", map[string]func(*yaml.Node){
		"protocol": func(v *yaml.Node) {
			switch pr := wire.Protocol(p.str(v, "protocol")); pr {
			case wire.POP3, wire.IMAP, wire.SMTP:
				m.Protocol = pr
			default:
				p.errorf(v, "protocol %q: want pop3, imap or smtp", v.Value)
			}
		},
		"role":     func(v *yaml.Node) { m.Roles = p.roles(v, "role") },
		"provider": func(v *yaml.Node) { m.Provider = p.provider(v, "provider") },
		"tls": func(v *yaml.Node) {
			switch t := TLSMode(strings.ToLower(p.str(v, "tls"))); t {
			case WithTLS, WithoutTLS, StartTLS, ImplicitTLS:
				m.TLS = t
			case "true":
				m.TLS = WithTLS
			case "false":
				m.TLS = WithoutTLS
			default:
				p.errorf(v, "tls %q: want yes, no, starttls or implicit", v.Value)
			}
		},
		"login": func(v *yaml.Node) { b := p.bool(v, "login"); m.Login = &b },
		"steps": func(v *yaml.Node) {
			if v.Kind != yaml.SequenceNode {
				p.errorf(v, "steps must be a list of {sent: VERB, reply: TEXT}")
				return
			}
			for _, c := range v.Content {
				m.Steps = append(m.Steps, p.step(c))
			}
		},
		"not-sent": func(v *yaml.Node) { m.NotSent = p.list(v, "not-sent") },
	})
	if !ok {
		return nil
	}
	return m
}

func (p *parser) step(n *yaml.Node) Step {
	var s Step
	p.mapping(n, "a step", map[string]func(*yaml.Node){
		"sent":      func(v *yaml.Node) { s.Sent = p.list(v, "sent") },
		"sent-has":  func(v *yaml.Node) { s.SentHas = p.str(v, "sent-has") },
		"reply":     func(v *yaml.Node) { s.Reply = p.list(v, "reply") },
		"reply-has": func(v *yaml.Node) { s.ReplyHas = p.list(v, "reply-has") },
	})
	if n.Kind == yaml.MappingNode && len(s.Sent) == 0 && s.SentHas == "" && len(s.Reply) == 0 && len(s.ReplyHas) == 0 {
		p.errorf(n, "a step needs sent, sent-has, reply or reply-has")
	}
	if len(s.Sent) == 0 && s.SentHas != "" {
		p.errorf(n, "sent-has needs sent (the command whose line it looks at)")
	}
	return s
}

func (p *parser) mailbox(n *yaml.Node) *MailboxMatch {
	m := &MailboxMatch{}
	num := func(v *yaml.Node, what string) *int { i := p.int(v, what); return &i }
	ok := p.mapping(n, "mailbox", map[string]func(*yaml.Node){
		"name":     func(v *yaml.Node) { m.Name = p.str(v, "name") },
		"provider": func(v *yaml.Node) { m.Provider = p.provider(v, "provider") },
		"flag":     func(v *yaml.Node) { m.Flag = p.str(v, "flag") },
		"min":      func(v *yaml.Node) { m.Min = num(v, "min") },
		"max":      func(v *yaml.Node) { m.Max = num(v, "max") },
	}, "name")
	if !ok {
		return nil
	}
	if m.Min == nil && m.Max == nil {
		p.errorf(n, "mailbox needs min or max (how many messages)")
	}
	return m
}
