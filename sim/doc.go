// Package sim plays a lesson: it starts a simulated network (sim/network),
// plays the lesson's actors over real connections as scripted POP3, IMAP
// and SMTP clients and devices with their local copies, and emits one
// stream of events (sim/events): wire lines with their annotations, step
// boundaries with a state snapshot of the servers and devices, narrative
// and check results. The sandbox API lets a learner type lines into a
// running lesson.
//
// The TUI, the plain-text printer and the transcript recorder all consume
// that stream. sim imports network, events, roles, wire, the store and
// lessons; nothing in sim imports a user interface.
//
// Files by concern: runner.go (the lifecycle: start, step, emit),
// steps.go (the verbs over a connection), each.go (a repeated send),
// annotate.go (notes and glosses on wire units), client.go and
// devices*.go (the scripted clients and what they track), localcopy.go
// and offline.go (a device's local mail and what it does with it off the
// network), servers.go (servers going down and up), traffic.go (octets
// and commands moved), relay.go (the MTA hop), sandbox.go (the learner's
// own lines).
package sim
