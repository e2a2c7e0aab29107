// Package imap is the simulator's IMAP server: a backend for the
// github.com/emersion/go-imap/v2 imapserver over the shared mail store
// (sim/mailstore).
//
// A Server subscribes once to the store's change feed and keeps, for every
// mailbox that some session has selected, a MailboxTracker and the list of
// UIDs in the order the feed reported them. Each session has its own
// SessionTracker, so its sequence numbers stay right while other sessions,
// POP3 or SMTP change the mailbox: deliveries arrive as EXISTS, removals as
// EXPUNGE and flag changes as FETCH (FLAGS), at once in IDLE and otherwise
// with the next command.
//
// POP3 and IMAP on one mailbox: a POP3 session works on the view it took at
// login; its deletions are applied when it QUITs (mailstore's Store.Remove),
// and IMAP sessions then see them as EXPUNGE through the change feed, with
// their own sequence numbers. IMAP changes made while a POP3 session is open
// (new mail, flags) do not alter that POP3 session's view.
//
// Authentication follows sim/authpolicy, checked in the session itself
// (the library's own check is defeated by connection wrappers such as the
// wire tap): a password is accepted only when the policy allows it on this
// connection, and a failed login waits for the Throttle before answering.
//
// \Recent (IMAP4rev1) goes, as in Dovecot, to the first read-write session
// that learns of a message: at SELECT, or at its first poll after the
// delivery (at once for a session in IDLE). A RecentTable remembers which
// messages have been \Recent to someone; shared by a store's servers and
// kept across restarts, it makes a restart keep that, as Dovecot's index
// files do. Unsolicited FETCH responses carry the flags as the receiving
// session sees them, \Recent included, and no UID.
//
// It imports the standard library, go-imap/v2 (with go-message and go-sasl,
// which that library uses) and mailsim's sim/mailstore and sim/authpolicy.
package imap
