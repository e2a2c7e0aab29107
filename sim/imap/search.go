package imap

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"

	"mailsim/sim/mailstore"
)

// This file holds SEARCH.

func (sess *session) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	refs, name := sess.resolve(imap.SeqSet{{Start: 1, Stop: 0}}) // every message the client knows
	var maxSeq, maxUID uint32
	if n := len(refs); n > 0 {
		maxSeq, maxUID = refs[n-1].seq, refs[n-1].uid
	}
	staticCriteria(criteria, maxSeq, maxUID, sess.sel.searchRes)

	data := &imap.SearchData{}
	var seqs imap.SeqSet
	var uids imap.UIDSet
	scratch := &searchScratch{}
	var uidBuf [fetchChunk]uint32
	var msgs [fetchChunk]*mailstore.Message
	var recent [fetchChunk]bool
	for len(refs) > 0 {
		chunk := refs[:min(len(refs), fetchChunk)]
		refs = refs[len(chunk):]
		sess.load(name, chunk, uidBuf[:len(chunk)], msgs[:len(chunk)])
		sess.recentOf(chunk, recent[:len(chunk)])
		for i, r := range chunk {
			m := msgs[i]
			if m == nil {
				continue
			}
			c := candidate{msg: m, seq: r.seq, recent: recent[i], scratch: scratch}
			if !c.matches(criteria) {
				continue
			}
			num := r.seq
			if kind == imapserver.NumKindUID {
				num = r.uid
			}
			seqs.AddNum(r.seq)
			uids.AddNum(imap.UID(r.uid))
			if data.Min == 0 || num < data.Min {
				data.Min = num
			}
			if num > data.Max {
				data.Max = num
			}
			data.Count++
		}
	}
	if options.ReturnSave {
		sess.sel.searchRes = uids
	}
	if kind == imapserver.NumKindUID {
		data.All = uids
	} else {
		data.All = seqs
	}
	return data, nil
}

// staticCriteria replaces "*" in sequence and UID sets by the highest
// number the client knows, and "$" by the saved result.
func staticCriteria(c *imap.SearchCriteria, maxSeq, maxUID uint32, saved imap.UIDSet) {
	for i := range c.SeqNum {
		for j := range c.SeqNum[i] {
			r := &c.SeqNum[i][j]
			r.Start, r.Stop = staticRange(r.Start, r.Stop, maxSeq)
		}
	}
	for i := range c.UID {
		if imap.IsSearchRes(c.UID[i]) {
			c.UID[i] = append(imap.UIDSet{}, saved...)
			continue
		}
		for j := range c.UID[i] {
			r := &c.UID[i][j]
			start, stop := staticRange(uint32(r.Start), uint32(r.Stop), maxUID)
			r.Start, r.Stop = imap.UID(start), imap.UID(stop)
		}
	}
	for i := range c.Not {
		staticCriteria(&c.Not[i], maxSeq, maxUID, saved)
	}
	for i := range c.Or {
		staticCriteria(&c.Or[i][0], maxSeq, maxUID, saved)
		staticCriteria(&c.Or[i][1], maxSeq, maxUID, saved)
	}
}

// candidate is one message under test, with its parsed header made once.
type candidate struct {
	msg     *mailstore.Message
	seq     uint32
	recent  bool
	header  *mail.Header
	scratch *searchScratch // shared by one SEARCH's candidates
}

func (c *candidate) hdr() *mail.Header {
	if c.header == nil {
		h, _ := readHeader(c.msg.Raw)
		c.header = &mail.Header{Header: gomessage.Header{Header: h}}
	}
	return c.header
}

func (c *candidate) hasFlag(f imap.Flag) bool {
	if strings.EqualFold(string(f), string(flagRecent)) {
		return c.recent
	}
	return c.msg.HasFlag(string(f))
}

func (c *candidate) matches(k *imap.SearchCriteria) bool {
	m := c.msg
	for _, set := range k.SeqNum {
		if !set.Contains(c.seq) {
			return false
		}
	}
	for _, set := range k.UID {
		if !set.Contains(imap.UID(m.UID)) {
			return false
		}
	}
	if !inDateRange(m.InternalDate, k.Since, k.Before) {
		return false
	}
	for _, f := range k.Flag {
		if !c.hasFlag(f) {
			return false
		}
	}
	for _, f := range k.NotFlag {
		if c.hasFlag(f) {
			return false
		}
	}
	if k.Larger != 0 && int64(len(m.Raw)) <= k.Larger {
		return false
	}
	if k.Smaller != 0 && int64(len(m.Raw)) >= k.Smaller {
		return false
	}
	for _, hf := range k.Header {
		if !matchFields(c.hdr().FieldsByKey(hf.Key), hf.Value) {
			return false
		}
	}
	if !k.SentSince.IsZero() || !k.SentBefore.IsZero() {
		t, err := c.hdr().Date()
		if err != nil || !inDateRange(t, k.SentSince, k.SentBefore) {
			return false
		}
	}
	for _, text := range k.Body {
		if !c.matchText(text, false) {
			return false
		}
	}
	for _, text := range k.Text {
		if !c.matchText(text, true) {
			return false
		}
	}
	for i := range k.Not {
		if c.matches(&k.Not[i]) {
			return false
		}
	}
	for i := range k.Or {
		if !c.matches(&k.Or[i][0]) && !c.matches(&k.Or[i][1]) {
			return false
		}
	}
	return true
}

// inDateRange compares dates only, ignoring time and zone (RFC 9051
// section 6.4.4).
func inDateRange(t, since, before time.Time) bool {
	t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if !since.IsZero() && t.Before(since) {
		return false
	}
	if !before.IsZero() && !t.Before(before) {
		return false
	}
	return true
}

func matchFields(fields gomessage.HeaderFields, pattern string) bool {
	if pattern == "" {
		return fields.Len() > 0
	}
	pattern = strings.ToLower(pattern)
	for fields.Next() {
		v, err := fields.Text()
		if err != nil {
			v = fields.Value()
		}
		if strings.Contains(strings.ToLower(v), pattern) {
			return true
		}
	}
	return false
}

// matchText is matchEntity for the candidate: on a message whose decoded
// text is its raw octets (see textTraits) it searches them in place,
// without parsing the message or allocating.
func (c *candidate) matchText(text string, withHeader bool) bool {
	if text == "" {
		return true
	}
	tr := textTraitsOf(c.msg)
	if tr&plainBody == 0 || withHeader && tr&simpleHeader == 0 {
		return matchEntity(c.msg.Raw, text, withHeader)
	}
	s := c.scratch
	needle := s.lower(text)
	raw := c.msg.Raw
	end := headerEnd(raw)
	if withHeader && s.headerHas(raw[:end], needle) {
		return true
	}
	return s.contains(raw[end:], needle)
}

// matchEntity looks for text (case-insensitively) in the decoded text
// parts of a message, and in its header fields when withHeader is set.
func matchEntity(raw []byte, text string, withHeader bool) bool {
	e, _ := gomessage.Read(bytes.NewReader(raw)) // an unknown charset still gives an entity
	if e == nil {
		return bytes.Contains(bytes.ToLower(raw), bytes.ToLower([]byte(text)))
	}
	return matchPart(e, strings.ToLower(text), withHeader, 0)
}

func matchPart(e *gomessage.Entity, text string, withHeader bool, depth int) bool {
	if text == "" {
		return true
	}
	if withHeader && matchFields(e.Header.Fields(), text) {
		return true
	}
	if mr := e.MultipartReader(); mr != nil {
		if depth > 20 {
			return false
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				return false
			}
			if matchPart(p, text, withHeader, depth+1) {
				return true
			}
		}
	}
	t, _, _ := e.Header.ContentType()
	if t != "" && !strings.HasPrefix(t, "text/") && !strings.HasPrefix(t, "message/") {
		return false
	}
	body, err := io.ReadAll(e.Body)
	if err != nil && len(body) == 0 {
		return false
	}
	return bytes.Contains(bytes.ToLower(body), []byte(text))
}

// searchScratch is one SEARCH's working memory, reused for every message.
type searchScratch struct {
	buf         []byte
	lastText    string
	lastLowered []byte
}

// lower returns text lower-cased as matchEntity compares it.
func (s *searchScratch) lower(text string) []byte {
	if s.lastLowered == nil || s.lastText != text {
		s.lastText, s.lastLowered = text, []byte(strings.ToLower(text))
	}
	return s.lastLowered
}

// contains reports whether the ASCII octets b, lower-cased, hold needle.
func (s *searchScratch) contains(b, needle []byte) bool {
	s.buf = append(s.buf[:0], b...)
	for i, ch := range s.buf {
		if 'A' <= ch && ch <= 'Z' {
			s.buf[i] = ch + 'a' - 'A'
		}
	}
	return bytes.Contains(s.buf, needle)
}

// headerHas reports whether the value of a field of a simple header (see
// textTraits) holds needle, as matchFields compares values: trimmed of
// spaces and tabs, lower-cased.
func (s *searchScratch) headerHas(h, needle []byte) bool {
	for len(h) > 0 {
		line := h
		if i := bytes.Index(h, []byte("\r\n")); i >= 0 {
			line, h = h[:i], h[i+2:]
		} else {
			h = nil
		}
		if i := bytes.IndexByte(line, ':'); i > 0 && s.contains(bytes.Trim(line[i+1:], " \t"), needle) {
			return true
		}
	}
	return false
}

// textTraits say what SEARCH TEXT and BODY may do without parsing a
// message.
type textTraits uint8

const (
	traitsKnown textTraits = 1 << iota
	// plainBody: the message is one text part (text/*, or no
	// Content-Type) with no transfer encoding (none, 7bit, 8bit,
	// binary), in US-ASCII or UTF-8, and its body is ASCII: the decoded
	// text matchEntity searches is the raw body, and lower-casing it
	// octet by octet is bytes.ToLower.
	plainBody
	// simpleHeader: every header line is one "Name: value" field, in
	// ASCII, with no encoded word and no folding: each field's decoded
	// value is the line after the colon, trimmed.
	simpleHeader
)

// textTraitsOf returns the message's textTraits, worked out once per
// stored message (a small integer in the memo: no allocation).
func textTraitsOf(m *mailstore.Message) textTraits {
	return m.Memo(mailstore.MemoIMAPTextTraits, buildTextTraits).(textTraits)
}

func buildTextTraits(raw []byte) any {
	tr := traitsKnown
	end := headerEnd(raw)
	header, body := raw[:end], raw[end:]
	if end < 2 || !bytes.HasSuffix(header, []byte("\r\n\r\n")) {
		return tr // no header, or no empty line after it
	}
	simple := isASCII(header) && !bytes.Contains(header, []byte("=?")) && bytes.IndexByte(header, 0) < 0
	var ctype, cte []byte
	haveType, haveCTE := false, false
	for h := header[:end-2]; len(h) > 0 && simple; {
		i := bytes.Index(h, []byte("\r\n"))
		if i < 0 {
			simple = false
			break
		}
		line := h[:i]
		h = h[i+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, '\n') >= 0 {
			simple = false
			break
		}
		for _, ch := range line[:colon] {
			if ch <= ' ' || ch > '~' {
				simple = false
			}
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		switch {
		case !haveType && bytes.EqualFold(name, []byte("Content-Type")):
			ctype, haveType = value, true
		case !haveCTE && bytes.EqualFold(name, []byte("Content-Transfer-Encoding")):
			cte, haveCTE = value, true
		}
	}
	if !simple {
		return tr
	}
	tr |= simpleHeader
	switch strings.ToLower(string(cte)) {
	case "", "7bit", "8bit", "binary":
	default:
		return tr
	}
	if haveType {
		t, params, err := mime.ParseMediaType(string(ctype))
		if err != nil || !strings.HasPrefix(t, "text/") {
			return tr
		}
		switch strings.ToLower(params["charset"]) {
		case "", "us-ascii", "utf-8":
		default:
			return tr
		}
	}
	if isASCII(body) {
		tr |= plainBody
	}
	return tr
}

func isASCII(b []byte) bool {
	for _, ch := range b {
		if ch >= 0x80 {
			return false
		}
	}
	return true
}
