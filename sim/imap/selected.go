package imap

import (
	"cmp"
	"errors"
	"math"
	"slices"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"mailsim/sim/mailstore"
)

// This file holds SELECT/EXAMINE and the selected-state commands that
// change the mailbox's membership: EXPUNGE, COPY, MOVE, plus Poll and Idle,
// which deliver other sessions' changes.

// selection is a session's view of its selected mailbox.
type selection struct {
	key          boxKey // as selected; the current name is w.key
	w            *watched
	tracker      *imapserver.SessionTracker
	uidValidity  uint32
	readOnly     bool
	claimsRecent bool                // read-write IMAP4rev1: takes \Recent from others
	showsRecent  bool                // IMAP4rev1: shows \Recent at all
	recent       map[uint32]struct{} // UIDs \Recent in this session; guarded by registry.mu
	dirty        map[uint32]struct{} // UIDs whose flags others changed, not told yet; guarded by registry.mu
	notify       chan struct{}       // a change was queued for this session (buffered, 1)
	shownRecent  int                 // the RECENT count last sent
	searchRes    imap.UIDSet         // SEARCH RETURN (SAVE) result, for "$"
}

func (sess *session) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	sess.unselect()
	rev2 := sess.rev2()
	sel := &selection{
		key:          keyOf(sess.user, name),
		readOnly:     options.ReadOnly,
		claimsRecent: !rev2 && !options.ReadOnly,
		showsRecent:  !rev2,
		recent:       map[uint32]struct{}{},
		dirty:        map[uint32]struct{}{},
		notify:       make(chan struct{}, 1),
	}
	uids, err := sess.srv.reg.open(sess.srv.store, sel)
	if err != nil {
		return nil, storeError(err, name, false)
	}
	sess.selMu.Lock()
	sess.sel = sel
	sess.selMu.Unlock()
	// The details (flags, first unseen) come from a later look at the
	// store; a change in between is already queued for this session and
	// follows. The look copies nothing: 20 sessions selecting a mailbox of
	// 50,000 messages copied 400 KB each (issue 17).
	var last uint32
	if len(uids) > 0 {
		last = uids[len(uids)-1]
	}
	var after uint32 // the first UID delivered after this session's view
	var firstUnseen int
	keywords := map[string]bool{}
	info, err := sess.srv.store.Each(sess.user, sel.key.name, func(m *mailstore.Message) {
		if m.UID > last && after == 0 {
			after = m.UID
		}
		if firstUnseen == 0 && !m.HasFlag(mailstore.FlagSeen) {
			if i, ok := slices.BinarySearch(uids, m.UID); ok {
				firstUnseen = i + 1
			}
		}
		for _, f := range m.Flags {
			if len(f) > 0 && f[0] != '\\' {
				keywords[f] = true
			}
		}
	})
	if err != nil {
		sess.unselect()
		return nil, storeError(err, name, false)
	}
	sel.uidValidity = info.UIDValidity

	data := &imap.SelectData{
		NumMessages:       uint32(len(uids)),
		UIDValidity:       info.UIDValidity,
		UIDNext:           imap.UID(info.UIDNext),
		FirstUnseenSeqNum: uint32(firstUnseen),
	}
	if after != 0 && imap.UID(after) < data.UIDNext {
		// Delivered after this session's view was taken: its EXISTS
		// follows, so UIDNEXT must not skip it.
		data.UIDNext = imap.UID(after)
	}
	data.Flags = []imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagSeen, imap.FlagDraft}
	for _, k := range sortedKeys(keywords) {
		data.Flags = append(data.Flags, imap.Flag(k))
	}
	if !sel.readOnly {
		data.PermanentFlags = append(slices.Clone(data.Flags), imap.FlagWildcard)
	} else {
		data.PermanentFlags = []imap.Flag{}
	}
	sess.srv.reg.mu.Lock()
	data.NumRecent = uint32(len(sel.recent))
	sess.srv.reg.mu.Unlock()
	sel.shownRecent = int(data.NumRecent)
	return data, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (sess *session) Unselect() error {
	sess.unselect()
	return nil
}

func (sess *session) unselect() {
	sess.selMu.Lock()
	sel := sess.sel
	sess.sel = nil
	sess.selMu.Unlock()
	if sel != nil {
		sess.srv.reg.close(sel)
	}
}

// Poll writes the changes queued for this session since its last command.
func (sess *session) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	sel := sess.sel
	if sel == nil {
		return nil
	}
	return sess.writeUpdates(w, sel, allowExpunge)
}

// Idle writes changes as they are queued until stop is closed. It does
// not use SessionTracker.Idle, which would hold back the changes queued
// just before IDLE until the next one arrives.
func (sess *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	sess.selMu.Lock()
	sel := sess.sel
	sess.selMu.Unlock()
	if sel == nil {
		<-stop
		return nil
	}
	for {
		if err := sess.writeUpdates(w, sel, true); err != nil {
			return err
		}
		select {
		case <-sel.notify:
		case <-stop:
			return nil
		}
	}
}

// writeUpdates sends what changed in the selected mailbox since this
// session last heard, in the order Dovecot 2.3 sends it: flag changes
// (FETCH FLAGS), then EXPUNGE and EXISTS in the order they happened, then
// RECENT if the count changed. EXPUNGE waits when allowExpunge is false
// (during FETCH, STORE and SEARCH), and so does everything queued after it.
func (sess *session) writeUpdates(w *imapserver.UpdateWriter, sel *selection, allowExpunge bool) error {
	if err := sess.writeFlagChanges(w, sel); err != nil {
		return err
	}
	if err := sel.tracker.Poll(w, allowExpunge); err != nil {
		return err
	}
	return sess.writeRecent(w, sel)
}

// writeFlagChanges sends "* n FETCH (FLAGS (...))" for each message whose
// flags another session (IMAP or POP3) changed: the flags this session
// sees now, \Recent included (RFC 3501 §7.4.2), and no UID, which nobody
// asked for (Dovecot adds it only with QRESYNC). A message expunged
// meanwhile gets its EXPUNGE only, and one the client has not heard of
// yet (its EXISTS is still queued) gets nothing: the client will fetch it.
func (sess *session) writeFlagChanges(w *imapserver.UpdateWriter, sel *selection) error {
	type change struct {
		seq, uid uint32
		recent   bool
	}
	r := sess.srv.reg
	r.mu.Lock()
	if len(sel.dirty) == 0 {
		r.mu.Unlock()
		return nil
	}
	var changes []change
	for uid := range sel.dirty {
		if i, ok := slices.BinarySearch(sel.w.uids, uid); ok {
			if seq := sel.tracker.EncodeSeqNum(uint32(i + 1)); seq != 0 {
				_, recent := sel.recent[uid]
				changes = append(changes, change{seq, uid, recent})
			}
		}
	}
	clear(sel.dirty)
	name := sel.w.key.name
	r.mu.Unlock()
	// The client's sequence numbers cannot change before this session
	// writes to it, so those taken above stay right.
	slices.SortFunc(changes, func(a, b change) int { return int(int64(a.seq) - int64(b.seq)) })
	for _, c := range changes {
		m, err := sess.srv.store.Message(sess.user, name, c.uid)
		if err != nil || m == nil {
			continue // gone meanwhile: its EXPUNGE follows
		}
		if err := w.WriteMessageFlags(c.seq, 0, toIMAPFlags(m.Flags, c.recent)); err != nil {
			return err
		}
	}
	return nil
}

// writeRecent gives this session \Recent on the new messages it is the
// first to hear of, and sends `* n RECENT` when the count changed
// (IMAP4rev1 only; the library drops it for IMAP4rev2 clients).
func (sess *session) writeRecent(w *imapserver.UpdateWriter, sel *selection) error {
	if !sel.showsRecent {
		return nil
	}
	sess.srv.reg.mu.Lock()
	sess.srv.reg.claimRecentLocked(sel)
	n := len(sel.recent)
	sess.srv.reg.mu.Unlock()
	if n == sel.shownRecent {
		return nil
	}
	sel.shownRecent = n
	return w.WriteNumRecent(uint32(n))
}

// msgRef is a message of the selected mailbox: its sequence number as this
// client knows it (0 if the client has not been told of it yet) and UID.
type msgRef struct{ seq, uid uint32 }

// resolve maps a sequence set or UID set onto the selected mailbox as this
// client sees it, in ascending order. It also returns the mailbox's current
// name.
func (sess *session) resolve(numSet imap.NumSet) ([]msgRef, string) {
	refs, _, _, name := sess.resolveAfter(numSet, 0, nil)
	return refs, name
}

// resolveAfter is resolve a part at a time, so that FETCH 1:* of a big
// mailbox holds a chunk of it, not all 50,000 (issue 17: 20 sessions
// held 400 KB each). It returns the messages of numSet whose sequence
// number (a SeqSet) or UID (a UIDSet) is above after, ascending, at most
// cap(out) of them in out (all of them if out is nil); next is the
// after of the following part, and more says whether there may be one.
// Each part reflects the mailbox when it is made: a message expunged in
// between is not in a later part.
func (sess *session) resolveAfter(numSet imap.NumSet, after uint32, out []msgRef) (refs []msgRef, next uint32, more bool, name string) {
	sel := sess.sel
	if imap.IsSearchRes(numSet) {
		numSet = sel.searchRes // "$": the last saved SEARCH result
	}
	r := sess.srv.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	name = sel.w.key.name
	uids := sel.w.uids
	var buf [8]span
	spans := buf[:0]
	limit := cap(out) // none when out is nil
	if out == nil {
		limit = -1
	}
	switch set := numSet.(type) {
	case imap.SeqSet:
		// "*" is the highest sequence number this client knows.
		var max uint32
		for i := len(uids); i > 0; i-- {
			if s := sel.tracker.EncodeSeqNum(uint32(i)); s != 0 {
				max = s
				break
			}
		}
		for _, rg := range set {
			start, stop := staticRange(rg.Start, rg.Stop, max)
			spans = addSpan(spans, start, min(stop, max), after) // the client knows no higher number
		}
		spans = mergeSpans(spans)
		if out == nil {
			out = make([]msgRef, 0, min(spansLen(spans), len(uids)))
		}
		refs = out[:0]
		for _, sp := range spans {
			for cs := sp.lo; cs <= sp.hi; cs++ { // hi <= max < 2^32-1
				if ss := sel.tracker.DecodeSeqNum(cs); ss != 0 && int(ss) <= len(uids) {
					refs = append(refs, msgRef{cs, uids[ss-1]})
					if len(refs) == limit {
						return refs, cs, true, name
					}
				}
			}
		}
	case imap.UIDSet:
		var max uint32
		if len(uids) > 0 {
			max = uids[len(uids)-1]
		}
		for _, rg := range set {
			start, stop := staticRange(uint32(rg.Start), uint32(rg.Stop), max)
			spans = addSpan(spans, start, stop, after)
		}
		spans = mergeSpans(spans)
		if out == nil {
			out = make([]msgRef, 0, min(spansLen(spans), len(uids)))
		}
		refs = out[:0]
		for _, sp := range spans {
			i, _ := slices.BinarySearch(uids, sp.lo)
			for ; i < len(uids) && uids[i] <= sp.hi; i++ {
				refs = append(refs, msgRef{sel.tracker.EncodeSeqNum(uint32(i + 1)), uids[i]})
				if len(refs) == limit {
					return refs, uids[i], true, name
				}
			}
		}
	}
	return refs, 0, false, name
}

// span is a range of sequence numbers or UIDs, both ends included.
type span struct{ lo, hi uint32 }

// addSpan adds lo:hi, cut to what is above after, unless nothing is left.
func addSpan(spans []span, lo, hi, after uint32) []span {
	lo = max(lo, after+1)
	if after == math.MaxUint32 || lo < 1 || lo > hi {
		return spans
	}
	return append(spans, span{lo, hi})
}

// mergeSpans sorts spans and merges those that overlap or touch
// ("1,1:3" is 1:3).
func mergeSpans(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	out := spans[:0]
	for _, sp := range spans {
		if n := len(out); n > 0 && uint64(sp.lo) <= uint64(out[n-1].hi)+1 {
			out[n-1].hi = max(out[n-1].hi, sp.hi)
			continue
		}
		out = append(out, sp)
	}
	return out
}

// spansLen is how many numbers spans hold (merged: no repeats), at most
// math.MaxInt.
func spansLen(spans []span) int {
	var n uint64
	for _, sp := range spans {
		n += uint64(sp.hi-sp.lo) + 1
	}
	return int(min(n, math.MaxInt))
}

// staticRange replaces "*" (0) by max and orders the ends.
func staticRange(start, stop, max uint32) (uint32, uint32) {
	if start == 0 {
		start = max
	}
	if stop == 0 {
		stop = max
	}
	if start > stop {
		start, stop = stop, start
	}
	return start, stop
}

func uidsOf(refs []msgRef) []uint32 {
	out := make([]uint32, len(refs))
	for i, r := range refs {
		out[i] = r.uid
	}
	return out
}

var errReadOnly = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot,
	Text: "The mailbox is read-only (selected with EXAMINE)"}

// Expunge removes the \Deleted messages (within uids, for UID EXPUNGE).
// The EXPUNGE responses reach every session, this one included, through
// the change feed and Poll. In a read-only mailbox it removes nothing, so
// that CLOSE after EXAMINE succeeds.
func (sess *session) Expunge(_ *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if sess.sel.readOnly {
		return nil
	}
	var within []uint32
	var name string
	if uids != nil {
		var refs []msgRef
		refs, name = sess.resolve(*uids)
		within = append(make([]uint32, 0, len(refs)), uidsOf(refs)...)
	} else {
		name = sess.selectedName()
	}
	_, err := sess.srv.store.ExpungeDeleted(sess.user, name, within, sess.origin())
	return storeError(err, name, false)
}

func (sess *session) selectedName() string {
	sess.srv.reg.mu.Lock()
	defer sess.srv.reg.mu.Unlock()
	return sess.sel.w.key.name
}

func (sess *session) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	return sess.copyOrMove(nil, numSet, dest)
}

func (sess *session) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	if sess.sel.readOnly {
		return errReadOnly
	}
	_, err := sess.copyOrMove(w, numSet, dest)
	return err
}

// copyOrMove copies (w == nil) or moves messages. A MOVE's EXPUNGE
// responses come through the change feed and Poll, after the COPYUID.
func (sess *session) copyOrMove(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := checkName(dest); err != nil {
		return nil, err
	}
	info, err := sess.srv.store.Mailbox(sess.user, dest)
	if err != nil {
		return nil, storeError(err, dest, true)
	}
	refs, name := sess.resolve(numSet)
	if w != nil && info.Name == name {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot,
			Text: "MOVE needs a destination other than the selected mailbox"}
	}
	if len(refs) == 0 {
		return nil, nil
	}
	op := sess.srv.store.Copy
	if w != nil {
		op = sess.srv.store.Move
	}
	src, dst, err := op(sess.user, name, dest, uidsOf(refs), sess.origin())
	if err != nil {
		if errors.Is(err, mailstore.ErrNoMailbox) {
			return nil, storeError(err, dest, true)
		}
		return nil, storeError(err, dest, false)
	}
	if len(src) == 0 {
		return nil, nil
	}
	data := &imap.CopyData{UIDValidity: info.UIDValidity}
	for i := range src {
		data.SourceUIDs.AddNum(imap.UID(src[i]))
		data.DestUIDs.AddNum(imap.UID(dst[i]))
	}
	if w != nil {
		return data, w.WriteCopyData(data)
	}
	return data, nil
}
