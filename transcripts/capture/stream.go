package capture

import (
	"bytes"
	"strconv"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"

	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
)

// maxDetect bounds what a connection may send before it is known to be
// mail or not: a mail server's first line is short.
const maxDetect = 4096

// chunk is reassembled data waiting for the protocol to be known.
type chunk struct {
	first bool // sent by the side that sent the connection's first packet
	data  []byte
}

// tcpStream is one TCP connection as reassembly hands it over: first
// buffered until its first lines tell which protocol it speaks (detect),
// then written to a wire Stream.
type tcpStream struct {
	imp *importer
	key [2]gopacket.Flow // as the first packet went

	// which side of the first packet is the client: known from a SYN
	// (clientFirst / serverFirst), else from the greeting
	clientFirst, serverFirst bool

	pending []chunk
	npend   int
	decided bool // detect ran to a verdict: ws != nil for mail
	ws      *wire.Stream

	proto        wire.Protocol
	role         roles.Role
	host, actor  string
	clientIsA    bool // the first packet's sender is the client
	protoTLSOnly bool // implicit TLS
	bytes        int64
	cut          bool // SessionBytes reached
	missing      int  // octets the capture lost (gaps)
	ended        bool // FIN or RST seen
	noted        bool // the TLS note is given
	data         bool // some data came
	// probe decrypts a TLS session on a port that does not say its
	// protocol; probed is the protocol its first server line told
	probe  *wire.Stream
	probed wire.Protocol
}

// Accept takes every segment, even of a connection whose start the
// capture missed.
func (s *tcpStream) Accept(tcp *layers.TCP, _ gopacket.CaptureInfo, _ reassembly.TCPFlowDirection, _ reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	*start = true
	if tcp.FIN || tcp.RST {
		s.ended = true
	}
	return true
}

// ReassembledSG takes the next in-order data of one direction.
func (s *tcpStream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, _, _, skip := sg.Info()
	n, _ := sg.Lengths()
	if skip > 0 {
		s.missing += skip
	}
	if n == 0 || (s.decided && s.ws == nil) {
		return
	}
	if !s.data {
		s.data = true
		s.imp.rep.TCP++
	}
	first := dir == reassembly.TCPDirClientToServer
	data := sg.Fetch(n)
	if !s.decided {
		s.pending = append(s.pending, chunk{first, bytes.Clone(data)})
		s.npend += n
		if s.probe != nil {
			s.probeMore(s.pending[len(s.pending)-1])
			return
		}
		s.detect()
		return
	}
	s.write(first, data)
}

// ReassemblyComplete ends the connection.
func (s *tcpStream) ReassemblyComplete(_ reassembly.AssemblerContext) bool {
	imp := s.imp
	if s.probe != nil { // it closed before its TLS told the protocol
		delete(imp.probes, s.probe.ID())
		s.probe = nil
		imp.tlsElsewhere++
	}
	if !s.decided { // it closed before a whole first line: not mail
		s.notMail()
	}
	if s.ws != nil {
		s.ws.Close()
	}
	s.pending = nil
	if imp.flows[s.key] {
		delete(imp.flows, s.key)
		imp.open--
	}
	return true
}

// write hands data to the wire Stream, within the limits.
func (s *tcpStream) write(first bool, data []byte) {
	imp := s.imp
	if s.cut || imp.full {
		return
	}
	room := imp.lim.SessionBytes - s.bytes
	if r := imp.lim.TotalBytes - imp.total; r < room {
		room = r
	}
	if int64(len(data)) > room {
		data = data[:room]
		if imp.total+room >= imp.lim.TotalBytes {
			imp.full = true
		} else {
			s.cut = true
		}
	}
	s.bytes += int64(len(data))
	imp.total += int64(len(data))
	dir := wire.ClientToServer
	if first != s.clientIsA {
		dir = wire.ServerToClient
	}
	s.ws.Write(dir, data)
}

// detect looks at the data so far; once a side's first line tells the
// protocol (or that it is not mail), it opens the wire Stream and writes
// what waited.
func (s *tcpStream) detect() {
	var lines [2][]byte // [0]: the first packet's sender, [1]: the other side
	var done [2]bool
	for _, c := range s.pending {
		i := 1
		if c.first {
			i = 0
		}
		if done[i] {
			continue
		}
		lines[i] = append(lines[i], c.data...)
		if j := bytes.IndexByte(lines[i], '\n'); j >= 0 {
			lines[i], done[i] = lines[i][:j+1], true
		}
	}
	// TLS from the first byte: a handshake record
	for i := range lines {
		if isTLSHello(lines[i]) {
			s.implicitTLS(i == 0)
			return
		}
	}
	// a server's first line names the protocol
	for i := range lines {
		if !done[i] || (i == 0 && s.clientFirst) || (i == 1 && s.serverFirst) {
			continue
		}
		if p, ok := serverProtocol(lines[i]); ok {
			s.open(p, i == 1, false)
			return
		}
	}
	// a client's line, when the server's first line was not captured
	for i := range lines {
		if !done[i] || (i == 0 && s.serverFirst) || (i == 1 && s.clientFirst) {
			continue
		}
		if p, ok := clientProtocol(lines[i]); ok && !done[1-i] {
			s.open(p, i == 0, false)
			return
		}
	}
	if (done[0] && done[1]) || s.npend > maxDetect {
		s.notMail()
	}
}

func (s *tcpStream) notMail() {
	s.decided = true
	s.pending, s.npend = nil, 0
}

// implicitTLS opens a session that is TLS from its first byte: the port
// says which protocol is inside.
func (s *tcpStream) implicitTLS(firstIsClient bool) {
	if firstIsClient && s.serverFirst || !firstIsClient && s.clientFirst {
		s.notMail()
		return
	}
	srv := s.key[1].Dst()
	if !firstIsClient {
		srv = s.key[1].Src()
	}
	port, _ := strconv.Atoi(srv.String())
	s.protoTLSOnly = true
	if p, ok := implicitPorts[port]; ok {
		s.open(p, firstIsClient, true)
		return
	}
	if s.imp.o.KeyLog == nil {
		s.imp.tlsElsewhere++
		s.notMail()
		return
	}
	// another port: decrypt until the server's first line says which
	// protocol it is (a probe Stream, never closed, so the secrets stay
	// for the real one)
	s.clientIsA = firstIsClient
	s.probe = s.imp.rec.Stream(wire.POP3, wire.StreamOptions{ImplicitTLS: true, Decrypt: true})
	s.imp.probes[s.probe.ID()] = s
	for _, c := range s.pending {
		if s.probe == nil {
			return
		}
		s.probeMore(c)
	}
}

// maxProbe bounds what waits while a probe decrypts: a TLS handshake and
// a greeting.
const maxProbe = 64 << 10

// probeMore feeds the probe one more chunk, and opens the session once the
// probe has told the protocol.
func (s *tcpStream) probeMore(c chunk) {
	dir := wire.ClientToServer
	if c.first != s.clientIsA {
		dir = wire.ServerToClient
	}
	s.probe.Write(dir, c.data)
	switch {
	case s.probed != "":
		delete(s.imp.probes, s.probe.ID())
		s.probe = nil
		s.open(s.probed, s.clientIsA, true)
	case s.npend > maxProbe:
		delete(s.imp.probes, s.probe.ID())
		s.probe = nil
		s.imp.tlsElsewhere++
		s.notMail()
	}
}

// open starts the wire Stream for protocol p and writes what waited.
func (s *tcpStream) open(p wire.Protocol, firstIsClient, implicitTLS bool) {
	imp := s.imp
	s.decided = true
	pending := s.pending
	s.pending, s.npend = nil, 0
	if imp.rep.Sessions >= imp.lim.Sessions {
		imp.skipped++
		return
	}
	imp.rep.Sessions++
	s.clientIsA = firstIsClient
	cli, srv := s.key[0].Src(), s.key[0].Dst()
	cport, sport := s.key[1].Src(), s.key[1].Dst()
	if !firstIsClient {
		cli, srv, cport, sport = srv, cli, sport, cport
	}
	port, _ := strconv.Atoi(sport.String())
	s.proto = p
	s.role = portRole(p, port, implicitTLS)
	s.host = hostPort(srv, port)
	s.actor = cli.String()
	cp, _ := strconv.Atoi(cport.String())
	imp.start()
	s.ws = imp.rec.Stream(p, wire.StreamOptions{Local: s.host, Remote: hostPort(cli, cp), ImplicitTLS: implicitTLS, Decrypt: imp.o.KeyLog != nil})
	imp.byID[s.ws.ID()] = s
	imp.event(events.Event{Kind: events.EventConnect}, s)
	for _, c := range pending {
		s.write(c.first, c.data)
	}
}

// isTLSHello reports whether b starts with a TLS handshake record header.
func isTLSHello(b []byte) bool {
	return len(b) >= 6 && b[0] == 22 && b[1] == 3 && b[2] <= 4 && b[5] == 1
}

// serverProtocol names the protocol a server's first line belongs to: a
// greeting, or any reply when the capture began later.
func serverProtocol(line []byte) (wire.Protocol, bool) {
	l := bytes.TrimRight(line, "\r\n")
	switch {
	case hasPrefixFold(l, "+OK") || hasPrefixFold(l, "-ERR"):
		return wire.POP3, true
	case bytes.HasPrefix(l, []byte("* ")):
		return wire.IMAP, true
	case len(l) >= 3 && isDigits(l[:3]) && (len(l) == 3 || l[3] == ' ' || l[3] == '-'):
		return wire.SMTP, true
	}
	return "", false
}

// clientProtocol names the protocol of a client's first line, for a
// capture that began after the greeting.
func clientProtocol(line []byte) (wire.Protocol, bool) {
	l := bytes.TrimRight(line, "\r\n")
	verb, rest, _ := bytes.Cut(l, []byte(" "))
	switch string(bytes.ToUpper(verb)) {
	case "USER", "APOP", "CAPA", "STLS", "UIDL", "RETR", "STAT":
		return wire.POP3, true
	case "EHLO", "HELO", "LHLO", "MAIL":
		return wire.SMTP, true
	}
	cmd, _, _ := bytes.Cut(rest, []byte(" "))
	switch string(bytes.ToUpper(cmd)) {
	case "CAPABILITY", "LOGIN", "AUTHENTICATE", "STARTTLS", "SELECT", "EXAMINE", "UID", "ID", "NOOP", "LIST", "LOGOUT", "FETCH":
		if len(verb) > 0 && len(verb) <= 16 {
			return wire.IMAP, true
		}
	}
	return "", false
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && bytes.EqualFold(b[:len(p)], []byte(p))
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
