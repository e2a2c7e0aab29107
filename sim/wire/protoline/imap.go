package protoline

import (
	"strconv"
	"strings"
)

// TokenKind says what an IMAP token is.
type TokenKind int

// The kinds of token.
const (
	Atom      TokenKind = iota + 1 // an atom or a number; NIL is an atom here
	Quoted                         // a quoted string
	Literal                        // a literal marker {n}, {n+} or ~{n}: its octets follow the line
	ListStart                      // (
	ListEnd                        // )
)

// A Token is one piece of an IMAP line.
type Token struct {
	Kind TokenKind
	// Text is an atom as written, a quoted string's contents with its
	// escapes undone, a literal's marker as written ("{10+}").
	Text string
	// Start and End are the token's bytes in the scanned line, quotes and
	// braces included.
	Start, End int
	// Size is a literal's octet count, -1 when its marker holds no number.
	Size int64
	// Sync: a synchronizing literal ({n}, the client waits for "+"); false
	// for {n+}, a non-synchronizing literal (RFC 7888).
	Sync bool
	// Open: a quoted string that runs to the end of the line unclosed.
	Open bool
}

// Scanner reads the tokens of one IMAP line, left to right. It never
// fails: malformed input gives tokens that cover it (an unclosed quoted
// string runs to the end of the line).
type Scanner struct {
	s   string
	pos int
	// Sections keeps a [...] section in the atom it follows, spaces and
	// parentheses included, as in response data: BODY[HEADER.FIELDS
	// (FROM)]<0> is one atom. Off, an atom ends at a space or parenthesis.
	Sections bool
	// Literals stand, in order, for the literal markers Value meets (their
	// octets have been taken out of the line). A marker with none left
	// makes Value fail.
	Literals [][]byte
}

// NewScanner returns a scanner of s from its start.
func NewScanner(s string) *Scanner { return &Scanner{s: s} }

// Pos is where the next token starts looking.
func (sc *Scanner) Pos() int { return sc.pos }

// SetPos moves the scanner to byte i of its line.
func (sc *Scanner) SetPos(i int) { sc.pos = max(0, min(i, len(sc.s))) }

func (sc *Scanner) skipSpace() {
	for sc.pos < len(sc.s) && sc.s[sc.pos] == ' ' {
		sc.pos++
	}
}

// Next reads the next token; false at the end of the line.
func (sc *Scanner) Next() (Token, bool) {
	sc.skipSpace()
	if sc.pos >= len(sc.s) {
		return Token{}, false
	}
	start := sc.pos
	switch c := sc.s[sc.pos]; {
	case c == '(':
		sc.pos++
		return Token{Kind: ListStart, Text: "(", Start: start, End: sc.pos}, true
	case c == ')':
		sc.pos++
		return Token{Kind: ListEnd, Text: ")", Start: start, End: sc.pos}, true
	case c == '"':
		return sc.quoted(), true
	case c == '{' || (c == '~' && sc.pos+1 < len(sc.s) && sc.s[sc.pos+1] == '{'):
		if t, ok := sc.literal(); ok {
			return t, true
		}
	}
	return sc.atom(), true
}

func (sc *Scanner) quoted() Token {
	t := Token{Kind: Quoted, Start: sc.pos}
	var b strings.Builder
	i := sc.pos + 1
	t.Open = true
	for ; i < len(sc.s); i++ {
		c := sc.s[i]
		if c == '"' {
			i++
			t.Open = false
			break
		}
		if c == '\\' && i+1 < len(sc.s) {
			i++
			c = sc.s[i]
		}
		b.WriteByte(c)
	}
	sc.pos = i
	t.Text, t.End = b.String(), i
	return t
}

// literal reads a marker up to its "}"; false when there is none.
func (sc *Scanner) literal() (Token, bool) {
	end := strings.IndexByte(sc.s[sc.pos:], '}')
	if end < 0 {
		return Token{}, false
	}
	t := Token{Kind: Literal, Start: sc.pos, End: sc.pos + end + 1, Size: -1, Sync: true}
	t.Text = sc.s[t.Start:t.End]
	digits := strings.TrimPrefix(t.Text[:len(t.Text)-1], "~")[1:]
	if d, ok := strings.CutSuffix(digits, "+"); ok {
		digits, t.Sync = d, false
	}
	if n, err := strconv.ParseInt(digits, 10, 64); err == nil && n >= 0 && digits[0] != '+' {
		t.Size = n
	}
	sc.pos = t.End
	return t, true
}

// atom reads up to a space or parenthesis (with Sections, not inside a
// [...]).
func (sc *Scanner) atom() Token {
	start, depth := sc.pos, 0
	for sc.pos < len(sc.s) {
		c := sc.s[sc.pos]
		if depth == 0 && (c == ' ' || c == '(' || c == ')') {
			break
		}
		if depth == 0 && c == '"' && sc.Sections {
			break
		}
		if sc.Sections {
			switch c {
			case '[':
				depth++
			case ']':
				depth = max(0, depth-1)
			}
		}
		sc.pos++
	}
	if sc.pos == start { // a lone '{' or '~' with no marker after it
		sc.pos++
	}
	return Token{Kind: Atom, Text: sc.s[start:sc.pos], Start: start, End: sc.pos}
}

// ValueKind says what an IMAP value is.
type ValueKind int

// The kinds of value.
const (
	NilValue    ValueKind = iota // NIL
	AtomValue                    // an atom or a number
	StringValue                  // a quoted string or a literal
	ListValue                    // a parenthesized list
)

// A Value is one value of IMAP response data.
type Value struct {
	Kind ValueKind
	S    string  // an atom's or a string's text
	List []Value // a list's elements
}

// Bytes returns a string's octets; nil for NIL and lists.
func (v Value) Bytes() []byte {
	if v.Kind == NilValue || v.Kind == ListValue {
		return nil
	}
	return []byte(v.S)
}

// Value reads one value: an atom, NIL, a quoted string, a literal (from
// Literals) or a list. It reports false at the end of the line and on
// malformed data (an unclosed list or quoted string, a stray ")").
func (sc *Scanner) Value() (Value, bool) {
	t, ok := sc.Next()
	if !ok {
		return Value{}, false
	}
	switch t.Kind {
	case ListStart:
		v := Value{Kind: ListValue, List: []Value{}}
		for {
			sc.skipSpace()
			if sc.pos >= len(sc.s) {
				return v, false
			}
			if sc.s[sc.pos] == ')' {
				sc.pos++
				return v, true
			}
			e, ok := sc.Value()
			if !ok {
				return v, false
			}
			v.List = append(v.List, e)
		}
	case ListEnd:
		return Value{}, false
	case Quoted:
		if t.Open {
			return Value{}, false
		}
		return Value{Kind: StringValue, S: t.Text}, true
	case Literal:
		if len(sc.Literals) == 0 {
			return Value{}, false
		}
		lit := sc.Literals[0]
		sc.Literals = sc.Literals[1:]
		return Value{Kind: StringValue, S: string(lit)}, true
	}
	if strings.EqualFold(t.Text, "NIL") {
		return Value{Kind: NilValue}, true
	}
	return Value{Kind: AtomValue, S: t.Text}, true
}
