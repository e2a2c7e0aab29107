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
// Memory per message (issue 17), on 64-bit Go: the raw octets (rounded
// up to the allocator's size class, under 2% for small messages), the
// Message itself (160 octets), the memo its flag variants and copies
// share (80), the four decoded display fields (From, To, Subject,
// Message-ID: nothing when the header holds them verbatim, as they are
// then strings over Raw's own octets; their length when decoding changed
// them) and 8 in the mailbox's list. What other packages keep in the
// memo is bounded by them: sim/imap keeps the ENVELOPE, BODY and
// BODYSTRUCTURE, each at most imap.MaxEncodedItem, in a compact form
// (about 175 octets for a small message's envelope of 277, its address
// lists interned), sim/pop3 where RETR stuffs dots.
// BenchmarkStoreBytesPerMessage measures the store's part (about 260
// octets beyond the raw ones for messages of about 630 octets;
// TestStoreOverheadPerMessage fails past 400); sim/imap's
// BenchmarkBigMailboxMemory the whole once every envelope has been
// fetched (about 450 beyond the raw octets, 1 or 20 sessions;
// TestSharedMailboxMemory fails past 700). A session that selects a
// mailbox adds only its \Recent set (IMAP4rev1) and its connection's
// buffers to that (about 11 KB), not a copy of the list.
//
// It imports only the standard library: a Seed comes decoded (by lessons,
// or by the accounts file of `mailsim serve`), its yaml tags naming the
// keys those decoders read.
package mailstore
