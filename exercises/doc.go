// Package exercises holds classroom exercises: small tasks a student does
// with a real mail client against `mailsim serve`, which the server checks
// by itself from the student's recorded sessions and mailbox state.
//
// An exercise is a YAML file (`mailsim-exercise: 1`) beside the lessons,
// with English and Vietnamese texts and two lists of predicates: done (all
// must hold) and tried (any). A predicate is either
//
//   - session: one of the student's sessions (protocol, role, provider,
//     TLS or not, logged in, the commands sent and the replies got, in
//     order, and commands never sent). The session predicates of one list
//     are each met by a different session, so "two clients" means two.
//   - mailbox: the student's mailbox state (how many messages, with a flag).
//
// A session is the student's when it logged in with the student's name, or
// (a server-to-server session on port 25, which has no login) when its
// MAIL FROM is one of the student's addresses. Load reads and validates
// files, reporting every problem at file:line:col; Builtin is the set that
// follows the seed article. Tracker follows a classroom.Registry and keeps
// the scoreboard (done / tried / not yet, with times and the session lines
// that satisfied each check); Results writes it as CSV and Markdown.
//
// The package holds no user interface; it imports sim, sim/classroom,
// sim/mailstore, sim/wire and lessons (for its two-language Text).
package exercises
