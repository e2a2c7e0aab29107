// Package fidelity holds only a test: every built-in lesson with POP3 or
// IMAP steps is replayed against a private Dovecot (2.3, from Debian),
// seeded with the lesson's exact messages, and the shapes of the replies
// are compared with mailsim's line by line: status (+OK/-ERR, OK/NO/BAD),
// untagged response kinds and their order, response codes, FETCH item
// sets, EXISTS/RECENT/EXPUNGE and where they come, multi-line endings.
// Free text, UIDVALIDITY values and capability lists are ignored. Every
// difference that remains is listed, with its reason, in allow.txt.
//
// Dovecot runs in the foreground with a throwaway configuration in a
// temporary directory, on free loopback ports, as bench/dovecot.sh does.
// The test needs the dovecot binary (testutil.NeedTool: skipped outside
// CI, a failure in CI).
//
// It imports mailsim's lessons, sim, sim/mailstore and sim/wire.
package fidelity
