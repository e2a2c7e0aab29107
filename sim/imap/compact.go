package imap

import (
	"bytes"
	"encoding/binary"
)

// This file holds the compact form in which FETCH keeps an encoded
// ENVELOPE, BODY or BODYSTRUCTURE with a stored message (issue 17).
//
// Most of an encoded item is the message's own header text in quotes
// (date, subject, names, mailboxes, hosts, Message-ID, MIME types), so
// the item is kept as a run of ops: literal octets, or a reference to a
// run of the raw header, which the store keeps anyway (and never
// changes; every message sharing the memo shares the Raw), a repeated
// address list as a reference back, and the usual runs between strings
// as one octet each. A small message's envelope (277 octets, which are
// 14 MB in a mailbox of 50,000) is kept in 42.
//
// Each op starts with a uvarint n<<2|kind. A literal (kind 0) is
// followed by its n octets; a reference to the raw octets (kind 1) by the
// uvarint offset there of the n octets it stands for; a reference back
// into the item (kind 2), for an address list repeated (an envelope's
// From, Sender and Reply-To are usually the same), by the uvarint offset
// in the item; a common literal (kind 3) is commonLiterals[n].
const (
	opLiteral = iota
	opRaw
	opBack
	opCommon
)

// commonLiterals are the runs between strings that go-imap's ENVELOPE,
// BODY and BODYSTRUCTURE encodings repeat; each is kept in one octet.
var commonLiterals = [...]string{
	`("`, `" "`, `" (("`, `" NIL "`, `")) `, ` `, `(("`, `")) NIL NIL NIL "`,
	`")`, `")) (("`, `" NIL NIL NIL "`, `")) NIL "`, `" NIL NIL "`, `" ("`,
	`") NIL NIL "`, `") `, `" NIL`, `NIL "`, `" NIL NIL NIL NIL "`, `"))`,
}

// minRef is the shortest quoted string worth a reference to the raw
// octets (which costs 3 or 4 octets), minBack the shortest repeat worth
// a reference back. A repeat is looked for among the last backWindow
// parentheses and is at most maxBack octets long, so that compacting an
// item of thousands of lists stays linear in its length.
const (
	minRef     = 4
	minBack    = 8
	maxBack    = 256
	backWindow = 16
)

// compactItem returns enc in the compact form against raw. A reference
// stands only for octets equal to those it replaces, so expanding the
// result gives enc back octet for octet whatever enc holds; what is
// parsed (quoted strings, parentheses) only decides how well it
// compacts.
func compactItem(enc, raw []byte) []byte {
	head := raw[:headerEnd(raw)]
	out := make([]byte, 0, len(enc)+8)
	lit := 0        // start of the literal run not written yet
	var opens []int // where a parenthesis opened, outside quoted strings
	for i := 0; i < len(enc); i++ {
		switch enc[i] {
		case '(':
			if p, n := longestRepeat(enc, i, opens); n >= minBack {
				out = appendLiteralOp(out, enc[lit:i])
				out = appendOp(out, n, opBack)
				out = binary.AppendUvarint(out, uint64(p))
				lit = i + n
				i += n - 1
				continue
			}
			opens = append(opens, i)
		case '"':
			j := i + 1
			for j < len(enc) && enc[j] != '"' && enc[j] != '\\' {
				j++
			}
			if j == len(enc) {
				i = j
				continue
			}
			if enc[j] == '\\' { // escapes: left literal, up to the closing quote
				for j++; j < len(enc) && enc[j] != '"'; j++ {
					if enc[j] == '\\' {
						j++
					}
				}
				i = j
				continue
			}
			if s := enc[i+1 : j]; len(s) >= minRef {
				if k := bytes.Index(head, s); k >= 0 {
					out = appendLiteralOp(out, enc[lit:i+1])
					out = appendOp(out, len(s), opRaw)
					out = binary.AppendUvarint(out, uint64(k))
					lit = j
				}
			}
			i = j
		}
	}
	out = appendLiteralOp(out, enc[lit:])
	return bytes.Clone(out) // exactly as long as it is
}

// longestRepeat finds the longest run at enc[i:] that also starts at one
// of the last backWindow opens (all before i) and ends before i, cut after its last ')' so
// that the scan resumes outside a string; it returns where and how long.
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

func appendOp(out []byte, n, kind int) []byte {
	return binary.AppendUvarint(out, uint64(n)<<2|uint64(kind))
}

func appendLiteralOp(out, lit []byte) []byte {
	if len(lit) == 0 {
		return out
	}
	for k, c := range commonLiterals {
		if string(lit) == c {
			return appendOp(out, k, opCommon)
		}
	}
	out = appendOp(out, len(lit), opLiteral)
	return append(out, lit...)
}

// expandItem appends the item that code (made by compactItem against
// raw) stands for to dst.
func expandItem(dst, code, raw []byte) []byte {
	start := len(dst)
	for len(code) > 0 {
		op, n := binary.Uvarint(code)
		code = code[n:]
		size := int(op >> 2)
		switch op & 3 {
		case opLiteral:
			dst = append(dst, code[:size]...)
			code = code[size:]
		case opCommon:
			dst = append(dst, commonLiterals[size]...)
		default:
			off, n := binary.Uvarint(code)
			code = code[n:]
			if op&3 == opRaw {
				dst = append(dst, raw[off:off+uint64(size)]...)
			} else {
				from := start + int(off)
				dst = append(dst, dst[from:from+size]...)
			}
		}
	}
	return dst
}
