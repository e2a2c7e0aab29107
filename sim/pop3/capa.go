package pop3

// capa answers CAPA (RFC 2449), in both states. USER and SASL PLAIN are
// listed only when a password may cross this connection (as Dovecot does),
// STLS only when it can be used now.
func (c *conn) capa(args string) {
	if !c.noArgs("CAPA", args) {
		return
	}
	caps := []string{"TOP"}
	plain := c.plaintextAllowed()
	if plain {
		caps = append(caps, "USER")
	}
	caps = append(caps, "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING")
	if plain {
		caps = append(caps, "SASL PLAIN")
	}
	if c.stlsAvailable() {
		caps = append(caps, "STLS")
	}
	caps = append(caps, "IMPLEMENTATION mailsim "+c.o.Hostname)
	c.okLines("capability list follows", caps)
}
