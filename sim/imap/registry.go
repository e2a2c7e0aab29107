package imap

import (
	"slices"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2/imapserver"

	"mailsim/sim/mailstore"
)

// boxKey names a mailbox: the user's canonical name and the mailbox name
// with INBOX folded to upper case, as the store spells both in its feed.
type boxKey struct{ user, name string }

func keyOf(user, name string) boxKey { return boxKey{user, canonicalMailbox(name)} }

// canonicalMailbox folds INBOX, which is case-insensitive; other names are
// case-sensitive (as in mailstore).
func canonicalMailbox(name string) string {
	if strings.EqualFold(name, mailstore.Inbox) {
		return mailstore.Inbox
	}
	return name
}

// registry holds the mailboxes that sessions have selected. The store's
// change feed calls onChange under the store lock, which then takes
// registry.mu: so the lock order is store, then registry, then the
// library's tracker locks. Nothing here calls the store or the network
// while holding mu.
type registry struct {
	logf func(string, ...any)

	mu     sync.Mutex
	boxes  map[boxKey]*watched
	recent *RecentTable
}

// RecentTable remembers, for each mailbox, the lowest UID that no session
// has seen as \Recent yet (IMAP4rev1). Dovecot keeps this in its index
// files, so a restart does not make old mail \Recent again; a RecentTable
// that outlives the Server (Options.Recent) does the same, and one shared
// by the IMAP and IMAPS servers of a store makes them agree. Its lock is
// taken last, after registry.mu.
type RecentTable struct {
	mu   sync.Mutex
	next map[boxKey]uint32
}

// NewRecentTable returns an empty table: every message is \Recent to the
// first session that sees it.
func NewRecentTable() *RecentTable { return &RecentTable{next: map[boxKey]uint32{}} }

// Claim records that a session other than IMAP's has seen the mailbox's
// messages up to uid: Dovecot counts a POP3 session that opens the
// mailbox as the first session to see its new mail, and a message that
// already has flags was seen before.
func (t *RecentTable) Claim(user, mailbox string, uid uint32) {
	if uid > 0 {
		t.claim(keyOf(user, mailbox), uid)
	}
}

func (t *RecentTable) mark(key boxKey) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.next[key]
}

// claim records that a session has seen uid as \Recent.
func (t *RecentTable) claim(key boxKey, uid uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if uid >= t.next[key] {
		t.next[key] = uid + 1
	}
}

func (t *RecentTable) rename(old, key boxKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m, ok := t.next[old]; ok {
		delete(t.next, old)
		t.next[key] = m
	}
}

func (t *RecentTable) drop(key boxKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.next, key)
}

// watched is one selected mailbox: its tracker and its UIDs in sequence
// order as the feed reported them, so that len(uids) always equals the
// tracker's message count. All fields are guarded by registry.mu.
type watched struct {
	key      boxKey // current name; follows renames
	ready    bool   // uids and tracker are set; before that, changes wait in pending
	gone     bool   // the mailbox was deleted
	pending  []mailstore.Change
	uids     []uint32
	tracker  *imapserver.MailboxTracker
	sessions []*selection // in SELECT order
}

func newRegistry(logf func(string, ...any), recent *RecentTable) *registry {
	if recent == nil {
		recent = NewRecentTable()
	}
	return &registry{logf: logf, boxes: map[boxKey]*watched{}, recent: recent}
}

// onChange is the store's change-feed callback. It runs under the store
// lock: it only updates in-memory state and queues tracker updates.
func (r *registry) onChange(c mailstore.Change) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := boxKey{c.User, c.Mailbox}
	switch c.Kind {
	case mailstore.MailboxDeleted:
		if w := r.boxes[key]; w != nil {
			w.gone = true
			delete(r.boxes, key)
		}
		r.recent.drop(key)
		return
	case mailstore.MailboxRenamed:
		old := boxKey{c.User, c.OldName}
		if w := r.boxes[old]; w != nil {
			delete(r.boxes, old)
			w.key = key
			r.boxes[key] = w
		}
		r.recent.rename(old, key)
		return
	case mailstore.Delivered, mailstore.FlagsChanged, mailstore.Expunged:
	default:
		return
	}
	w := r.boxes[key]
	if w == nil {
		return
	}
	if !w.ready {
		w.pending = append(w.pending, c)
		return
	}
	r.applyLocked(w, c)
}

func (r *registry) applyLocked(w *watched, c mailstore.Change) {
	defer func() {
		for _, sel := range w.sessions {
			select {
			case sel.notify <- struct{}{}:
			default: // a wake-up is already pending
			}
		}
	}()
	switch c.Kind {
	case mailstore.Delivered:
		if n := len(w.uids); n > 0 && w.uids[n-1] >= c.UID {
			r.logf("imap: feed delivered UID %d to %s/%s out of order; ignored", c.UID, c.User, c.Mailbox)
			return
		}
		w.uids = append(w.uids, c.UID)
		w.tracker.QueueNumMessages(uint32(len(w.uids)))
		// \Recent goes to the first read-write IMAP4rev1 session that
		// learns of the message: claimRecentLocked, at its next poll (at
		// once for a session in IDLE), as Dovecot does (RFC 3501 §2.3.2).
	case mailstore.Expunged:
		i, ok := slices.BinarySearch(w.uids, c.UID)
		if !ok {
			return
		}
		w.uids = slices.Delete(w.uids, i, i+1)
		w.tracker.QueueExpunge(uint32(i + 1))
		for _, sel := range w.sessions {
			delete(sel.recent, c.UID)
			delete(sel.dirty, c.UID)
		}
	case mailstore.FlagsChanged:
		// Each other session hears the message's flags at its next poll,
		// as this session sees them (with its own \Recent), once however
		// often they changed, and not at all if the message is expunged
		// first: see session.writeFlagChanges. The session that made the
		// change has answered it itself.
		src, _ := c.Origin.(*imapserver.SessionTracker)
		for _, sel := range w.sessions {
			if sel.tracker != nil && sel.tracker != src {
				sel.dirty[c.UID] = struct{}{}
			}
		}
	}
}

// claimRecentLocked gives sel \Recent on the messages it knows of that no
// session has seen yet, if sel takes \Recent at all.
func (r *registry) claimRecentLocked(sel *selection) {
	if !sel.claimsRecent || sel.w == nil {
		return
	}
	mark := r.recent.mark(sel.w.key)
	uids := sel.w.uids
	for i := len(uids) - 1; i >= 0 && uids[i] >= mark; i-- {
		if sel.tracker.EncodeSeqNum(uint32(i+1)) == 0 {
			continue // its EXISTS has not been sent to sel yet
		}
		sel.recent[uids[i]] = struct{}{}
		r.recent.claim(sel.w.key, uids[i])
	}
}

// open registers sel on its mailbox, creating the mailbox's tracker on
// first use. It returns the number of messages sel starts with and a copy
// of their UIDs; from then on every change reaches sel.tracker.
func (r *registry) open(st storeReader, sel *selection) (uids []uint32, err error) {
	key := sel.key
	r.mu.Lock()
	w := r.boxes[key]
	if w == nil {
		w = &watched{key: key}
		r.boxes[key] = w
	}
	w.sessions = append(w.sessions, sel) // holds w in the registry meanwhile
	sel.w = w
	ready := w.ready
	r.mu.Unlock()

	if !ready {
		// Changes that happen from here on wait in w.pending. The snapshot
		// below is taken at one instant of the feed; initLocked works out
		// which pending changes it already holds.
		msgs, info, err := st.Messages(key.user, key.name)
		if err != nil {
			r.mu.Lock()
			r.removeLocked(w, sel)
			r.mu.Unlock()
			return nil, err
		}
		r.mu.Lock()
		if !w.ready {
			w.initLocked(msgs, info)
		}
		r.mu.Unlock()
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	sel.tracker = w.tracker.NewSession()
	uids = slices.Clone(w.uids)
	if sel.claimsRecent || sel.showsRecent {
		mark := r.recent.mark(w.key)
		for i := len(uids) - 1; i >= 0 && uids[i] >= mark; i-- {
			sel.recent[uids[i]] = struct{}{}
		}
		if sel.claimsRecent && len(uids) > 0 && uids[len(uids)-1] >= mark {
			r.recent.claim(w.key, uids[len(uids)-1])
		}
	}
	return uids, nil
}

// initLocked sets the mailbox's UIDs from a snapshot taken after w was
// registered, replaying the changes the snapshot does not hold yet: a
// delivery with a UID at or past the snapshot's UIDNEXT, and a removal of a
// UID still listed. Flag changes need no replay: there are no sessions yet.
func (w *watched) initLocked(msgs []*mailstore.Message, info mailstore.MailboxInfo) {
	uids := make([]uint32, len(msgs))
	for i, m := range msgs {
		uids[i] = m.UID
	}
	for _, c := range w.pending {
		switch c.Kind {
		case mailstore.Delivered:
			if c.UID >= info.UIDNext && (len(uids) == 0 || uids[len(uids)-1] < c.UID) {
				uids = append(uids, c.UID)
			}
		case mailstore.Expunged:
			if i, ok := slices.BinarySearch(uids, c.UID); ok {
				uids = slices.Delete(uids, i, i+1)
			}
		}
	}
	w.pending = nil
	w.uids = uids
	w.tracker = imapserver.NewMailboxTracker(uint32(len(uids)))
	w.ready = true
}

// close unregisters sel; the mailbox is forgotten when no session uses it.
func (r *registry) close(sel *selection) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sel.tracker != nil {
		sel.tracker.Close()
		sel.tracker = nil
	}
	if sel.w != nil {
		r.removeLocked(sel.w, sel)
	}
}

func (r *registry) removeLocked(w *watched, sel *selection) {
	if i := slices.Index(w.sessions, sel); i >= 0 {
		w.sessions = slices.Delete(w.sessions, i, i+1)
	}
	if len(w.sessions) == 0 && r.boxes[w.key] == w {
		delete(r.boxes, w.key)
	}
}

// recentMark returns the lowest UID of the mailbox that no session has
// seen as \Recent yet (for STATUS RECENT).
func (r *registry) recentMark(key boxKey) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.recent.mark(key)
}

// storeReader is the part of *mailstore.Store that open needs.
type storeReader interface {
	Messages(user, name string) ([]*mailstore.Message, mailstore.MailboxInfo, error)
}
