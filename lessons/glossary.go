package lessons

import (
	"embed"
	"fmt"
	"io/fs"
	"mailsim/internal/i18n"
	"regexp"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"mailsim/sim/wire/protoline"
)

// The glossary explains protocol lines that a lesson does not annotate
// itself: every command, and every reply form. It is data, one file per
// protocol (glossary/pop3.yaml, later imap.yaml and smtp.yaml), each
// shaped like this:
//
//	mailsim-glossary: 1
//	protocol: pop3
//	tagged: false            # IMAP: client lines start with a tag, the verb is the 2nd word
//	entries:
//	  - key: STAT reply
//	    side: server         # client (C: lines) or server (S: lines)
//	    command: STAT        # the command the line answers (or is); a list;
//	                         # "*" after any command; "greeting" before any
//	    match: '^\+OK (?P<count>\d+) (?P<octets>\d+)'   # optional regexp
//	    rfc: RFC 1939 §5
//	    text:
//	      en: "{count} {count|message|messages}, {octets} octets in all."
//
// For a line, the first entry in file order whose side and command fit and
// whose match (if any) matches wins: put specific entries (response codes,
// the "." terminator) before general ones ("+OK", "-ERR"). In a text,
// {name} is replaced by the named group of match, and {name|one|many} by
// "one" when the group is "1", else by "many".

//go:embed glossary/*.yaml
var glossaryFiles embed.FS

// Entry explains one command or reply form.
//
// The yaml tags are its keys in a saved transcript, which stores the
// entry a wire line was glossed with as it is.
type Entry struct {
	Key  string    `yaml:"key"`            // what it explains: "STAT", "STAT reply", "[IN-USE]"
	RFC  string    `yaml:"rfc,omitempty"`  // where it is defined: "RFC 1939 §5"
	Text i18n.Text `yaml:"text,omitempty"` // the explanation; in Explain's result, filled with the line's values
}

// Glossary holds the entries of every protocol, indexed for Explain.
type Glossary struct {
	protos map[string]*protoGlossary
}

type protoGlossary struct {
	tagged   bool
	entries  []Entry
	commands []string           // client commands, in file order
	rules    map[ruleKey][]rule // (side, command) -> the rules to try, in file order
	any      [2][]rule          // side -> the rules for "*" only
}

type ruleKey struct {
	server  bool
	command string // upper case; "" = greeting
}

type rule struct {
	index int // position in the file: the rules' priority
	entry Entry
	re    *regexp.Regexp       // nil: matches any line
	tmpl  map[string][]segment // language -> the text cut at its placeholders; nil: no placeholders
}

// segment is a piece of a text: literal text, or a placeholder naming a
// group of the entry's match.
type segment struct {
	lit       string
	group     int // > 0: a placeholder
	plural    bool
	one, many string
}

// template cuts s at its placeholders.
func template(s string, re *regexp.Regexp) []segment {
	var out []segment
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(s, -1) {
		out = append(out, segment{lit: s[last:m[0]]})
		sg := segment{group: re.SubexpIndex(s[m[2]:m[3]])}
		if m[4] >= 0 {
			sg.plural, sg.one, sg.many = true, s[m[4]:m[5]], s[m[6]:m[7]]
		}
		out = append(out, sg)
		last = m[1]
	}
	return append(out, segment{lit: s[last:]})
}

var loadGlossary = sync.OnceValues(func() (*Glossary, error) {
	return parseGlossaries(glossaryFiles, "glossary")
})

// LoadGlossary returns the embedded glossary. It is parsed once; the
// result is shared and read-only.
func LoadGlossary() (*Glossary, error) { return loadGlossary() }

func parseGlossaries(fsys fs.FS, dir string) (*Glossary, error) {
	names, err := fs.Glob(fsys, dir+"/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	g := &Glossary{protos: map[string]*protoGlossary{}}
	var errs ErrorList
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		proto, pg, err := parseGlossary(name, data)
		errs = appendErr(errs, err)
		if err != nil {
			continue
		}
		if _, dup := g.protos[proto]; dup {
			errs = append(errs, &Error{File: name, Msg: fmt.Sprintf("a second glossary for %s", proto)})
			continue
		}
		g.protos[proto] = pg
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return g, nil
}

var placeholderRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(?:\|([^|{}]*)\|([^|{}]*))?\}`)

// parseGlossary reads one protocol's glossary file.
func parseGlossary(file string, data []byte) (string, *protoGlossary, error) {
	d, root := parseDoc(file, data)
	if root == nil {
		return "", nil, d.errs.Err()
	}
	var (
		proto string
		pg    = &protoGlossary{rules: map[ruleKey][]rule{}}
		all   []struct {
			rule
			server   bool
			commands []string
		}
	)
	keys := map[string]int{}
	d.fields(root, "", "a glossary", map[string]field{
		"mailsim-glossary": func(v *yaml.Node, _ path) {
			if d.int(v, "mailsim-glossary") != 1 {
				d.errorf(v, "mailsim-glossary: want 1")
			}
		},
		"protocol": func(v *yaml.Node, _ path) { proto = d.str(v, "protocol") },
		"tagged":   func(v *yaml.Node, _ path) { pg.tagged = d.bool(v, "tagged") },
		"entries": func(v *yaml.Node, p path) {
			d.seq(v, p, "entries", func(i int, v *yaml.Node, p path) {
				var (
					e        Entry
					side     string
					commands []string
					match    string
				)
				d.fields(v, p, "an entry", map[string]field{
					"key":  func(v *yaml.Node, _ path) { e.Key = d.str(v, "key") },
					"rfc":  func(v *yaml.Node, _ path) { e.RFC = d.str(v, "rfc") },
					"side": func(v *yaml.Node, _ path) { side = d.str(v, "side") },
					"text": func(v *yaml.Node, p path) { e.Text = d.text(v, p, "text") },
					"command": func(v *yaml.Node, p path) {
						if v.Kind == yaml.SequenceNode {
							commands = d.strs(v, p, "command")
						} else {
							commands = []string{d.str(v, "command")}
						}
					},
					"match": func(v *yaml.Node, _ path) { match = d.str(v, "match") },
				})
				r := rule{index: i, entry: e}
				switch {
				case e.Key == "":
					d.errorf(v, "an entry needs a key")
				case keys[e.Key] != 0:
					d.errorf(v, "entry %q is listed twice (first at line %d)", e.Key, keys[e.Key])
				}
				keys[e.Key] = v.Line
				if e.RFC == "" {
					d.errorf(v, "entry %q needs rfc: where the protocol defines it", e.Key)
				}
				if e.Text[i18n.Fallback] == "" {
					d.errorf(v, "entry %q needs an English text (en)", e.Key)
				}
				if side != "client" && side != "server" {
					d.errorf(v, "entry %q: side must be client or server", e.Key)
				}
				if len(commands) == 0 {
					d.errorf(v, "entry %q needs command: the command it belongs to (\"*\" for any, greeting for the greeting)", e.Key)
				}
				if match != "" {
					re, err := regexp.Compile(match)
					if err != nil {
						d.errorf(d.at(p.key("match")), "entry %q: match: %v", e.Key, err)
					}
					r.re = re
				}
				bad := false
				for _, s := range e.Text {
					for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
						if r.re == nil || r.re.SubexpIndex(m[1]) < 0 {
							d.errorf(v, "entry %q: the text uses {%s}, but match has no group (?P<%s>...)", e.Key, m[1], m[1])
							bad = true
						}
					}
				}
				if !bad && r.re != nil && placeholderRE.MatchString(textConcat(e.Text)) {
					r.tmpl = map[string][]segment{}
					for lang, s := range e.Text {
						r.tmpl[lang] = template(s, r.re)
					}
				}
				pg.entries = append(pg.entries, e)
				all = append(all, struct {
					rule
					server   bool
					commands []string
				}{r, side == "server", commands})
			})
		},
	})
	if proto == "" {
		d.errorf(root, "a glossary needs protocol: pop3, imap or smtp")
	}
	if err := d.errs.Err(); err != nil {
		return "", nil, err
	}
	// Index: each (side, command) gets its own rules merged with the "*"
	// rules of its side, in file order.
	seen := map[string]bool{}
	for _, a := range all {
		for _, c := range a.commands {
			c = normCommand(c)
			if c == "*" {
				pg.any[b2i(a.server)] = append(pg.any[b2i(a.server)], a.rule)
				continue
			}
			k := ruleKey{a.server, c}
			pg.rules[k] = append(pg.rules[k], a.rule)
			if !a.server && c != "" && !seen[c] {
				seen[c] = true
				pg.commands = append(pg.commands, c)
			}
		}
	}
	for k, rs := range pg.rules {
		merged := append(append([]rule{}, rs...), pg.any[b2i(k.server)]...)
		sort.SliceStable(merged, func(i, j int) bool { return merged[i].index < merged[j].index })
		pg.rules[k] = merged
	}
	return proto, pg, nil
}

func normCommand(c string) string {
	if strings.EqualFold(c, "greeting") {
		return ""
	}
	return strings.ToUpper(c)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Explain finds the entry for one wire line. proto is "pop3", "imap" or
// "smtp"; fromClient is true for C: lines; command is the verb of the
// client command the line is, belongs to or answers ("" for a greeting;
// for a client line it may be "", and the verb is then read from the line);
// line is the line's text without CRLF. The entry's text is filled with
// the line's values ("+OK 2 320" after STAT: "2 messages, 320 octets").
func (g *Glossary) Explain(proto string, fromClient bool, command, line string) (Entry, bool) {
	pg := g.protos[proto]
	if pg == nil {
		return Entry{}, false
	}
	if fromClient && command == "" {
		command = pg.verb(line)
	}
	rules, ok := pg.rules[ruleKey{!fromClient, strings.ToUpper(command)}]
	if !ok {
		rules = pg.any[b2i(!fromClient)]
	}
	for i := range rules {
		r := &rules[i]
		if r.re == nil {
			return r.entry, true
		}
		m := r.re.FindStringSubmatchIndex(line)
		if m == nil {
			continue
		}
		if r.tmpl == nil {
			return r.entry, true
		}
		return r.filled(line, m), true
	}
	return Entry{}, false
}

// verb reads the command verb of a client line.
func (pg *protoGlossary) verb(line string) string {
	f := strings.Fields(line)
	if pg.tagged {
		if len(f) < 2 {
			return ""
		}
		if strings.EqualFold(f[1], "UID") && len(f) > 2 {
			return f[1] + " " + f[2] // "UID FETCH", as the wire tap names it
		}
		return f[1]
	}
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// filled returns the rule's entry with its placeholders replaced by the
// values of the match m.
func (r *rule) filled(line string, m []int) Entry {
	e := r.entry
	e.Text = make(i18n.Text, len(r.tmpl))
	var b strings.Builder
	for lang, segs := range r.tmpl {
		b.Reset()
		for _, sg := range segs {
			if sg.group == 0 {
				b.WriteString(sg.lit)
				continue
			}
			v := ""
			if m[2*sg.group] >= 0 {
				v = line[m[2*sg.group]:m[2*sg.group+1]]
			}
			switch {
			case !sg.plural:
				b.WriteString(v)
			case v == "1":
				b.WriteString(sg.one)
			default:
				b.WriteString(sg.many)
			}
		}
		e.Text[lang] = b.String()
	}
	return e
}

func textConcat(t i18n.Text) string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString(s)
	}
	return b.String()
}

// Protocols lists the protocols the glossary explains, sorted.
func (g *Glossary) Protocols() []string {
	out := make([]string, 0, len(g.protos))
	for p := range g.protos {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Commands lists the client commands the glossary explains for proto, in
// the order of its file.
func (g *Glossary) Commands(proto string) []string {
	if pg := g.protos[proto]; pg != nil {
		return append([]string(nil), pg.commands...)
	}
	return nil
}

// Entries lists every entry of proto, in file order, with their texts
// unfilled: a reference card.
func (g *Glossary) Entries(proto string) []Entry {
	if pg := g.protos[proto]; pg != nil {
		return append([]Entry(nil), pg.entries...)
	}
	return nil
}

// DescribeSASLPlain explains an AUTH PLAIN payload (RFC 4616): it decodes
// the base64 and shows what anyone on the path can read, e.g.
//
//	base64 of "\0alice\0wonderland": an encoding, not encryption
//
// It reports false when b64 is not a PLAIN message.
func DescribeSASLPlain(b64 string) (i18n.Text, bool) {
	p, ok := protoline.DecodePlain(b64)
	if !ok {
		return nil, false
	}
	return i18n.Textf(`base64 of "%s": an encoding, not encryption`, p.Escaped()), true
}
