package mailstore

// ChangeKind says what a Change is about.
type ChangeKind int

const (
	Delivered      ChangeKind = iota // a message was added (delivery, APPEND, COPY, MOVE)
	FlagsChanged                     // a message's flags changed
	Expunged                         // a message was removed
	MailboxCreated                   // a mailbox was created
	MailboxDeleted                   // a mailbox was deleted
	MailboxRenamed                   // a mailbox was renamed (OldName holds the old name)
)

func (k ChangeKind) String() string {
	switch k {
	case Delivered:
		return "delivered"
	case FlagsChanged:
		return "flags changed"
	case Expunged:
		return "expunged"
	case MailboxCreated:
		return "mailbox created"
	case MailboxDeleted:
		return "mailbox deleted"
	case MailboxRenamed:
		return "mailbox renamed"
	}
	return "unknown change"
}

// Change is one entry of the change feed.
type Change struct {
	Kind    ChangeKind
	User    string
	Mailbox string
	OldName string   // MailboxRenamed only
	UID     uint32   // message changes only
	Seq     uint32   // the message's sequence number as a client that saw every earlier change sees it
	Count   int      // messages in the mailbox after the change
	Flags   []string // Delivered and FlagsChanged: the message's flags now
	Origin  any      // what the mutating caller passed as origin, or nil
}

// Subscribe calls fn for every change, in the order the changes happen.
// fn runs while the store is locked, so changes and their sequence numbers
// arrive exactly in order: it must be quick, must not block, and must not
// call the Store. Call cancel to stop.
func (s *Store) Subscribe(fn func(Change)) (cancel func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextSub
	s.nextSub++
	s.subscribers[id] = fn
	return func() {
		s.mu.Lock()
		delete(s.subscribers, id)
		s.mu.Unlock()
	}
}

func (s *Store) notifyLocked(c Change) {
	for _, fn := range s.subscribers {
		fn(c)
	}
}
