// Package mailstore holds the one server-side truth of a simulated mail
// provider: users and their passwords, mailboxes, messages with UIDs and
// flags, and a change feed that the IMAP server, the lesson runner and the
// app watch.
//
// Every server (POP3, IMAP, SMTP) reads and changes the same Store, so what
// one protocol does is what the others see. A Store is safe for concurrent
// use. Messages are immutable values: a flag change replaces the *Message,
// so a Snapshot can share them without copying.
//
// It imports only the standard library and gopkg.in/yaml.v3.
package mailstore
