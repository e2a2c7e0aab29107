// Package transcripts holds what a session leaves behind: the plain-text
// printer that turns the simulator's event stream into an annotated
// transcript a person reads; the saved transcript (versioned YAML,
// `mailsim-transcript: 1`, described in docs/TRANSCRIPTS.md) with its
// Recorder, Save and Load; the replay Cursor, which steps a saved
// session both ways and gives the state at any step from its snapshots;
// redaction of secrets; and the exports: markdown and HTML handouts,
// asciicast recordings and pcap captures.
//
// It imports sim (for the event stream it records and gives back),
// lessons (texts, glossary entries) and gopkg.in/yaml.v3, and no screen.
package transcripts
