// Package protoline reads what client lines of POP3, IMAP and SMTP carry:
// the credentials in them and the IMAP tokens they are made of. It is the
// one place that knows how a password crosses the wire, so that
// redaction (transcripts, the classroom registry), the classroom's login
// tracking, the glossary's SASL notes and the TUI agree.
//
//   - Follower follows one connection's client units (lines and IMAP
//     literals, as sim/wire frames them) and reports each Secret: POP3 PASS
//     and the APOP digest, IMAP LOGIN's password (atom, quoted string or
//     literal, synchronizing or not), and every SASL response of AUTH /
//     AUTHENTICATE, initial or answering a challenge. It learns the user
//     name offered on the way (USER, APOP, LOGIN, SASL PLAIN and LOGIN).
//   - Secret.Redact and Secret.What are the one wording of a redaction:
//     Hidden in place of the secret, and a sentence saying what was there.
//   - SASLPayload, DecodeSASL and DecodePlain find and decode a SASL
//     payload (RFC 4422, PLAIN RFC 4616).
//   - Scanner tokenizes IMAP (RFC 9051 §4, §9): atoms, quoted strings,
//     literal markers and parenthesized lists; Scanner.Value reads response
//     data into a tree of Values.
//
// It imports only the standard library and the catalog (internal/i18n,
// for saying what a secret was in the reader's language): no server, no
// wire tap, no UI.
package protoline
