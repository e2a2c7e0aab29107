package imap

import (
	"slices"
	"strings"
	"sync"

	"github.com/emersion/go-imap/v2"
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
	recent map[boxKey]uint32 // lowest UID no session has seen as \Recent yet
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

func newRegistry(logf func(string, ...any)) *registry {
	return &registry{logf: logf, boxes: map[boxKey]*watched{}, recent: map[boxKey]uint32{}}
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
		delete(r.recent, key)
		return
	case mailstore.MailboxRenamed:
		old := boxKey{c.User, c.OldName}
		if w := r.boxes[old]; w != nil {
			delete(r.boxes, old)
			w.key = key
			r.boxes[key] = w
		}
		if m, ok := r.recent[old]; ok {
			delete(r.recent, old)
			r.recent[key] = m
		}
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
		// The first read-write IMAP4rev1 session selected now gets \Recent.
		for _, sel := range w.sessions {
			if sel.claimsRecent {
				sel.recent[c.UID] = struct{}{}
				r.recent[w.key] = c.UID + 1
				break
			}
		}
	case mailstore.Expunged:
		i, ok := slices.BinarySearch(w.uids, c.UID)
		if !ok {
			return
		}
		w.uids = slices.Delete(w.uids, i, i+1)
		w.tracker.QueueExpunge(uint32(i + 1))
		for _, sel := range w.sessions {
			delete(sel.recent, c.UID)
		}
	case mailstore.FlagsChanged:
		i, ok := slices.BinarySearch(w.uids, c.UID)
		if !ok {
			return
		}
		// The tracker sends one flag list to every session, so \Recent
		// cannot be added per session here.
		src, _ := c.Origin.(*imapserver.SessionTracker)
		w.tracker.QueueMessageFlags(uint32(i+1), imap.UID(c.UID), toIMAPFlags(c.Flags, false), src)
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
		mark := r.recent[w.key]
		for i := len(uids) - 1; i >= 0 && uids[i] >= mark; i-- {
			sel.recent[uids[i]] = struct{}{}
		}
		if sel.claimsRecent && len(uids) > 0 && uids[len(uids)-1] >= mark {
			r.recent[w.key] = uids[len(uids)-1] + 1
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
	return r.recent[key]
}

// storeReader is the part of *mailstore.Store that open needs.
type storeReader interface {
	Messages(user, name string) ([]*mailstore.Message, mailstore.MailboxInfo, error)
}
