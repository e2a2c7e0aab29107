// Package pop3 holds mailsim's POP3 server: RFC 1939 (the protocol),
// RFC 2449 (CAPA and response codes), RFC 2595 (STLS) and RFC 5034 (SASL
// AUTH, PLAIN only), over the shared sim/mailstore.Store.
//
// A Server accepts connections on any net.Listener (the lesson runner
// passes a sim/wire tap; `mailsim serve` a plain or TLS listener) and runs
// one session per connection through the three states of RFC 1939:
//
//   - AUTHORIZATION (auth.go, stls.go): USER/PASS, APOP, AUTH PLAIN, STLS,
//     CAPA, QUIT. Plaintext passwords follow sim/authpolicy; failed logins
//     wait as the policy's Throttle says.
//   - TRANSACTION (maildrop.go, retrieve.go): STAT, LIST, UIDL, RETR, TOP,
//     DELE, RSET, NOOP, CAPA.
//   - UPDATE (quit.go): entered only by QUIT from TRANSACTION.
//
// CAPA (capa.go) answers in both. One dispatch table (conn.go) checks each
// command's state before its handler runs, so every handler can assume it
// is allowed.
//
// Limits: a command line holds at most 255 octets (RFC 2449); a line over
// 4 KiB, MaxBadCommands -ERR replies in a row, or IdleTimeout of silence
// end the session. CAPA lists USER and SASL PLAIN only where
// Options.Plaintext lets a password cross the connection.
//
// # POP3 next to IMAP on the same store
//
// A POP3 session works on the view it takes at login: the INBOX message
// list, numbered 1..n, with each message's UID and size. Messages delivered
// after login are not in the view until the next session (RFC 1939). DELE
// only marks a message in the session; the marks are applied at QUIT, in
// one mailstore.Store.Remove call, and IMAP sessions then see the removals
// as EXPUNGE through the store's change feed. A connection that ends any
// other way (drop, idle timeout, server shutdown) deletes nothing.
//
// If an IMAP session removes a message while a POP3 session has it in its
// view, the POP3 numbers do not shift: RETR and TOP of that message answer
// "-ERR message N was removed by another session", and QUIT simply skips it.
// Neither side loses or duplicates a message. The maildrop lock
// (Store.LockMaildrop) keeps a second POP3 session out ([IN-USE]); IMAP
// sessions do not take it.
//
// RETR marks the message \Seen in the store, as Dovecot does; TOP does not.
// UIDL values are the mailbox's UIDVALIDITY and the message's UID in hex,
// so they stay stable across sessions and across store rebuilds from the
// same seed.
//
// The server binds directly to *mailstore.Store, with no backend
// interface between them as go-imap and go-smtp have: there is one store,
// and POP3's semantics (a view taken at login, marks applied at QUIT, the
// maildrop lock) are the store's own operations, so an interface would
// only restate them. The package imports the standard library,
// sim/mailstore and sim/authpolicy. It does not import sim/wire: a tapped connection is
// recognised by the methods it has (TLS() bool, StartTLS(net.Conn) net.Conn).
package pop3
