package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"time"
)

const handshakeTimeout = 30 * time.Second

// stlsAvailable reports whether STLS can be used now.
func (c *conn) stlsAvailable() bool {
	return c.o.TLSConfig != nil && !c.tls && c.state == authorization
}

// starter is what a tap around a connection (sim/wire) offers: after TLS
// starts over the tap, it returns a conn that records the plaintext.
type starter interface {
	StartTLS(tlsConn net.Conn) net.Conn
}

// stls answers STLS (RFC 2595 section 4) and starts TLS.
func (c *conn) stls(args string) {
	if !c.noArgs("STLS", args) {
		return
	}
	switch {
	case c.tls:
		c.fail("TLS is already active on this connection")
		return
	case c.o.TLSConfig == nil:
		c.fail("STLS is not available: this server has no TLS certificate")
		return
	}
	c.ok("begin TLS negotiation")
	if c.werr != nil {
		return
	}
	// Anything the client sent after STLS was sent in clear text before
	// TLS: an attacker could have injected it (CVE-2011-0411). Drop it.
	if n := c.r.Buffered(); n > 0 {
		c.logf("discarding %d octets pipelined after STLS", n)
	}

	tc := tls.Server(c.nc, c.o.TLSConfig)
	ctx, cancel := context.WithTimeout(context.Background(), handshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		c.logf("TLS handshake after STLS failed: %v", err)
		c.over = true
		return
	}
	var next net.Conn = tc
	if t, ok := c.nc.(starter); ok {
		next = t.StartTLS(tc)
	}
	c.mu.Lock()
	c.nc = next
	if c.stopping {
		next.SetReadDeadline(time.Unix(1, 0))
	}
	c.mu.Unlock()
	c.r = bufio.NewReaderSize(next, maxLine)
	c.w.Reset(next)
	c.tls = true
	c.user = "" // RFC 2595: forget what the client said before TLS
	c.logf("TLS started (%s)", tls.VersionName(tc.ConnectionState().Version))
}
