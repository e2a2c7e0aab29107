// Package events holds what the simulator tells the world: the Event
// stream (wire lines with their annotations, step boundaries, checks),
// the State snapshot of every provider's store and every device's local
// copy, and the Changes between two states.
//
// It is a leaf: it imports lessons (for the texts an event carries),
// mailstore (for snapshots), wire and roles, and no server. The
// transcripts package stores these types as they are, so loading a saved
// transcript links no POP3, IMAP or SMTP server.
package events
