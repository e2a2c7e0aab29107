package mailstore

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Errors a caller can test for with errors.Is.
var (
	ErrNoUser        = errors.New("no such user")
	ErrUserExists    = errors.New("user already exists")
	ErrNoMailbox     = errors.New("no such mailbox")
	ErrMailboxExists = errors.New("mailbox already exists")
	ErrBadName       = errors.New("invalid mailbox name")
	ErrInboxDelete   = errors.New("INBOX cannot be deleted")
	ErrInUse         = errors.New("maildrop already locked by another session")
	ErrOverQuota     = errors.New("mailbox quota exceeded")
	ErrTooBig        = errors.New("message exceeds the size limit")
	// ErrTooManyKeywords refuses a change that would define more than
	// MaxKeywords keywords in one mailbox.
	ErrTooManyKeywords = errors.New("too many keywords in the mailbox")
	ErrNoMessage       = errors.New("no such message")
)

// Inbox is the name of the mailbox every user has.
const Inbox = "INBOX"

// Delimiter separates the levels of a mailbox name ("Archive/2026").
const Delimiter = '/'

// MaxMailboxName is the longest mailbox name accepted, in octets.
const MaxMailboxName = 255

// Options configure a Store. The zero value is usable.
type Options struct {
	// Clock gives the time for internal dates; nil means time.Now.
	// Lessons pass a fixed clock so that transcripts are deterministic.
	Clock func() time.Time
	// UIDValidity is given to the first mailbox created; each later one
	// gets the next value. Zero means 1. A store rebuilt with the same
	// value and the same seed hands out the same UIDs, so POP3 UIDL values
	// stay stable across restarts.
	UIDValidity uint32
	// MaxMessageBytes limits one message; zero means 50 MiB.
	MaxMessageBytes int
}

// Store is a mail provider's server-side state. The zero value is not
// usable; call New.
type Store struct {
	mu          sync.Mutex
	clock       func() time.Time
	maxMsg      int
	nextValid   uint32
	users       map[string]*user // by lower-cased name
	subscribers map[int]func(Change)
	nextSub     int
}

type user struct {
	name      string
	password  string
	quota     int64 // 0 = unlimited
	mailboxes map[string]*mailbox
	popLocked bool
}

type mailbox struct {
	name        string
	uidValidity uint32
	uidNext     uint32
	specialUse  string
	subscribed  bool
	msgs        []*Message // sequence order (ascending UID)
	shared      bool       // msgs is referenced by a snapshot: copy before changing
	// keywords are the keywords defined in the mailbox, lower-cased: every
	// one a message in it has carried (like Dovecot's, the list only
	// grows). At most MaxKeywords.
	keywords map[string]struct{}
}

// New returns an empty store.
func New(o Options) *Store {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.UIDValidity == 0 {
		o.UIDValidity = 1
	}
	if o.MaxMessageBytes == 0 {
		o.MaxMessageBytes = 50 << 20
	}
	return &Store{
		clock:       o.Clock,
		maxMsg:      o.MaxMessageBytes,
		nextValid:   o.UIDValidity,
		users:       map[string]*user{},
		subscribers: map[int]func(Change){},
	}
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.clock() }

// MaxMessageBytes is the largest message the store accepts.
func (s *Store) MaxMessageBytes() int { return s.maxMsg }

// AddUser creates a user with an INBOX.
func (s *Store) AddUser(name, password string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n\x00") {
		return fmt.Errorf("mailstore: invalid user name %q", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(name)
	if _, ok := s.users[key]; ok {
		return fmt.Errorf("mailstore: %w: %s", ErrUserExists, name)
	}
	u := &user{name: name, password: password, mailboxes: map[string]*mailbox{}}
	s.users[key] = u
	s.createMailboxLocked(u, Inbox, "")
	return nil
}

// SetPassword changes a user's password.
func (s *Store) SetPassword(name, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return err
	}
	u.password = password
	return nil
}

// SetQuota limits the octets a user's mailboxes may hold together; zero
// means no limit.
func (s *Store) SetQuota(name string, octets int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return err
	}
	u.quota = octets
	return nil
}

// Quota returns the octets in use and the limit (0 = none).
func (s *Store) Quota(name string) (used, limit int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return 0, 0, err
	}
	return u.usedLocked(), u.quota, nil
}

// Users returns the user names, sorted.
func (s *Store) Users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u.name)
	}
	sort.Strings(out)
	return out
}

// HasUser reports whether the user exists.
func (s *Store) HasUser(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.users[strings.ToLower(name)]
	return ok
}

// Authenticate reports whether password is the user's password. It returns
// the user's canonical name.
func (s *Store) Authenticate(name, password string) (string, bool) {
	s.mu.Lock()
	u, ok := s.users[strings.ToLower(name)]
	var want string
	if ok {
		want = u.password
	}
	s.mu.Unlock()
	if !ok {
		// Compare anyway, so a missing user takes as long as a wrong password.
		subtle.ConstantTimeCompare([]byte(password), []byte(password))
		return "", false
	}
	if subtle.ConstantTimeCompare([]byte(password), []byte(want)) != 1 {
		return "", false
	}
	return u.name, true
}

// Password returns the user's shared secret, which APOP needs to compute
// its digest.
func (s *Store) Password(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[strings.ToLower(name)]
	if !ok {
		return "", false
	}
	return u.password, true
}

// LockMaildrop gives one POP3 session exclusive access to the user's
// maildrop (RFC 1939 section 8). A second caller gets ErrInUse until unlock
// is called. IMAP sessions do not take this lock.
func (s *Store) LockMaildrop(name string) (unlock func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(name)
	if err != nil {
		return nil, err
	}
	if u.popLocked {
		return nil, ErrInUse
	}
	u.popLocked = true
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			u.popLocked = false
			s.mu.Unlock()
		})
	}, nil
}

func (s *Store) userLocked(name string) (*user, error) {
	u, ok := s.users[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("mailstore: %w: %s", ErrNoUser, name)
	}
	return u, nil
}

func (u *user) usedLocked() int64 {
	var n int64
	for _, mb := range u.mailboxes {
		for _, m := range mb.msgs {
			n += int64(len(m.Raw))
		}
	}
	return n
}

func (s *Store) mailboxLocked(userName, name string) (*user, *mailbox, error) {
	u, err := s.userLocked(userName)
	if err != nil {
		return nil, nil, err
	}
	mb, ok := u.mailboxes[mailboxKey(name)]
	if !ok {
		return nil, nil, fmt.Errorf("mailstore: %w: %s", ErrNoMailbox, name)
	}
	return u, mb, nil
}

// mailboxKey folds INBOX, which is case-insensitive (RFC 9051 section 5.1);
// other names are case-sensitive.
func mailboxKey(name string) string {
	if strings.EqualFold(name, Inbox) {
		return Inbox
	}
	return name
}

// ValidMailboxName checks a mailbox name: not empty, at most
// MaxMailboxName octets, no control characters, no empty, "." or ".."
// levels, and no leading or trailing delimiter.
func ValidMailboxName(name string) error {
	if name == "" || len(name) > MaxMailboxName {
		return fmt.Errorf("%w: length must be 1 to %d octets", ErrBadName, MaxMailboxName)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '*' || r == '%' {
			return fmt.Errorf("%w: %q holds a control or wildcard character", ErrBadName, name)
		}
	}
	for _, level := range strings.Split(name, string(Delimiter)) {
		if level == "" || level == "." || level == ".." {
			return fmt.Errorf("%w: %q has an empty, \".\" or \"..\" level", ErrBadName, name)
		}
	}
	return nil
}

func (s *Store) createMailboxLocked(u *user, name, specialUse string) *mailbox {
	mb := &mailbox{name: mailboxKey(name), uidValidity: s.nextValid, uidNext: 1, specialUse: specialUse, subscribed: true}
	s.nextValid++
	u.mailboxes[mb.name] = mb
	return mb
}

// Special-use attributes (RFC 6154) given to the well-known mailboxes.
var specialUses = map[string]string{"Sent": `\Sent`, "Drafts": `\Drafts`, "Trash": `\Trash`, "Junk": `\Junk`, "Archive": `\Archive`}

// CreateMailbox creates a mailbox. Sent, Drafts, Trash, Junk and Archive
// get their special-use attribute.
func (s *Store) CreateMailbox(userName, name string) error {
	if err := ValidMailboxName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return err
	}
	if _, ok := u.mailboxes[mailboxKey(name)]; ok {
		return fmt.Errorf("mailstore: %w: %s", ErrMailboxExists, name)
	}
	mb := s.createMailboxLocked(u, name, specialUses[name])
	s.notifyLocked(Change{Kind: MailboxCreated, User: u.name, Mailbox: mb.name})
	return nil
}

// DeleteMailbox deletes a mailbox and its messages. INBOX cannot be deleted.
func (s *Store) DeleteMailbox(userName, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return err
	}
	if mb.name == Inbox {
		return ErrInboxDelete
	}
	delete(u.mailboxes, mb.name)
	s.notifyLocked(Change{Kind: MailboxDeleted, User: u.name, Mailbox: mb.name})
	return nil
}

// RenameMailbox renames a mailbox. Renaming INBOX moves its messages to the
// new mailbox and leaves INBOX empty, as RFC 9051 section 6.3.6 says.
func (s *Store) RenameMailbox(userName, from, to string) error {
	if err := ValidMailboxName(to); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, mb, err := s.mailboxLocked(userName, from)
	if err != nil {
		return err
	}
	if _, ok := u.mailboxes[mailboxKey(to)]; ok {
		return fmt.Errorf("mailstore: %w: %s", ErrMailboxExists, to)
	}
	delete(u.mailboxes, mb.name)
	old := mb.name
	mb.name = mailboxKey(to)
	mb.specialUse = specialUses[mb.name]
	u.mailboxes[mb.name] = mb
	if old == Inbox {
		s.createMailboxLocked(u, Inbox, "")
	}
	s.notifyLocked(Change{Kind: MailboxRenamed, User: u.name, Mailbox: mb.name, OldName: old})
	return nil
}

// SetSubscribed records a mailbox's subscription (IMAP SUBSCRIBE).
func (s *Store) SetSubscribed(userName, name string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return err
	}
	mb.subscribed = on
	return nil
}

// MailboxInfo describes a mailbox without its messages.
type MailboxInfo struct {
	Name        string
	SpecialUse  string // `\Sent`, `\Drafts`, `\Trash`, ... or ""
	Subscribed  bool
	UIDValidity uint32
	UIDNext     uint32
	Messages    int
	Unseen      int
	Deleted     int
	Size        int64
}

func (mb *mailbox) info() MailboxInfo {
	in := MailboxInfo{Name: mb.name, SpecialUse: mb.specialUse, Subscribed: mb.subscribed,
		UIDValidity: mb.uidValidity, UIDNext: mb.uidNext, Messages: len(mb.msgs)}
	for _, m := range mb.msgs {
		if !m.HasFlag(FlagSeen) {
			in.Unseen++
		}
		if m.HasFlag(FlagDeleted) {
			in.Deleted++
		}
		in.Size += int64(len(m.Raw))
	}
	return in
}

// Mailboxes lists a user's mailboxes, INBOX first, then by name.
func (s *Store) Mailboxes(userName string) ([]MailboxInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userLocked(userName)
	if err != nil {
		return nil, err
	}
	out := make([]MailboxInfo, 0, len(u.mailboxes))
	for _, mb := range u.mailboxes {
		out = append(out, mb.info())
	}
	sortMailboxes(out, func(i int) string { return out[i].Name })
	return out, nil
}

func sortMailboxes[T any](list []T, name func(int) string) {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := name(i), name(j)
		if (a == Inbox) != (b == Inbox) {
			return a == Inbox
		}
		return a < b
	})
}

// Mailbox describes one mailbox.
func (s *Store) Mailbox(userName, name string) (MailboxInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return MailboxInfo{}, err
	}
	return mb.info(), nil
}

// Messages returns the mailbox's messages in sequence order. The slice is
// the caller's; the messages are shared and must not be modified.
func (s *Store) Messages(userName, name string) ([]*Message, MailboxInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return nil, MailboxInfo{}, err
	}
	return append([]*Message(nil), mb.msgs...), mb.info(), nil
}

// Each calls fn for every message of a mailbox in UID order, with the
// store locked, and returns the mailbox's info as of then. Unlike
// Messages it copies no list (SELECT of a big mailbox shared by many
// sessions, issue 17); fn must be quick, must not keep the store's
// attention (no Store method: it would deadlock), and never write to a
// connection.
func (s *Store) Each(userName, name string, fn func(*Message)) (MailboxInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return MailboxInfo{}, err
	}
	for _, m := range mb.msgs {
		fn(m)
	}
	return mb.info(), nil
}

// Message returns one message by UID.
func (s *Store) Message(userName, name string, uid uint32) (*Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return nil, err
	}
	if i, ok := mb.indexOf(uid); ok {
		return mb.msgs[i], nil
	}
	return nil, ErrNoMessage
}

// Lookup fills out[i] with the message whose UID is uids[i], or nil if
// it is gone; uids must ascend and be as long as out. Unlike Messages it
// copies no list: FETCH and SEARCH of a big mailbox look messages up in
// chunks, so that what they hold at once does not grow with the mailbox.
func (s *Store) Lookup(userName, name string, uids []uint32, out []*Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return err
	}
	j := 0
	if len(uids) > 0 {
		j, _ = mb.indexOf(uids[0])
	}
	for i, uid := range uids {
		for j < len(mb.msgs) && mb.msgs[j].UID < uid {
			j++
		}
		out[i] = nil
		if j < len(mb.msgs) && mb.msgs[j].UID == uid {
			out[i] = mb.msgs[j]
		}
	}
	return nil
}

func (mb *mailbox) indexOf(uid uint32) (int, bool) {
	i := sort.Search(len(mb.msgs), func(i int) bool { return mb.msgs[i].UID >= uid })
	return i, i < len(mb.msgs) && mb.msgs[i].UID == uid
}

// MaxKeywords is how many keywords one mailbox may define (Dovecot's
// limit is of the same order): enough for any mail client's labels, and
// it bounds what every SELECT lists in FLAGS.
const MaxKeywords = 100

// checkKeywords refuses flags that would take the mailbox over MaxKeywords.
func (mb *mailbox) checkKeywords(flags []string) error {
	n := len(mb.keywords)
	seen := map[string]struct{}{}
	for _, f := range flags {
		if !isKeyword(f) {
			continue
		}
		k := strings.ToLower(f)
		if _, ok := mb.keywords[k]; ok {
			continue
		}
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		if n++; n > MaxKeywords {
			return fmt.Errorf("mailstore: %w: at most %d", ErrTooManyKeywords, MaxKeywords)
		}
	}
	return nil
}

// addKeywords records the keywords among flags as defined in the mailbox.
func (mb *mailbox) addKeywords(flags []string) {
	for _, f := range flags {
		if !isKeyword(f) {
			continue
		}
		if mb.keywords == nil {
			mb.keywords = map[string]struct{}{}
		}
		mb.keywords[strings.ToLower(f)] = struct{}{}
	}
}

func isKeyword(f string) bool { return f != "" && f[0] != '\\' }

// own makes mb.msgs safe to change in place.
func (mb *mailbox) own() {
	if mb.shared {
		mb.msgs = append([]*Message(nil), mb.msgs...)
		mb.shared = false
	}
}

// Append adds a message to a mailbox and returns its UID. A zero date means
// the store's clock. Origin identifies the caller in the change feed (an
// IMAP session uses it to skip its own echo); it may be nil. The store
// keeps raw itself (its Raw, and the display fields over it): the caller
// must not change it afterwards.
func (s *Store) Append(userName, name string, raw []byte, flags []string, date time.Time, origin any) (uint32, error) {
	if len(raw) > s.maxMsg {
		return 0, ErrTooBig
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return 0, err
	}
	if u.quota > 0 && u.usedLocked()+int64(len(raw)) > u.quota {
		return 0, ErrOverQuota
	}
	if date.IsZero() {
		date = s.clock()
	}
	m := newMessage(mb.uidNext, raw, flags, date)
	if err := mb.checkKeywords(m.Flags); err != nil {
		return 0, err
	}
	s.appendLocked(u, mb, m, origin)
	return m.UID, nil
}

// Deliver puts a new message into the user's INBOX, as SMTP delivery does.
func (s *Store) Deliver(userName string, raw []byte) (uint32, error) {
	return s.Append(userName, Inbox, raw, nil, time.Time{}, nil)
}

func (s *Store) appendLocked(u *user, mb *mailbox, m *Message, origin any) {
	mb.uidNext = m.UID + 1
	mb.own()
	mb.msgs = append(mb.msgs, m)
	mb.addKeywords(m.Flags)
	s.notifyLocked(Change{Kind: Delivered, User: u.name, Mailbox: mb.name, UID: m.UID,
		Seq: uint32(len(mb.msgs)), Count: len(mb.msgs), Flags: m.Flags, Origin: origin})
}

// SetFlags changes the flags of the messages with the given UIDs; UIDs that
// are gone are skipped. It returns the messages as they are afterwards.
func (s *Store) SetFlags(userName, name string, uids []uint32, op FlagOp, flags []string, origin any) ([]*Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return nil, err
	}
	flags = normalizeFlags(flags)
	if op != FlagsRemove {
		if err := mb.checkKeywords(flags); err != nil {
			return nil, err
		}
		mb.addKeywords(flags)
	}
	var out []*Message
	for _, uid := range uids {
		i, ok := mb.indexOf(uid)
		if !ok {
			continue
		}
		m := mb.msgs[i]
		nf := applyFlags(m.Flags, op, flags)
		if !slices.Equal(nf, m.Flags) {
			mb.own()
			m = m.withFlags(nf)
			mb.msgs[i] = m
			s.notifyLocked(Change{Kind: FlagsChanged, User: u.name, Mailbox: mb.name, UID: uid,
				Seq: uint32(i + 1), Count: len(mb.msgs), Flags: nf, Origin: origin})
		}
		out = append(out, m)
	}
	return out, nil
}

// Remove deletes the messages with the given UIDs at once, whatever their
// flags: POP3's UPDATE state uses it. It returns the UIDs removed.
func (s *Store) Remove(userName, name string, uids []uint32, origin any) ([]uint32, error) {
	want := make(map[uint32]bool, len(uids))
	for _, u := range uids {
		want[u] = true
	}
	return s.removeWhere(userName, name, origin, func(m *Message) bool { return want[m.UID] })
}

// ExpungeDeleted removes the messages flagged \Deleted, as IMAP EXPUNGE and
// CLOSE do. If within is non-nil only those UIDs are considered (UID
// EXPUNGE). It returns the UIDs removed.
func (s *Store) ExpungeDeleted(userName, name string, within []uint32, origin any) ([]uint32, error) {
	var in map[uint32]bool
	if within != nil {
		in = make(map[uint32]bool, len(within))
		for _, u := range within {
			in[u] = true
		}
	}
	return s.removeWhere(userName, name, origin, func(m *Message) bool {
		return m.HasFlag(FlagDeleted) && (in == nil || in[m.UID])
	})
}

func (s *Store) removeWhere(userName, name string, origin any, match func(*Message) bool) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, mb, err := s.mailboxLocked(userName, name)
	if err != nil {
		return nil, err
	}
	return s.removeLocked(u, mb, origin, match), nil
}

func (s *Store) removeLocked(u *user, mb *mailbox, origin any, match func(*Message) bool) []uint32 {
	var removed []uint32
	kept := make([]*Message, 0, len(mb.msgs))
	for _, m := range mb.msgs {
		if !match(m) {
			kept = append(kept, m)
			continue
		}
		removed = append(removed, m.UID)
		// The sequence number a client sees for this message is its place
		// among the messages not yet removed: earlier removals shift it.
		s.notifyLocked(Change{Kind: Expunged, User: u.name, Mailbox: mb.name, UID: m.UID,
			Seq: uint32(len(kept) + 1), Count: len(mb.msgs) - len(removed), Origin: origin})
	}
	if removed != nil {
		mb.msgs = kept
		mb.shared = false
	}
	return removed
}

// Copy copies messages to another mailbox of the same user, keeping flags
// and internal dates. It returns the source UIDs found and the new UIDs, in
// the same order (for UIDPLUS COPYUID).
func (s *Store) Copy(userName, from, to string, uids []uint32, origin any) (src, dst []uint32, err error) {
	return s.copyOrMove(userName, from, to, uids, origin, false)
}

// Move moves messages to another mailbox atomically (IMAP MOVE).
func (s *Store) Move(userName, from, to string, uids []uint32, origin any) (src, dst []uint32, err error) {
	return s.copyOrMove(userName, from, to, uids, origin, true)
}

func (s *Store) copyOrMove(userName, from, to string, uids []uint32, origin any, move bool) (src, dst []uint32, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, sm, err := s.mailboxLocked(userName, from)
	if err != nil {
		return nil, nil, err
	}
	dm, ok := u.mailboxes[mailboxKey(to)]
	if !ok {
		return nil, nil, fmt.Errorf("mailstore: %w: %s", ErrNoMailbox, to)
	}
	var picked []*Message
	var size int64
	for _, uid := range uids {
		if i, ok := sm.indexOf(uid); ok {
			picked = append(picked, sm.msgs[i])
			size += int64(len(sm.msgs[i].Raw))
		}
	}
	if !move && u.quota > 0 && u.usedLocked()+size > u.quota {
		return nil, nil, ErrOverQuota
	}
	var brought []string
	for _, m := range picked {
		brought = append(brought, m.Flags...)
	}
	if err := dm.checkKeywords(brought); err != nil {
		return nil, nil, err
	}
	sort.Slice(picked, func(i, j int) bool { return picked[i].UID < picked[j].UID })
	moved := map[uint32]bool{}
	for _, m := range picked {
		c := *m
		c.UID = dm.uidNext
		s.appendLocked(u, dm, &c, origin)
		src = append(src, m.UID)
		dst = append(dst, c.UID)
		moved[m.UID] = true
	}
	if move && sm != dm {
		s.removeLocked(u, sm, origin, func(m *Message) bool { return moved[m.UID] })
	}
	return src, dst, nil
}
