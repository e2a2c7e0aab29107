package lessons

import (
	"fmt"
	"mailsim/internal/i18n"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem found in a lesson (or claims, or glossary) file,
// with the position of the offending YAML node. Line and Col count from 1;
// Col is 0 when only the line is known (YAML syntax errors), and Error then
// leaves it out.
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	switch {
	case e.Line == 0:
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	case e.Col == 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found, sorted by file and position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Sort orders the list by file, line, column and message, and drops
// duplicates.
func (l *ErrorList) Sort() {
	list := *l
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Msg < b.Msg
	})
	out := list[:0]
	for i, e := range list {
		if i > 0 && *e == *list[i-1] {
			continue
		}
		out = append(out, e)
	}
	*l = out
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// path names a node of a document, so that the validator, which works on
// the decoded values, can point at the node a value came from. Segments
// are separated by NUL, which no key contains (mailbox names may hold '.'
// and '/').
type path string

func (p path) key(k string) path { return p + "\x00" + path(k) }
func (p path) index(i int) path  { return p.key("[" + strconv.Itoa(i) + "]") }

func (p path) parent() path {
	if i := strings.LastIndexByte(string(p), 0); i >= 0 {
		return p[:i]
	}
	return ""
}

// maxAliases bounds alias expansion, so that a small file cannot make the
// decoder walk an exponential tree ("billion laughs").
const maxAliases = 1000

// decoder walks yaml.v3 nodes strictly: every mapping key must be known,
// no key may repeat, and every problem is reported at its node.
type decoder struct {
	file    string
	errs    ErrorList
	nodes   map[path]*yaml.Node
	aliases int
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, nodes: map[path]*yaml.Node{}}
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	e := &Error{File: d.file, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// at returns the node recorded at p, or at its nearest recorded parent.
func (d *decoder) at(p path) *yaml.Node {
	for {
		if n, ok := d.nodes[p]; ok {
			return n
		}
		if p == "" {
			return nil
		}
		p = p.parent()
	}
}

// errorAt reports a problem at the node p names.
func (d *decoder) errorAt(p path, format string, args ...any) {
	d.errorf(d.at(p), format, args...)
}

// parseYAML parses one YAML document. yaml.v3 syntax errors carry only a
// line, which is kept.
func (d *decoder) parseYAML(data []byte) (root *yaml.Node) {
	defer func() {
		if r := recover(); r != nil {
			d.errorf(nil, "YAML parser failed: %v", r)
			root = nil
		}
	}()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		d.yamlError(data, err)
		return nil
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.errs = append(d.errs, &Error{File: d.file, Line: 1, Col: 1, Msg: "the file is empty"})
		return nil
	}
	return doc.Content[0]
}

var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlParserProblems are the problems yaml.v3's parser (not its scanner)
// reports. For these it gives the 0-based line where the unfinished
// construct began (a "[" never closed, say); one is added to make it the
// 1-based line an editor shows.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// yamlError records yaml.v3's errors at the line and column of the
// problem itself (see yamlProblem), naming the key of the block yaml.v3
// reported when that is elsewhere.
func (d *decoder) yamlError(data []byte, err error) {
	for _, msg := range strings.Split(err.Error(), "\n") {
		msg = strings.TrimSpace(msg)
		if msg == "" || msg == "yaml: unmarshal errors:" {
			continue
		}
		e := &Error{File: d.file, Msg: "YAML: " + strings.TrimPrefix(msg, "yaml: ")}
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Msg = "YAML: " + m[2]
			parser := yamlParserProblems[m[2]]
			if parser {
				e.Line++
			}
			if line, col, ok := yamlProblem(data, e.Line, m[2]); ok {
				if key, at := blockKey(data, e.Line); parser && line != e.Line && key != "" {
					e.Msg += fmt.Sprintf(" (in %q, which begins at line %d)", key, at)
				}
				e.Line, e.Col = line, col
			}
		}
		d.errs = append(d.errs, e)
	}
}

// deref follows an alias to the node it names.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		d.aliases++
		if d.aliases > maxAliases || n.Alias == nil {
			d.errorf(n, "too many aliases (at most %d)", maxAliases)
			return nil
		}
		n = n.Alias
	}
	return n
}

// field handles the value of one known key; p is the value's path.
type field func(v *yaml.Node, p path)

// fields decodes a mapping with a table of known keys. It records every
// value's node under p.key(k), reports unknown and repeated keys at the key,
// and returns false when n is not a mapping.
func (d *decoder) fields(n *yaml.Node, p path, what string, table map[string]field) bool {
	if n = d.deref(n); n == nil {
		return false
	}
	d.nodes[p] = n
	if n.Kind != yaml.MappingNode {
		d.errorf(n, "%s must be a mapping (key: value lines), not %s", what, kindName(n))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], d.deref(n.Content[i+1])
		if v == nil {
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, "%s repeats key %q (first at line %d)", what, k.Value, prev)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := table[k.Value]
		if !ok {
			d.errorf(k, "unknown key %q in %s (known keys: %s)", k.Value, what, keyList(table))
			continue
		}
		d.nodes[p.key(k.Value)] = v
		if f != nil {
			f(v, p.key(k.Value))
		}
	}
	return true
}

func keyList[V any](table map[string]V) string {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// seq calls f for every item of a sequence.
func (d *decoder) seq(n *yaml.Node, p path, what string, f func(i int, v *yaml.Node, p path)) {
	if n = d.deref(n); n == nil {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, "%s must be a list (- item lines or [a, b]), not %s", what, kindName(n))
		return
	}
	for i, v := range n.Content {
		if v = d.deref(v); v == nil {
			continue
		}
		d.nodes[p.index(i)] = v
		f(i, v, p.index(i))
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an alias"
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// str decodes a non-empty scalar.
func (d *decoder) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n, "%s must be a text, not %s", what, kindName(n))
		return ""
	}
	return n.Value
}

// optStr decodes a scalar that may be empty.
func (d *decoder) optStr(n *yaml.Node, what string) string {
	if isNull(n) {
		return ""
	}
	return d.str(n, what)
}

func (d *decoder) int(n *yaml.Node, what string) int {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		if v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 32); err == nil {
			return int(v)
		}
	}
	d.errorf(n, "%s must be a whole number, not %s", what, kindName(n))
	return 0
}

func (d *decoder) bool(n *yaml.Node, what string) bool {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	}
	d.errorf(n, "%s must be true or false, not %s", what, kindName(n))
	return false
}

func (d *decoder) strs(n *yaml.Node, p path, what string) []string {
	var out []string
	d.seq(n, p, what, func(_ int, v *yaml.Node, _ path) {
		out = append(out, d.str(v, "an item of "+what))
	})
	return out
}

var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// text decodes a Text: a plain string (English) or a language mapping.
func (d *decoder) text(n *yaml.Node, p path, what string) i18n.Text {
	switch {
	case n.Kind == yaml.ScalarNode && !isNull(n):
		return i18n.Text{i18n.Fallback: n.Value}
	case n.Kind == yaml.MappingNode:
		t := i18n.Text{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], d.deref(n.Content[i+1])
			if v == nil {
				continue
			}
			if !langRE.MatchString(k.Value) {
				d.errorf(k, "%s: %q is not a language code (write en, vi, ...)", what, k.Value)
				continue
			}
			if _, dup := t[k.Value]; dup {
				d.errorf(k, "%s repeats language %q", what, k.Value)
				continue
			}
			d.nodes[p.key(k.Value)] = v
			t[k.Value] = d.str(v, what+" in "+k.Value)
		}
		return t
	}
	d.errorf(n, "%s must be a text or a mapping of languages ({en: ..., vi: ...}), not %s", what, kindName(n))
	return nil
}
