// Package network is the simulated Internet: mail providers (example.com,
// example.org), each a mail store with its POP3, IMAP and SMTP servers on
// loopback TCP, the name table that maps their host names
// (pop.example.com:110) to loopback addresses, the MTAs that relay
// between them, and the classroom limits (connection caps, timeouts)
// around every server.
//
// It imports the servers (sim/pop3, sim/imap, sim/smtp), the store, certs,
// authpolicy, wire and roles; nothing about lessons or events. The lesson
// runner (package sim) and `mailsim serve` start a Network.
package network
