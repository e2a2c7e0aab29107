package transcripts

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"fmt"
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"
)

// This file holds the codec of the bulk sections (messages, snapshots,
// events): one YAML flow mapping per line, written and read without
// yaml.v3, which needs about 30 µs and 50 KiB per event and would take
// seconds and gigabytes on a long session. The fields are the same
// `yaml:` tags yaml.v3 uses for the header and for items the fast reader
// cannot read (block style, anchors, multi-line scalars), so both readers
// agree.

// field is one serialised struct field.
type field struct {
	name      string
	index     int
	omitempty bool
}

type structInfo struct {
	fields []field
	byName map[string]int // name -> index into fields
	known  string         // the names, for errors
}

var structInfos sync.Map // reflect.Type -> *structInfo

func infoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		si.byName[name] = len(si.fields)
		si.fields = append(si.fields, field{name: name, index: i, omitempty: strings.Contains(opts, "omitempty")})
		names = append(names, name)
	}
	si.known = strings.Join(names, ", ")
	structInfos.Store(t, si)
	return si
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	bytesType = reflect.TypeOf(Bytes(nil))
	textType  = reflect.TypeOf(i18n.Text(nil))
	glossType = reflect.TypeOf((*lessons.Entry)(nil))

	textMarshalerType   = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	textUnmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// named reports whether t is a number kept under a name in the file (an
// events.ChangeKind is "added", "flags", ...): it marshals as text.
func named(t reflect.Type) bool {
	return t.Kind() == reflect.Int && t.Implements(textMarshalerType) && reflect.PointerTo(t).Implements(textUnmarshalerType)
}

// appendFlow appends v as a YAML flow value.
func appendFlow(b []byte, v reflect.Value) []byte {
	switch v.Type() {
	case timeType: // a plain YAML timestamp
		return v.Interface().(time.Time).AppendFormat(b, timeLayout)
	case bytesType:
		raw := v.Bytes()
		if textual(string(raw)) {
			return appendQuoted(b, string(raw))
		}
		b = append(b, "!!binary "...)
		return base64.StdEncoding.AppendEncode(b, raw)
	}
	if named(v.Type()) {
		name, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return strconv.AppendInt(b, v.Int(), 10) // not a name: Load refuses it, as yaml.v3 does
		}
		return appendString(b, string(name))
	}
	switch v.Kind() {
	case reflect.String:
		return appendString(b, v.String())
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int64, reflect.Int32:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Pointer:
		if v.IsNil() {
			return append(b, "null"...)
		}
		return appendFlow(b, v.Elem())
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendString(b, k.String())
			b = append(b, ": "...)
			b = appendString(b, v.MapIndex(k).String())
		}
		return append(b, '}')
	case reflect.Slice:
		b = append(b, '[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendFlow(b, v.Index(i))
		}
		return append(b, ']')
	case reflect.Struct:
		si := infoOf(v.Type())
		b = append(b, '{')
		first := true
		for _, f := range si.fields {
			fv := v.Field(f.index)
			if f.omitempty && isEmpty(fv) {
				continue
			}
			if !first {
				b = append(b, ", "...)
			}
			first = false
			b = append(b, f.name...)
			b = append(b, ": "...)
			b = appendFlow(b, fv)
		}
		return append(b, '}')
	}
	panic("transcripts: cannot write a " + v.Type().String())
}

// isEmpty is omitempty's test, as yaml.v3 has it: a value with an
// IsZero method is empty when it says so (a Text in no language).
func isEmpty(v reflect.Value) bool {
	if z, ok := v.Interface().(interface{ IsZero() bool }); ok && (v.Kind() != reflect.Pointer || !v.IsNil()) {
		return z.IsZero()
	}
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}

// appendString writes s plain when that is unambiguous in YAML 1.1 and
// 1.2 alike, as !!binary when it is not UTF-8, else double-quoted.
func appendString(b []byte, s string) []byte {
	switch {
	case plainSafe(s):
		return append(b, s...)
	case !utf8.ValidString(s):
		b = append(b, "!!binary "...)
		return base64.StdEncoding.AppendEncode(b, []byte(s))
	}
	return appendQuoted(b, s)
}

func plainSafe(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	c := s[0]
	if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '\\') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '@' || c == '/' || c == '\\') {
			return false
		}
	}
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return false
	}
	return true
}

// textual reports whether octets read well as a quoted string.
func textual(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789ABCDEF"

// appendQuoted writes a YAML double-quoted scalar; every character YAML
// does not allow as is (C0, DEL, C1, U+2028/9, U+FEFF, U+FFFE/F) is escaped.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			// not reached for valid UTF-8; keep the octet's value visible
			b = append(b, `\uFFFD`...)
		case r >= 0x80 && r <= 0x9f, r == 0x2028, r == 0x2029, r == 0xfeff, r == 0xfffe, r == 0xffff:
			b = append(b, '\\', 'u', hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// flowError is a mistake in a flow line. Syntax errors send the item to
// yaml.v3 (which reads all of YAML); other errors are the file's.
type flowError struct {
	col    int
	msg    string
	syntax bool
}

func (e *flowError) Error() string { return e.msg }

// flowReader reads one flow line into a value.
type flowReader struct {
	s  []byte
	i  int
	in *interner
}

func (p *flowReader) fail(syntax bool, format string, args ...any) {
	panic(&flowError{col: p.i + 1, msg: fmt.Sprintf(format, args...), syntax: syntax})
}

// readFlow reads line (one flow value and an optional comment) into v.
func readFlow(line []byte, v reflect.Value, in *interner) (err error) {
	p := &flowReader{s: line, in: in}
	defer func() {
		if r := recover(); r != nil {
			fe, ok := r.(*flowError)
			if !ok {
				panic(r)
			}
			err = fe
		}
	}()
	p.value(v)
	p.space()
	if p.i < len(p.s) && p.s[p.i] != '#' {
		p.fail(true, "unexpected %q after the value", p.s[p.i])
	}
	return nil
}

func (p *flowReader) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *flowReader) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *flowReader) expect(c byte) {
	p.space()
	if p.peek() != c {
		if p.i >= len(p.s) {
			p.fail(true, "the line ends where %q should be (cut short?)", c)
		}
		p.fail(true, "want %q, found %q", c, p.peek())
	}
	p.i++
}

// value reads a value of v's type.
func (p *flowReader) value(v reflect.Value) {
	p.space()
	if p.i >= len(p.s) {
		p.fail(true, "the line ends where a value should be (cut short?)")
	}
	c := p.s[p.i]
	if c == '&' || c == '*' || c == '|' || c == '>' || c == '!' && !p.hasPrefix("!!binary ") && !p.hasPrefix("!!str ") {
		p.fail(true, "YAML feature %q is read by the slow path", c)
	}
	if c != '{' && c != '[' && p.null() {
		v.SetZero()
		return
	}
	t := v.Type()
	if named(t) {
		name, _ := p.scalar()
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(name)); err != nil {
			p.fail(false, "%v", err)
		}
		return
	}
	switch t {
	case timeType:
		s, _ := p.scalar()
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			p.fail(false, "bad time %q: want RFC 3339, like 2026-11-25T09:00:00.000+07:00", s)
		}
		v.Set(reflect.ValueOf(normTime(tm)))
		return
	case bytesType:
		s, bin := p.scalarBytes()
		_ = bin
		v.SetBytes(s)
		return
	case textType:
		if c != '{' {
			s, _ := p.scalar()
			v.Set(reflect.ValueOf(i18n.Text{i18n.Fallback: s}))
			return
		}
		start := p.i
		end := p.spanEnd(start)
		if m, ok := p.in.texts[string(p.s[start:end])]; ok {
			p.i = end
			v.Set(reflect.ValueOf(m))
			return
		}
		m := i18n.Text{}
		p.mapping(func(k string) {
			k = p.in.str(k)
			s, _ := p.scalar()
			if _, dup := m[k]; dup {
				p.fail(false, "language %q given twice", k)
			}
			m[k] = s
		})
		if len(p.in.texts) < 1<<16 {
			p.in.texts[string(p.s[start:p.i])] = m
		}
		v.Set(reflect.ValueOf(m))
		return
	}
	if shared[t] && (c == '{' || c == '[') {
		start := p.i
		end := p.spanEnd(start)
		cache := p.in.shared[t]
		if cache == nil {
			cache = map[string]reflect.Value{}
			p.in.shared[t] = cache
		}
		if sv, ok := cache[string(p.s[start:end])]; ok {
			p.i = end
			v.Set(sv)
			return
		}
		p.decode(v, t, c)
		if len(cache) < 1<<16 && end-start < 64<<10 {
			cache[string(p.s[start:p.i])] = v
		}
		return
	}
	p.decode(v, t, c)
}

// shared are the types whose values repeat in a long transcript (the
// glossary's notes, a device's copy from one snapshot to the next): one
// value is read per distinct text and shared.
var shared = map[reflect.Type]bool{glossType: true, reflect.TypeOf([]UserSnap(nil)): true, reflect.TypeOf([]events.DeviceState(nil)): true}

func (p *flowReader) decode(v reflect.Value, t reflect.Type, c byte) {
	switch t.Kind() {
	case reflect.String:
		s, _ := p.scalar()
		v.SetString(s)
	case reflect.Bool:
		s, quoted := p.scalar()
		switch {
		case quoted:
			p.fail(false, "want true or false, found a string")
		case s == "true" || s == "True" || s == "TRUE":
			v.SetBool(true)
		case s == "false" || s == "False" || s == "FALSE":
			v.SetBool(false)
		default:
			p.fail(false, "want true or false, found %q", s)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		s, quoted := p.scalar()
		n, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil || quoted {
			p.fail(false, "want a whole number, found %q", s)
		}
		v.SetInt(n)
	case reflect.Uint64, reflect.Uint32, reflect.Uint:
		s, quoted := p.scalar()
		n, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil || quoted {
			p.fail(false, "want a whole number ≥ 0, found %q", s)
		}
		v.SetUint(n)
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		p.value(e.Elem())
		v.Set(e)
	case reflect.Slice:
		if c != '[' {
			p.fail(false, "want a list [...], found %q", c)
		}
		p.i++
		var out reflect.Value
		p.items(']', func() {
			if !out.IsValid() {
				out = reflect.MakeSlice(t, 0, 4)
			}
			out = reflect.Append(out, reflect.Zero(t.Elem()))
			p.value(out.Index(out.Len() - 1))
		})
		if out.IsValid() {
			v.Set(out)
		} else {
			v.SetZero()
		}
	case reflect.Struct:
		if c != '{' {
			p.fail(false, "want a mapping {...}, found %q", c)
		}
		si := infoOf(t)
		var seen uint64
		// Keys usually come in the fields' order: look there first. k is
		// valid only during the call.
		next := 0
		p.mapping(func(k string) {
			fi, ok := -1, false
			for j := next; j < len(si.fields); j++ {
				if si.fields[j].name == k {
					fi, ok = j, true
					break
				}
			}
			if !ok {
				fi, ok = si.byName[k]
			}
			next = fi + 1
			if !ok {
				p.fail(false, "unknown key %q (known: %s)", strings.Clone(k), si.known)
			}
			if fi < 64 {
				if seen&(1<<fi) != 0 {
					p.fail(false, "key %q given twice", strings.Clone(k))
				}
				seen |= 1 << fi
			}
			p.value(v.Field(si.fields[fi].index))
		})
	default:
		p.fail(false, "cannot read a %s", t)
	}
}

func (p *flowReader) hasPrefix(s string) bool {
	return len(p.s)-p.i >= len(s) && string(p.s[p.i:p.i+len(s)]) == s
}

// spanEnd finds the end of the flow collection at start without reading
// it, so that a repeated annotation is looked up rather than read again.
func (p *flowReader) spanEnd(start int) int {
	depth := 0
	for j := start; j < len(p.s); {
		k := bytes.IndexAny(p.s[j:], "\"'{}[]")
		if k < 0 {
			break
		}
		j += k
		switch p.s[j] {
		case '"':
			j++
			for j < len(p.s) {
				q := bytes.IndexAny(p.s[j:], "\"\\")
				if q < 0 {
					return len(p.s)
				}
				j += q
				if p.s[j] == '\\' {
					j += 2
					continue
				}
				break
			}
		case '\'':
			q := bytes.IndexByte(p.s[j+1:], '\'')
			if q < 0 {
				return len(p.s)
			}
			j += q + 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
		j++
	}
	return len(p.s)
}

// mapping reads {key: value, ...}, calling each for every key.
func (p *flowReader) mapping(each func(key string)) {
	p.expect('{')
	p.items('}', func() {
		k, _ := p.key()
		p.space()
		if p.i < len(p.s) && p.peek() != ':' {
			p.fail(true, "want \":\" after key %q", strings.Clone(k))
		}
		p.expect(':') // at the end of the line: cut short
		each(k)
	})
}

// items reads comma-separated items up to and including end (the opening
// bracket is already read), calling item for each; a trailing comma is
// allowed.
func (p *flowReader) items(end byte, item func()) {
	for n := 0; ; n++ {
		p.space()
		if p.peek() == end {
			p.i++
			return
		}
		if n > 0 {
			p.expect(',')
			p.space()
			if p.peek() == end { // a trailing comma
				p.i++
				return
			}
		}
		item()
	}
}

func (p *flowReader) key() (string, bool) {
	p.space()
	switch p.peek() {
	case '"':
		return p.doubleQuoted(), true
	case '\'':
		return p.singleQuoted(), true
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ':' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '#' {
			break
		}
		p.i++
	}
	k := trimRight(p.s[start:p.i])
	if len(k) == 0 {
		if p.i >= len(p.s) {
			p.fail(true, "the line ends where a key should be (cut short?)")
		}
		p.fail(true, "a key is missing")
	}
	return unsafeString(k), false
}

// null reports (and skips) a null value: null, ~ or nothing.
func (p *flowReader) null() bool {
	j := p.i
	for _, w := range []string{"null", "Null", "NULL", "~"} {
		if p.hasPrefix(w) {
			k := j + len(w)
			for k < len(p.s) && (p.s[k] == ' ' || p.s[k] == '\t') {
				k++
			}
			if k == len(p.s) || p.s[k] == ',' || p.s[k] == '}' || p.s[k] == ']' || p.s[k] == '#' {
				p.i = j + len(w)
				return true
			}
		}
	}
	if c := p.peek(); c == ',' || c == '}' || c == ']' {
		return true
	}
	return false
}

// scalar reads a string scalar; quoted reports a quoted one.
func (p *flowReader) scalar() (string, bool) {
	p.space()
	if p.hasPrefix("!!binary ") {
		b, _ := p.scalarBytes()
		return string(b), true
	}
	if p.hasPrefix("!!str ") {
		p.i += len("!!str ")
		p.space()
	}
	switch p.peek() {
	case '"':
		return p.doubleQuoted(), true
	case '\'':
		return p.singleQuoted(), true
	case '{', '[':
		p.fail(false, "want a single value, found %q", p.peek())
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == ',' || c == '}' || c == ']' || c == '#' && p.i > start && (p.s[p.i-1] == ' ' || p.s[p.i-1] == '\t') {
			break
		}
		if c == ':' && (p.i+1 == len(p.s) || p.s[p.i+1] == ' ') {
			p.fail(true, "\": \" inside a plain value")
		}
		p.i++
	}
	return p.in.strBytes(trimRight(p.s[start:p.i])), false
}

// scalarBytes reads !!binary base64 or a string's octets.
func (p *flowReader) scalarBytes() ([]byte, bool) {
	p.space()
	if !p.hasPrefix("!!binary ") {
		s, _ := p.scalar()
		return []byte(s), false
	}
	p.i += len("!!binary ")
	p.space()
	var s string
	switch p.peek() {
	case '"':
		s = p.doubleQuoted()
	case '\'':
		s = p.singleQuoted()
	default:
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ',' && p.s[p.i] != '}' && p.s[p.i] != ']' && p.s[p.i] != ' ' {
			p.i++
		}
		s = string(p.s[start:p.i])
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		p.fail(false, "bad !!binary base64: %v", err)
	}
	return b, true
}

func (p *flowReader) singleQuoted() string {
	p.i++
	var sb strings.Builder
	for {
		if p.i >= len(p.s) {
			p.fail(true, "a quoted string does not end on its line (cut short?)")
		}
		c := p.s[p.i]
		p.i++
		if c == '\'' {
			if p.peek() == '\'' {
				sb.WriteByte('\'')
				p.i++
				continue
			}
			return sb.String()
		}
		sb.WriteByte(c)
	}
}

func (p *flowReader) doubleQuoted() string {
	p.i++
	start := p.i
	// fast path: no escapes
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '"' {
			s := p.s[start:p.i]
			p.i++
			if len(s) <= 32 {
				return p.in.strBytes(s)
			}
			return string(s)
		}
		if c == '\\' {
			break
		}
		p.i++
	}
	buf := make([]byte, 0, p.i-start+16)
	buf = append(buf, p.s[start:p.i]...)
	for {
		if p.i >= len(p.s) {
			p.fail(true, "a quoted string does not end on its line (cut short?)")
		}
		c := p.s[p.i]
		p.i++
		switch c {
		case '"':
			return string(buf)
		case '\\':
			if p.i >= len(p.s) {
				p.fail(true, "a quoted string does not end on its line (cut short?)")
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case '0':
				buf = append(buf, 0)
			case 'a':
				buf = append(buf, 7)
			case 'b':
				buf = append(buf, 8)
			case 't', '\t':
				buf = append(buf, '\t')
			case 'n':
				buf = append(buf, '\n')
			case 'v':
				buf = append(buf, 11)
			case 'f':
				buf = append(buf, 12)
			case 'r':
				buf = append(buf, '\r')
			case 'e':
				buf = append(buf, 27)
			case ' ', '"', '/', '\\':
				buf = append(buf, e)
			case 'N':
				buf = utf8.AppendRune(buf, 0x85)
			case '_':
				buf = utf8.AppendRune(buf, 0xa0)
			case 'L':
				buf = utf8.AppendRune(buf, 0x2028)
			case 'P':
				buf = utf8.AppendRune(buf, 0x2029)
			case 'x':
				buf = utf8.AppendRune(buf, p.hex(2))
			case 'u':
				r := p.hex(4)
				if r >= 0xd800 && r < 0xdc00 && p.hasPrefix(`\u`) { // a JSON surrogate pair
					p.i += 2
					lo := p.hex(4)
					r = (r-0xd800)<<10 + (lo - 0xdc00) + 0x10000
				}
				buf = utf8.AppendRune(buf, r)
			case 'U':
				buf = utf8.AppendRune(buf, p.hex(8))
			default:
				p.fail(false, "unknown escape \\%c in a quoted string", e)
			}
		default:
			buf = append(buf, c)
		}
	}
}

func (p *flowReader) hex(n int) rune {
	if len(p.s)-p.i < n {
		p.fail(true, "a \\x, \\u or \\U escape is cut short")
	}
	v, err := strconv.ParseUint(string(p.s[p.i:p.i+n]), 16, 32)
	if err != nil {
		p.fail(false, "bad escape digits %q", p.s[p.i:p.i+n])
	}
	p.i += n
	return rune(v)
}

// interner shares the strings and annotations that repeat across a long
// transcript (actor names, commands, glossary entries), which keeps a
// loaded transcript near the size of its text.
type interner struct {
	strs   map[string]string
	texts  map[string]i18n.Text
	shared map[reflect.Type]map[string]reflect.Value
}

func newInterner() *interner {
	return &interner{strs: map[string]string{}, texts: map[string]i18n.Text{}, shared: map[reflect.Type]map[string]reflect.Value{}}
}

// unsafeString views b as a string without copying; the string must not
// outlive b's contents.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (in *interner) strBytes(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	if v, ok := in.strs[string(b)]; ok {
		return v
	}
	s := string(b)
	if len(in.strs) < 1<<16 {
		in.strs[s] = s
	}
	return s
}

// str interns s, which may be borrowed.
func (in *interner) str(s string) string {
	if v, ok := in.strs[s]; ok {
		return v
	}
	s = strings.Clone(s)
	if len(in.strs) < 1<<16 {
		in.strs[s] = s
	}
	return s
}

func trimRight(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
