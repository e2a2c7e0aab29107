// Package sim is the simulator: it starts the simulated mail providers
// (each a mail store with its POP3, IMAP and SMTP servers on loopback TCP),
// plays a lesson's actors over real connections, and emits one stream of
// events: wire lines with their annotations, step boundaries with a state
// snapshot of the servers and devices, narrative and check results.
//
// The TUI, the plain-text printer and the transcript recorder all consume
// that stream. sim imports the servers (sim/...), lessons and wire; nothing
// in sim imports a user interface.
package sim
