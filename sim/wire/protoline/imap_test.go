package protoline

import (
	"strings"
	"testing"
)

func tokens(s string, sections bool) []Token {
	sc := NewScanner(s)
	sc.Sections = sections
	var out []Token
	for {
		t, ok := sc.Next()
		if !ok {
			return out
		}
		out = append(out, t)
	}
}

func TestScannerReadsEachKindOfToken(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Token
	}{
		{"atoms", "a1 LOGIN alice", []Token{{Kind: Atom, Text: "a1", End: 2}, {Kind: Atom, Text: "LOGIN", Start: 3, End: 8}, {Kind: Atom, Text: "alice", Start: 9, End: 14}}},
		{"a quoted string with escapes", `"a \"b\" \\c"`, []Token{{Kind: Quoted, Text: `a "b" \c`, End: 13}}},
		{"an unclosed quoted string runs to the end", `"wonder land`, []Token{{Kind: Quoted, Text: "wonder land", End: 12, Open: true}}},
		{"a synchronizing literal", "{10}", []Token{{Kind: Literal, Text: "{10}", End: 4, Size: 10, Sync: true}}},
		{"a non-synchronizing literal", "{5+}", []Token{{Kind: Literal, Text: "{5+}", End: 4, Size: 5}}},
		{"a literal8", "~{3}", []Token{{Kind: Literal, Text: "~{3}", End: 4, Size: 3, Sync: true}}},
		{"a marker without a number", "{x}", []Token{{Kind: Literal, Text: "{x}", End: 3, Size: -1, Sync: true}}},
		{"a brace with no end is an atom", "{12 x", []Token{{Kind: Atom, Text: "{12", End: 3}, {Kind: Atom, Text: "x", Start: 4, End: 5}}},
		{"a list", `("name" NIL)`, []Token{{Kind: ListStart, Text: "(", End: 1}, {Kind: Quoted, Text: "name", Start: 1, End: 7}, {Kind: Atom, Text: "NIL", Start: 8, End: 11}, {Kind: ListEnd, Text: ")", Start: 11, End: 12}}},
		{"without sections a bracket does not hold spaces", "BODY[HEADER (FROM)]", []Token{{Kind: Atom, Text: "BODY[HEADER", End: 11}, {Kind: ListStart, Text: "(", Start: 12, End: 13}, {Kind: Atom, Text: "FROM", Start: 13, End: 17}, {Kind: ListEnd, Text: ")", Start: 17, End: 18}, {Kind: Atom, Text: "]", Start: 18, End: 19}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tokens(tt.in, false)
			if len(got) != len(tt.want) {
				t.Fatalf("tokens %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("token %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestScannerWithSectionsKeepsABodySectionInItsAtom(t *testing.T) {
	got := tokens("BODY[HEADER.FIELDS (FROM)]<0> {3}", true)
	if len(got) != 2 || got[0].Text != "BODY[HEADER.FIELDS (FROM)]<0>" || got[1].Kind != Literal {
		t.Errorf("tokens %+v", got)
	}
}

// show writes a value back in a canonical form.
func show(v Value) string {
	switch v.Kind {
	case NilValue:
		return "NIL"
	case StringValue:
		return `"` + v.S + `"`
	case ListValue:
		parts := make([]string, len(v.List))
		for i, e := range v.List {
			parts[i] = show(e)
		}
		return "(" + strings.Join(parts, " ") + ")"
	}
	return v.S
}

func TestValueReadsResponseData(t *testing.T) {
	tests := []struct {
		name, in string
		lits     []string
		want     string
	}{
		{"atoms, NIL and a list", `(UID 4 FLAGS (\Seen \*) X nil)`, nil, `(UID 4 FLAGS (\Seen \*) X NIL)`},
		{"a section atom holds spaces and parentheses", `(BODY[HEADER.FIELDS (A B)]<0> "x")`, nil, `(BODY[HEADER.FIELDS (A B)]<0> "x")`},
		{"literals come from the list, in order", `({3} {2+} ~{1})`, []string{"abc", "de", "f"}, `("abc" "de" "f")`},
		{"a quoted NIL is a string", `("NIL")`, nil, `("NIL")`},
		{"an envelope", `(ENVELOPE (NIL "s" (("A" NIL "a" "x")) NIL) BODY[TEXT] {2})`, []string{"hi"}, `(ENVELOPE (NIL "s" (("A" NIL "a" "x")) NIL) BODY[TEXT] "hi")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := NewScanner(tt.in)
			sc.Sections = true
			for _, l := range tt.lits {
				sc.Literals = append(sc.Literals, []byte(l))
			}
			v, ok := sc.Value()
			if !ok || show(v) != tt.want {
				t.Errorf("Value(%q) = %s, %v; want %s", tt.in, show(v), ok, tt.want)
			}
		})
	}
	for _, bad := range []string{"(UID 4", `"open`, "{3}", ")", ""} {
		if v, ok := NewScanner(bad).Value(); ok {
			t.Errorf("Value(%q) = %s, want a failure on malformed data", bad, show(v))
		}
	}
}
