package imap

import (
	"bytes"
	"encoding/binary"
	"unique"
)

// This file holds the compact form in which FETCH keeps an encoded
// ENVELOPE, BODY or BODYSTRUCTURE with a stored message (issue 17).
//
// An envelope's address lists repeat: From, Sender and Reply-To are
// usually the same list, and the same correspondents' lists (To: the
// mailbox's owner) come back message after message. The compact form
// keeps the first maxLists lists of an item interned (unique.Handle: one
// copy of each distinct list in the process, collected when no item
// refers to it any more) and refers to them by number; other repeats
// within the item are references back into it; a run between two of
// those that is one of the usual ones is one octet. A small message's
// envelope (277 octets) is kept in 117, plus two handles.
//
// References into the raw header instead, which holds most of an item's
// strings, kept an envelope in 42 octets but cost FETCH about 10% more
// CPU than the plain encoding on the shared workload: the header lines
// are cold and scattered, while the kept item is read whole and the
// interned lists stay in the cache (bench/README.md).
//
// Each op starts with a uvarint n<<2|kind. A literal (kind 0) is
// followed by its n octets; an interned list (kind 1) is lists[n]; a
// reference back (kind 2) is followed by the uvarint offset in the item
// of the n octets it repeats; a common literal (kind 3) is
// commonLiterals[n].
const (
	opLiteral = 0
	opList    = 1
	opBack    = 2
	opCommon  = 3
)

// maxLists is how many address lists an item keeps interned.
const maxLists = 2

// lists are the interned address lists of an item.
type lists [maxLists]unique.Handle[string]

// commonLiterals are runs between two references that go-imap's
// ENVELOPE, BODY and BODYSTRUCTURE encodings make; each is kept in one
// octet.
var commonLiterals = [...]string{" ", ") ", "(", ")"}

// minBack is the shortest repeat worth a reference back (which costs 2
// or 3 octets), minList the shortest list worth interning (a handle is
// 8). A repeat is looked for among the last backWindow parentheses and
// is at most maxBack octets long, and a list interned at most maxList,
// so that compacting an item of thousands of lists stays linear in its
// length.
const (
	minBack    = 8
	minList    = 16
	maxBack    = 256
	maxList    = 512
	backWindow = 16
)

// compactItem returns enc in the compact form, interning lists in ls
// (which may hold lists already: an item's two encodings share them).
// A reference stands only for octets equal to those it replaces, so
// expanding the result gives enc back octet for octet whatever enc
// holds; what is parsed (quoted strings, parentheses) only decides how
// well it compacts.
func compactItem(enc []byte, ls *lists) []byte {
	out := make([]byte, 0, len(enc)+8)
	lit := 0        // start of the literal run not written yet
	var opens []int // where a parenthesis opened, outside quoted strings
	for i := 0; i < len(enc); i++ {
		switch enc[i] {
		case '(':
			if k, n := internList(enc, i, ls); n > 0 {
				out = appendLiteralOp(out, enc[lit:i])
				out = binary.AppendUvarint(out, uint64(k)<<2|opList)
				lit = i + n
				i += n - 1
				continue
			}
			if p, n := longestRepeat(enc, i, opens); n >= minBack {
				out = appendLiteralOp(out, enc[lit:i])
				out = binary.AppendUvarint(out, uint64(n)<<2|opBack)
				out = binary.AppendUvarint(out, uint64(p))
				lit = i + n
				i += n - 1
				continue
			}
			opens = append(opens, i)
		case '"': // skip the quoted string, escapes included
			i = quotedEnd(enc, i)
		}
	}
	out = appendLiteralOp(out, enc[lit:])
	return bytes.Clone(out) // exactly as long as it is
}

// quotedEnd returns where the quoted string that opens at enc[i] ends
// (its closing quote, or len(enc)).
func quotedEnd(enc []byte, i int) int {
	for i++; i < len(enc) && enc[i] != '"'; i++ {
		if enc[i] == '\\' {
			i++
		}
	}
	return i
}

// internList interns the address list "((...))" that opens at enc[i],
// if ls holds it or has room for it, and returns its number in ls and
// its length; n is 0 if there is no such list to intern.
func internList(enc []byte, i int, ls *lists) (k, n int) {
	if i+1 >= len(enc) || enc[i+1] != '(' {
		return 0, 0
	}
	depth := 0
	for j := i; j < min(len(enc), i+maxList); j++ {
		switch enc[j] {
		case '"':
			j = quotedEnd(enc, j)
		case '{': // a literal: its octets are not the list's structure
			return 0, 0
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				if j+1-i < minList {
					return 0, 0
				}
				s := string(enc[i : j+1])
				for k, h := range ls {
					if h == (unique.Handle[string]{}) {
						ls[k] = unique.Make(s)
						return k, j + 1 - i
					}
					if h.Value() == s {
						return k, j + 1 - i
					}
				}
				return 0, 0
			}
		}
	}
	return 0, 0
}

// longestRepeat finds the longest run at enc[i:] that also starts at one
// of the last backWindow opens (all before i) and ends before i, cut
// after its last ')' so that the scan resumes outside a string; it
// returns where and how long.
func longestRepeat(enc []byte, i int, opens []int) (at, n int) {
	for _, p := range opens[max(len(opens)-backWindow, 0):] {
		l := 0
		for l < min(i-p, maxBack) && i+l < len(enc) && enc[p+l] == enc[i+l] {
			l++
		}
		if k := bytes.LastIndexByte(enc[i:i+l], ')'); k+1 > n {
			at, n = p, k+1
		}
	}
	return at, n
}

func appendLiteralOp(out, lit []byte) []byte {
	if len(lit) == 0 {
		return out
	}
	for k, c := range commonLiterals {
		if string(lit) == c {
			return binary.AppendUvarint(out, uint64(k)<<2|opCommon)
		}
	}
	out = binary.AppendUvarint(out, uint64(len(lit))<<2|opLiteral)
	return append(out, lit...)
}

// expandItem appends the item that code (made by compactItem with ls)
// stands for to dst. It is FETCH's per-message cost for the compact
// form (BenchmarkExpandEnvelope).
func expandItem(dst, code []byte, ls *lists) []byte {
	start := len(dst)
	for len(code) > 0 {
		op, n := binary.Uvarint(code)
		code = code[n:]
		size := int(op >> 2)
		switch op & 3 {
		case opLiteral:
			dst = append(dst, code[:size]...)
			code = code[size:]
		case opList:
			dst = append(dst, ls[size].Value()...)
		case opCommon:
			dst = append(dst, commonLiterals[size]...)
		default:
			off, n := binary.Uvarint(code)
			code = code[n:]
			from := start + int(off)
			dst = append(dst, dst[from:from+size]...)
		}
	}
	return dst
}
