// Package smtp holds a simulated provider's SMTP side: a Server that plays
// the submission role (587 with STARTTLS, 465 with implicit TLS) or the MX
// role (25), and an MTA that queues mail for other domains and relays it
// over a real SMTP connection to the other provider's MX, retrying and
// finally bouncing with a delivery status notification (RFC 3464).
//
// Both are built on github.com/emersion/go-smtp (server and client) and
// github.com/emersion/go-sasl. The package also imports sim/mailstore
// (where local mail is delivered) and sim/authpolicy (when a password may
// be accepted, and the failed-login delay). It must not import sim/wire: the
// simulator taps connections by wrapping the listener it passes to Serve and
// the Dial function it gives the MTA.
//
// Taps: the Server wraps each accepted connection itself (to limit
// connections per IP and to reach every session on Shutdown) and decides
// whether AUTH is safe from authpolicy.IsTLS and IsLoopback, which a tap
// answers through its TLS method. The MTA, after STARTTLS to an MX, calls
// StartTLS(tlsConn) net.Conn on the dialled connection if it has that method
// (as sim/wire's Conn does), so the tap records the plain text inside TLS.
//
// Where go-smtp's own behaviour is kept, and how this package answers:
//
//   - DATA before a successful RCPT: go-smtp answers "502 5.5.1 Missing RCPT
//     TO command." (RFC 5321 would say 503; the library does not let a
//     backend change it).
//   - A command line longer than MaxLineLength: go-smtp answers "500 5.4.0
//     Too long line, closing connection" and closes. A line inside DATA that
//     is too long gets "500 5.5.2" from this package, then the library's
//     closing line, since its line reader cannot recover.
//   - A bare LF or bare CR inside DATA is rejected with "550 5.5.2" and
//     nothing is delivered: go-smtp passes such bytes through without
//     un-stuffing the line after them, so guessing would corrupt mail (and
//     accepting it is how SMTP smuggling works). curl sends a file's LF line
//     endings as they are; use curl --crlf.
//   - Shutdown tells idle sessions "421 4.3.2 shutting down" and closes them;
//     go-smtp's own Shutdown only waits.
package smtp
