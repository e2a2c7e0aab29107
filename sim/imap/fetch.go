package imap

import (
	"bufio"
	"bytes"
	"io"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"

	"mailsim/sim/mailstore"
)

// This file holds FETCH and STORE, and what FETCH derives from a message
// (envelope, body structure), kept encoded with the stored message
// (Message.Memo), so that answering FETCH is copying octets.

// fetchChunk is how many messages FETCH and SEARCH look up in the store
// at once: what they hold does not grow with the mailbox.
const fetchChunk = 256

func (sess *session) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	sel := sess.sel
	marksSeen := !sel.readOnly && setsSeen(options)
	var refBuf [fetchChunk]msgRef
	var uids [fetchChunk]uint32
	var msgs [fetchChunk]*mailstore.Message
	var recent [fetchChunk]bool
	for after, more := uint32(0), true; more; {
		var chunk []msgRef
		var name string
		chunk, after, more, name = sess.resolveAfter(numSet, after, refBuf[:0])
		// A message the client has not been told of yet (no EXISTS) cannot
		// be answered with a sequence number; it comes after the next
		// update.
		chunk = slices.DeleteFunc(chunk, func(r msgRef) bool { return r.seq == 0 })
		n := len(chunk)
		sess.load(name, chunk, uids[:n], msgs[:n])
		var changed map[uint32]bool
		if marksSeen {
			var err error
			if changed, err = sess.markSeen(name, msgs[:n]); err != nil {
				return err
			}
		}
		sess.recentOf(chunk, recent[:n])
		for i, r := range chunk {
			m := msgs[i]
			if m == nil {
				continue // removed meanwhile; its EXPUNGE follows
			}
			if err := sess.writeMessage(w, r.seq, m, options, changed[m.UID], recent[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// markSeen sets \Seen on the messages of msgs that lack it, as BODY[...]
// without .PEEK does, replaces them in msgs by their new versions and
// returns the UIDs changed: their new flags go in the same FETCH
// response.
func (sess *session) markSeen(name string, msgs []*mailstore.Message) (map[uint32]bool, error) {
	var unseen []uint32
	for _, m := range msgs {
		if m != nil && !m.HasFlag(mailstore.FlagSeen) {
			unseen = append(unseen, m.UID)
		}
	}
	if len(unseen) == 0 {
		return nil, nil
	}
	updated, err := sess.srv.store.SetFlags(sess.user, name, unseen, mailstore.FlagsAdd,
		[]string{mailstore.FlagSeen}, sess.origin())
	if err != nil {
		return nil, storeError(err, name, false)
	}
	changed := make(map[uint32]bool, len(updated))
	byUID := make(map[uint32]*mailstore.Message, len(updated))
	for _, m := range updated {
		byUID[m.UID] = m
		changed[m.UID] = true
	}
	for i, m := range msgs {
		if m != nil && byUID[m.UID] != nil {
			msgs[i] = byUID[m.UID]
		}
	}
	return changed, nil
}

func setsSeen(o *imap.FetchOptions) bool {
	for _, bs := range o.BodySection {
		if !bs.Peek {
			return true
		}
	}
	for _, bs := range o.BinarySection {
		if !bs.Peek {
			return true
		}
	}
	return false
}

// load fills out with the messages of refs, in the same order (nil for
// a message that is gone), using uids (as long as refs) as scratch.
func (sess *session) load(name string, refs []msgRef, uids []uint32, out []*mailstore.Message) {
	for i, r := range refs {
		uids[i] = r.uid
	}
	if err := sess.srv.store.Lookup(sess.user, name, uids, out); err != nil {
		clear(out)
	}
}

// recentOf fills out (as long as refs) with which of refs are \Recent in
// this session.
func (sess *session) recentOf(refs []msgRef, out []bool) []bool {
	clear(out)
	if !sess.sel.showsRecent {
		return out
	}
	sess.srv.reg.mu.Lock()
	defer sess.srv.reg.mu.Unlock()
	for i, r := range refs {
		_, out[i] = sess.sel.recent[r.uid]
	}
	return out
}

func (sess *session) writeMessage(w *imapserver.FetchWriter, seq uint32, m *mailstore.Message, o *imap.FetchOptions, flagsChanged, recent bool) error {
	rw := w.CreateMessage(seq)
	var err error
	if o.UID { // asked for, or a UID FETCH
		rw.WriteUID(imap.UID(m.UID))
	}
	if o.Flags || flagsChanged {
		sess.flagBuf = appendIMAPFlags(sess.flagBuf[:0], m.Flags, recent)
		rw.WriteFlags(sess.flagBuf)
	}
	if o.InternalDate {
		rw.WriteInternalDate(m.InternalDate)
	}
	if o.RFC822Size {
		rw.WriteRFC822Size(int64(len(m.Raw)))
	}
	if o.Envelope {
		var ok bool
		if sess.encBuf, ok = envelopeOf(m).appendTo(sess.encBuf[:0], rw.QuotedUTF8()); ok {
			rw.WriteEnvelopeEncoded(sess.encBuf)
		} else {
			rw.WriteEnvelope(parseEnvelope(m.Raw))
		}
	}
	if o.BodyStructure != nil {
		bs := bodyStructureOf(m)
		utf8 := rw.QuotedUTF8()
		var ok bool
		if sess.encBuf, ok = bs.basic.appendTo(sess.encBuf[:0], utf8); ok {
			split := len(sess.encBuf)
			sess.encBuf, _ = bs.extended.appendTo(sess.encBuf, utf8) // kept with basic, or neither
			rw.WriteBodyStructureEncoded(sess.encBuf[:split], sess.encBuf[split:])
		} else {
			rw.WriteBodyStructure(imapserver.ExtractBodyStructure(bytes.NewReader(m.Raw)))
		}
	}
	for _, bs := range o.BodySection {
		if err == nil {
			b := bodySection(m, bs)
			err = writeLiteral(rw.WriteBodySection(bs, int64(len(b))), b)
		}
	}
	for _, bs := range o.BinarySection {
		if err == nil {
			b := imapserver.ExtractBinarySection(bytes.NewReader(m.Raw), bs)
			err = writeLiteral(rw.WriteBinarySection(bs, int64(len(b))), b)
		}
	}
	for _, bs := range o.BinarySectionSize {
		rw.WriteBinarySectionSize(bs, imapserver.ExtractBinarySectionSize(bytes.NewReader(m.Raw), bs))
	}
	// Close always, to release the connection's writer.
	if cerr := rw.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeLiteral(wc io.WriteCloser, b []byte) error {
	_, werr := wc.Write(b)
	cerr := wc.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// bodySection returns a BODY[...] section. The whole message, its header
// and its text are cut from the raw octets, so that BODY[] is exactly
// RFC822.SIZE octets; anything else goes through go-imap's extractor.
func bodySection(m *mailstore.Message, bs *imap.FetchItemBodySection) []byte {
	if len(bs.Part) == 0 && len(bs.HeaderFields) == 0 && len(bs.HeaderFieldsNot) == 0 {
		end := headerEnd(m.Raw)
		switch bs.Specifier {
		case imap.PartSpecifierNone:
			return partial(m.Raw, bs.Partial)
		case imap.PartSpecifierHeader:
			return partial(m.Raw[:end], bs.Partial)
		case imap.PartSpecifierText:
			return partial(m.Raw[end:], bs.Partial)
		}
	}
	return imapserver.ExtractBodySection(bytes.NewReader(m.Raw), bs)
}

// headerEnd returns the offset of the body: just past the empty line.
func headerEnd(raw []byte) int {
	if bytes.HasPrefix(raw, []byte("\r\n")) {
		return 2
	}
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	return len(raw)
}

func partial(b []byte, p *imap.SectionPartial) []byte {
	if p == nil {
		return b
	}
	if p.Offset < 0 || p.Offset > int64(len(b)) {
		return nil
	}
	end := int64(len(b))
	if p.Size >= 0 && p.Offset+p.Size < end {
		end = p.Offset + p.Size
	}
	return b[p.Offset:end]
}

func (sess *session) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, _ *imap.StoreOptions) error {
	if sess.sel.readOnly {
		return errReadOnly
	}
	refs, name := sess.resolve(numSet)
	if len(refs) == 0 {
		return nil
	}
	op := mailstore.FlagsReplace
	switch flags.Op {
	case imap.StoreFlagsAdd:
		op = mailstore.FlagsAdd
	case imap.StoreFlagsDel:
		op = mailstore.FlagsRemove
	}
	updated, err := sess.srv.store.SetFlags(sess.user, name, uidsOf(refs), op, fromIMAPFlags(flags.Flags), sess.origin())
	if err != nil {
		return storeError(err, name, false)
	}
	if flags.Silent {
		return nil
	}
	// A UID STORE's FETCH replies must carry the UID (RFC 3501 §6.4.8);
	// a plain STORE's do not.
	_, byUID := numSet.(imap.UIDSet)
	seqOf := make(map[uint32]uint32, len(refs))
	for _, r := range refs {
		seqOf[r.uid] = r.seq
	}
	recent := sess.recentOf(refs, make([]bool, len(refs)))
	isRecent := map[uint32]bool{}
	for i, r := range refs {
		isRecent[r.uid] = recent[i]
	}
	for _, m := range updated {
		seq := seqOf[m.UID]
		if seq == 0 {
			continue
		}
		rw := w.CreateMessage(seq)
		if byUID {
			rw.WriteUID(imap.UID(m.UID))
		}
		rw.WriteFlags(toIMAPFlags(m.Flags, isRecent[m.UID]))
		if err := rw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// MaxEncodedItem bounds what FETCH keeps with a stored message for one
// item (its ENVELOPE; its BODY and BODYSTRUCTURE together), in octets.
// An envelope or body structure that encodes to more (a header with
// thousands of addresses, a message of thousands of parts) is not kept:
// it is parsed and encoded again at each FETCH, as before any caching.
// What is kept per message is therefore at most about 2 x MaxEncodedItem
// (in the compact form of compact.go, never much longer than the
// encoding), and in practice about a hundred octets (117 and two
// interned lists for a small message's envelope of 277).
const MaxEncodedItem = 16 << 10

// encodedItem is a FETCH item encoded once, as a connection without
// UTF8=ACCEPT/IMAP4rev2 needs it (plain) and as one with it does (utf8),
// each kept in compact form (compact.go): code holds plain, then utf8
// from utf8At when the two differ (utf8At 0: all-ASCII data, one
// encoding), and lists the address lists both refer to. code is nil
// when the item was over MaxEncodedItem.
type encodedItem struct {
	code   []byte
	utf8At int
	lists  lists // the address lists code refers to
}

// appendTo appends the encoding for a connection to dst; ok is false if
// none is kept.
func (e *encodedItem) appendTo(dst []byte, quotedUTF8 bool) (out []byte, ok bool) {
	if e.code == nil {
		return dst, false
	}
	code := e.code
	if e.utf8At > 0 {
		if quotedUTF8 {
			code = code[e.utf8At:]
		} else {
			code = code[:e.utf8At]
		}
	}
	return expandItem(dst, code, &e.lists), true
}

func newEncodedItem(encode func(quotedUTF8 bool) []byte) encodedItem {
	plain, utf8 := encode(false), encode(true)
	if len(plain)+len(utf8) > MaxEncodedItem {
		return encodedItem{}
	}
	var e encodedItem
	e.code = compactItem(plain, &e.lists)
	if !bytes.Equal(plain, utf8) {
		e.utf8At = len(e.code)
		e.code = append(e.code, compactItem(utf8, &e.lists)...)
	}
	return e
}

// encodedStructure is a message's BODY (basic) and BODYSTRUCTURE
// (extended), encoded once.
type encodedStructure struct {
	basic, extended encodedItem
}

// envelopeOf returns the message's ENVELOPE encoded, made once per stored
// message and kept with it (all its flag variants and copies share it),
// so that FETCH ENVELOPE copies octets.
func envelopeOf(m *mailstore.Message) *encodedItem {
	return m.Memo(mailstore.MemoIMAPEnvelope, buildEnvelope).(*encodedItem)
}

// bodyStructureOf returns the message's BODY and BODYSTRUCTURE encoded,
// made once per stored message, and only when a client asks for one.
func bodyStructureOf(m *mailstore.Message) *encodedStructure {
	return m.Memo(mailstore.MemoIMAPBodyStructure, buildBodyStructure).(*encodedStructure)
}

func buildEnvelope(raw []byte) any {
	env := parseEnvelope(raw)
	e := newEncodedItem(func(utf8 bool) []byte { return imapserver.EncodeEnvelope(env, utf8) })
	return &e
}

func buildBodyStructure(raw []byte) any {
	bs := imapserver.ExtractBodyStructure(bytes.NewReader(raw))
	s := &encodedStructure{
		basic:    newEncodedItem(func(utf8 bool) []byte { return imapserver.EncodeBodyStructure(bs, false, utf8) }),
		extended: newEncodedItem(func(utf8 bool) []byte { return imapserver.EncodeBodyStructure(bs, true, utf8) }),
	}
	if s.basic.code == nil || s.extended.code == nil {
		return &encodedStructure{} // over the bound together
	}
	return s
}

// parseEnvelope extracts the ENVELOPE from a message's header.
func parseEnvelope(raw []byte) *imap.Envelope {
	h, err := readHeader(raw)
	if err != nil {
		return &imap.Envelope{}
	}
	// ExtractEnvelope would parse Date with net/mail.ParseDate, which
	// tries a dozen layouts, each failure allocating an error; parseDate
	// tries the usual RFC 5322 form first.
	date := h.Get("Date")
	h.Del("Date")
	env := imapserver.ExtractEnvelope(h)
	env.Date = parseDate(date)
	return env
}

// readHeader parses the header of raw with a reader just big enough for
// the header (textproto needs a bufio.Reader; its default 4 KiB buffer per
// message was a good part of FETCH's cost). One octet more than the header
// keeps a header without a final CRLF reading as with the default size.
func readHeader(raw []byte) (textproto.Header, error) {
	size := min(max(headerEnd(raw)+1, 16), 4096)
	return textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(raw), size))
}

// fastDateLayouts are the RFC 5322 date-time forms that messages almost
// always use ("Mon, 2 Jan 2006 15:04:05 -0700", with or without the day
// of the week); time.Parse's "2" takes one or two digits.
var fastDateLayouts = [...]string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
}

// parseDate parses a Date field as go-message (net/mail.ParseDate) does,
// the zero time when it cannot. The common forms are tried directly; the
// rest (comments, obsolete zones, folding, two-digit years) go to
// net/mail, which gives the same result for the common forms too.
func parseDate(v string) time.Time {
	if v == "" {
		return time.Time{}
	}
	if s := strings.TrimSpace(v); len(s) >= 5 && len(s) == len(v) {
		if z := s[len(s)-5:]; (z[0] == '+' || z[0] == '-') && isDigits(z[1:]) {
			layout := fastDateLayouts[1]
			if c := s[0]; c < '0' || c > '9' {
				layout = fastDateLayouts[0]
			}
			if t, err := time.Parse(layout, s); err == nil {
				return t
			}
		}
	}
	t, _ := mail.ParseDate(v)
	return t
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
