package wire

import (
	"io"
)

// StreamOptions say how a Stream's bytes start and whether its TLS is
// opened.
type StreamOptions struct {
	Local, Remote string // the server's and the client's addresses, for ConnInfo
	// ImplicitTLS: the bytes are TLS records from the first one (POP3S,
	// IMAPS, SMTPS); otherwise they are clear text until a STLS/STARTTLS
	// exchange succeeds.
	ImplicitTLS bool
	// Decrypt opens the TLS records with the secrets given to the
	// Recorder's KeyLog; without it they stay records.
	Decrypt bool
}

// Stream is a connection whose bytes come from somewhere other than a live
// net.Conn, such as a capture file: each direction's bytes, in the order
// they crossed, are framed exactly as a server-side tap frames them
// (lines, blocks, TLS records, and with Decrypt the plaintext inside TLS,
// as Layer Inner). It is not safe for concurrent use with itself.
type Stream struct{ s *session }

// Stream opens a Stream speaking protocol p. The Recorder's sink gets its
// Open now, its Units as Write frames them and its Close from Close.
func (r *Recorder) Stream(p Protocol, o StreamOptions) *Stream {
	s := &session{r: r, info: ConnInfo{ID: r.last.Add(1), Protocol: p, Side: ServerSide,
		Local: o.Local, Remote: o.Remote, ImplicitTLS: o.ImplicitTLS}}
	s.fr.init(s, p, r.opt)
	if o.Decrypt {
		s.dec = &tlsDecrypter{}
	}
	if o.ImplicitTLS {
		s.cipher = true
		s.fr.layer = Inner
		s.tls.Store(true)
	}
	r.sink.Open(s.info)
	return &Stream{s: s}
}

// ID returns the connection id that the Stream's units carry.
func (st *Stream) ID() uint64 { return st.s.info.ID }

// TLS reports whether TLS has started on the Stream.
func (st *Stream) TLS() bool { return st.s.tls.Load() }

// Write frames p, which crossed in direction dir.
func (st *Stream) Write(dir Direction, p []byte) { st.s.record(dir, false, p) }

// Close emits what is left half-framed as cut units and reports the close.
func (st *Stream) Close() { st.s.close() }

// KeyLog returns where NSS key log lines (an SSLKEYLOGFILE) go for this
// Recorder's Streams to decrypt with. Lines it does not know are ignored.
func (r *Recorder) KeyLog() io.Writer { return r.keys }
