// Package transcripts holds what a session leaves behind: the plain-text
// printer that turns the simulator's event stream into an annotated
// transcript a person reads; the saved transcript (versioned YAML,
// `mailsim-transcript: 1`, or 2 when snapshots share long lists;
// described in docs/TRANSCRIPTS.md) with its Recorder, Save and Load,
// which hold the simulator's own events.Event in memory (codec.go alone
// knows their file form); the replay Cursor, which steps a saved session
// both ways and gives the state at any step from its snapshots;
// redaction of secrets; and the exports: markdown and HTML handouts,
// asciicast recordings and pcap captures.
//
// It imports sim/events (the event stream it records and gives back, and
// the states in it), roles, wire, mailstore, lessons and internal/i18n
// (texts, glossary entries) and gopkg.in/yaml.v3: no server and no
// screen, so loading, replaying and exporting a transcript links no POP3,
// IMAP or SMTP server (internal/layers tests this). Printers are headed by
// a Heading: what is being shown, from a lesson or from a saved file.
package transcripts
