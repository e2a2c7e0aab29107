// Package transcripts holds what a session leaves behind: the plain-text
// printer that turns the simulator's event stream into an annotated
// transcript a person reads, and (as it grows) the saved transcript model,
// replay and exports.
package transcripts
