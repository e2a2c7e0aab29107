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
// changes; every message sharing the memo shares the Raw). A small
// message's envelope takes about a third of its encoding this way: 250
// octets a message are 12 MB in a mailbox of 50,000.
//
// Each op starts with a uvarint n<<1|ref. A literal (ref 0) is followed
// by its n octets; a reference (ref 1) by the uvarint offset in the raw
// octets of the n octets it stands for.

// minRef is the shortest quoted string worth a reference (which costs
// 3 or 4 octets with the literal it splits).
const minRef = 4

// compactItem returns enc in the compact form against raw. Only the
// contents of quoted strings that the header holds verbatim become
// references, so expanding the result gives enc back octet for octet
// whatever enc holds (a reference stands for octets equal to those it
// replaces).
func compactItem(enc, raw []byte) []byte {
	head := raw[:headerEnd(raw)]
	out := make([]byte, 0, len(enc)+8)
	lit := 0 // start of the literal run not written yet
	for i := 0; i < len(enc); i++ {
		if enc[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(enc) && enc[j] != '"' && enc[j] != '\\' {
			j++
		}
		if j == len(enc) {
			break
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
				out = binary.AppendUvarint(out, uint64(len(s))<<1|1)
				out = binary.AppendUvarint(out, uint64(k))
				lit = j
			}
		}
		i = j
	}
	out = appendLiteralOp(out, enc[lit:])
	return bytes.Clone(out) // exactly as long as it is
}

func appendLiteralOp(out, lit []byte) []byte {
	if len(lit) == 0 {
		return out
	}
	out = binary.AppendUvarint(out, uint64(len(lit))<<1)
	return append(out, lit...)
}

// expandItem appends the item that code (made by compactItem against
// raw) stands for to dst.
func expandItem(dst, code, raw []byte) []byte {
	for len(code) > 0 {
		op, n := binary.Uvarint(code)
		code = code[n:]
		size := int(op >> 1)
		if op&1 == 0 {
			dst = append(dst, code[:size]...)
			code = code[size:]
			continue
		}
		off, n := binary.Uvarint(code)
		code = code[n:]
		dst = append(dst, raw[off:off+uint64(size)]...)
	}
	return dst
}
