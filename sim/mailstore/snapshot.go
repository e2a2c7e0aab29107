package mailstore

import (
	"sort"
	"time"
)

// Snapshot is an immutable copy of a store's state. Taking one costs a few
// allocations per mailbox, not per message: mailboxes share their message
// lists with the snapshot until they next change.
type Snapshot struct {
	Taken time.Time
	Users []UserSnapshot // by name
}

// UserSnapshot is one user's part of a Snapshot.
type UserSnapshot struct {
	Name      string
	Quota     int64
	Mailboxes []MailboxSnapshot // INBOX first, then by name
}

// MailboxSnapshot is one mailbox's part of a Snapshot. Messages must not be
// modified.
type MailboxSnapshot struct {
	Name        string
	SpecialUse  string
	UIDValidity uint32
	UIDNext     uint32
	Messages    []*Message
}

// Snapshot returns the store's state now.
func (s *Store) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := &Snapshot{Taken: s.clock(), Users: make([]UserSnapshot, 0, len(s.users))}
	for _, u := range s.users {
		us := UserSnapshot{Name: u.name, Quota: u.quota, Mailboxes: make([]MailboxSnapshot, 0, len(u.mailboxes))}
		for _, mb := range u.mailboxes {
			mb.shared = true
			us.Mailboxes = append(us.Mailboxes, MailboxSnapshot{Name: mb.name, SpecialUse: mb.specialUse,
				UIDValidity: mb.uidValidity, UIDNext: mb.uidNext, Messages: mb.msgs[:len(mb.msgs):len(mb.msgs)]})
		}
		sortMailboxes(us.Mailboxes, func(i int) string { return us.Mailboxes[i].Name })
		snap.Users = append(snap.Users, us)
	}
	sort.Slice(snap.Users, func(i, j int) bool { return snap.Users[i].Name < snap.Users[j].Name })
	return snap
}

// User finds a user's part of the snapshot.
func (s *Snapshot) User(name string) (*UserSnapshot, bool) {
	for i := range s.Users {
		if equalFoldASCII(s.Users[i].Name, name) {
			return &s.Users[i], true
		}
	}
	return nil, false
}

// Mailbox finds a user's mailbox in the snapshot.
func (s *Snapshot) Mailbox(user, name string) (*MailboxSnapshot, bool) {
	u, ok := s.User(user)
	if !ok {
		return nil, false
	}
	key := mailboxKey(name)
	for i := range u.Mailboxes {
		if u.Mailboxes[i].Name == key {
			return &u.Mailboxes[i], true
		}
	}
	return nil, false
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
