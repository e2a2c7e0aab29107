package transcripts

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// PCAPReport says what a pcap export could not make exact.
type PCAPReport struct {
	Conns, Packets int
	// Short lists units whose octets were not all kept (cut at
	// the tap's limit): the capture carries what there is.
	Short []string
}

// The synthetic network of a pcap export: nothing is sent anywhere; these
// addresses only label the packets in the file.
var (
	clientNet = netip.MustParseAddr("10.0.0.0")       // actors: 10.0.0.1, 10.0.0.2, ...
	serverNet = netip.MustParseAddr("192.0.2.0")      // servers (TEST-NET-1): 192.0.2.1, ...
	macClient = [6]byte{0x02, 0x00, 0x5e, 0x10, 0, 0} // locally administered
	macServer = [6]byte{0x02, 0x00, 0x5e, 0x20, 0, 0}
)

const (
	linkEthernet = 1
	mss          = 1460
)

// PCAP writes the transcript's connections as a libpcap capture
// (Ethernet, IPv4, TCP) that Wireshark and tshark dissect: each
// connection gets a 3-way handshake, its exact octets as they crossed the
// network (clear text and TLS records; not the plaintext inside TLS) in
// segments with correct sequence and acknowledgement numbers and
// checksums, and a FIN handshake; servers sit on their protocol's
// standard port. Clients get 10.0.0.x (one per actor), servers 192.0.2.x
// (one per host name).
func PCAP(w io.Writer, t *Transcript) (PCAPReport, error) {
	return capture(w, t, nil)
}

// PCAPNG writes the same capture as PCAP in the pcapng format, with the
// lesson in packet comments (Wireshark shows them; tshark -Y
// frame.comment): a step's marker on its first packet, who connected where
// on a SYN, and each line's annotation (the lesson's, else the
// glossary's) on its first segment, in the export's language.
func PCAPNG(w io.Writer, t *Transcript, o ExportOptions) (PCAPReport, error) {
	return capture(w, t, &o)
}

// capture writes a pcap, or with ng set a pcapng with comments.
func capture(w io.Writer, t *Transcript, ng *ExportOptions) (PCAPReport, error) {
	var rep PCAPReport
	bw := bufio.NewWriter(w)
	pw := &packetWriter{w: bw, ipID: map[netip.Addr]uint16{}, ng: ng != nil}
	if ng != nil {
		pw.sectionHeader()
	} else {
		// global header: magic (µs), v2.4, UTC, accuracy, snaplen, linktype
		var gh [24]byte
		binary.LittleEndian.PutUint32(gh[0:], 0xa1b2c3d4)
		binary.LittleEndian.PutUint16(gh[4:], 2)
		binary.LittleEndian.PutUint16(gh[6:], 4)
		binary.LittleEndian.PutUint32(gh[16:], 262144)
		binary.LittleEndian.PutUint32(gh[20:], linkEthernet)
		bw.Write(gh[:])
	}
	var notes *captureNotes
	if ng != nil {
		notes = newCaptureNotes(t, *ng)
	}
	clients := map[string]netip.Addr{}
	for _, a := range t.Actors {
		clients[a.Name] = nthAddr(clientNet, len(clients)+1)
	}
	servers := map[string]netip.Addr{}
	for _, s := range t.Servers {
		if _, ok := servers[s.Host]; !ok {
			servers[s.Host] = nthAddr(serverNet, len(servers)+1)
		}
	}
	conns := map[uint64]*tcpConn{}
	var order []uint64
	open := func(e *events.Event) *tcpConn {
		c := conns[e.Conn]
		if c != nil {
			return c
		}
		host, port := splitHostPort(e.Host, e.Role)
		srv, ok := servers[host]
		if !ok {
			srv = nthAddr(serverNet, len(servers)+1)
			servers[host] = srv
		}
		cli, ok := clients[e.Actor]
		if !ok {
			cli = nthAddr(clientNet, len(clients)+1)
			clients[e.Actor] = cli
		}
		c = &tcpConn{
			ends: [2]endpoint{
				{addr: cli, port: uint16(40000 + e.Conn%20000), seq: isn(e.Conn, 0)},
				{addr: srv, port: port, seq: isn(e.Conn, 1)},
			},
		}
		conns[e.Conn] = c
		order = append(order, e.Conn)
		rep.Conns++
		return c
	}
	for i := range t.Events {
		e := &t.Events[i]
		pw.comment = notes.of(i)
		switch e.Kind {
		case events.EventConnect:
			c := open(e)
			c.handshake(pw, e.Time)
		case events.EventWire:
			u := e.Unit
			if u.Layer == wire.Inner {
				continue
			}
			c := open(e)
			if !c.opened {
				c.handshake(pw, e.Time)
			}
			if len(u.Raw) < u.Len {
				rep.Short = append(rep.Short, fmt.Sprintf("event %d (connection %d): %d of %d octets", i, e.Conn, len(u.Raw), u.Len))
			}
			from := 0
			if u.Dir == wire.ServerToClient {
				from = 1
			}
			c.send(pw, e.Time, from, u.Raw)
		case events.EventClose:
			if c := conns[e.Conn]; c != nil {
				c.close(pw, e.Time)
			}
		}
	}
	for _, id := range order { // connections the transcript never saw close
		c := conns[id]
		c.close(pw, pw.last.Add(time.Millisecond))
	}
	rep.Packets = pw.n
	if pw.err != nil {
		return rep, pw.err
	}
	return rep, bw.Flush()
}

func nthAddr(base netip.Addr, n int) netip.Addr {
	b := base.As4()
	v := binary.BigEndian.Uint32(b[:]) + uint32(n)
	if n > 254 { // skip .0 and .255 of each /24
		v = binary.BigEndian.Uint32(b[:]) + uint32(n/254)<<8 + uint32(n%254+1)
	}
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

func splitHostPort(hostport string, role roles.Role) (string, uint16) {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	port, _ := strconv.Atoi(p)
	if port == 0 {
		port = role.StandardPort()
	}
	if port == 0 {
		port = 25
	}
	return host, uint16(port)
}

// isn is a connection's initial sequence number, fixed so that exports
// repeat.
func isn(conn uint64, side int) uint32 {
	x := uint32(conn*2654435761) ^ uint32(side*0x5bd1e995)
	return x*2246822519 + 1000
}

type endpoint struct {
	addr netip.Addr
	port uint16
	seq  uint32 // next sequence number to send
	fin  bool
}

type tcpConn struct {
	ends   [2]endpoint // client, server
	opened bool
	closed bool
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

func (c *tcpConn) handshake(pw *packetWriter, ts time.Time) {
	if c.opened {
		return
	}
	c.opened = true
	cl, sv := &c.ends[0], &c.ends[1]
	pw.segment(ts, cl, sv, tcpSYN, 0, nil, true)
	cl.seq++
	pw.segment(ts.Add(50*time.Microsecond), sv, cl, tcpSYN|tcpACK, cl.seq, nil, true)
	sv.seq++
	pw.segment(ts.Add(100*time.Microsecond), cl, sv, tcpACK, sv.seq, nil, false)
}

func (c *tcpConn) send(pw *packetWriter, ts time.Time, from int, data []byte) {
	src, dst := &c.ends[from], &c.ends[1-from]
	for len(data) > 0 {
		n := min(len(data), mss)
		pw.segment(ts, src, dst, tcpPSH|tcpACK, dst.seq, data[:n], false)
		src.seq += uint32(n)
		data = data[n:]
	}
}

func (c *tcpConn) close(pw *packetWriter, ts time.Time) {
	if c.closed || !c.opened {
		return
	}
	c.closed = true
	cl, sv := &c.ends[0], &c.ends[1]
	pw.segment(ts, cl, sv, tcpFIN|tcpACK, sv.seq, nil, false)
	cl.seq++
	pw.segment(ts.Add(50*time.Microsecond), sv, cl, tcpFIN|tcpACK, cl.seq, nil, false)
	sv.seq++
	pw.segment(ts.Add(100*time.Microsecond), cl, sv, tcpACK, sv.seq, nil, false)
}

type packetWriter struct {
	w  *bufio.Writer
	ng bool // pcapng
	// comment goes with the next packet (pcapng), then is cleared
	comment string
	ipID    map[netip.Addr]uint16
	n       int
	err     error
	buf     []byte
	last    time.Time // packets' times only go forward
}

// segment writes one Ethernet/IPv4/TCP frame.
func (pw *packetWriter) segment(ts time.Time, src, dst *endpoint, flags byte, ack uint32, payload []byte, syn bool) {
	if !ts.After(pw.last) {
		ts = pw.last.Add(time.Microsecond)
	}
	pw.last = ts
	tcpLen := 20
	if syn {
		tcpLen = 24 // the MSS option
	}
	ipLen := 20 + tcpLen + len(payload)
	frame := pw.buf[:0]
	// Ethernet
	dm, sm := macServer, macClient
	if src.addr.As4()[0] != 10 {
		dm, sm = macClient, macServer
	}
	d4, s4 := dst.addr.As4(), src.addr.As4()
	dm[5], sm[5] = d4[3], s4[3]
	frame = append(frame, dm[:]...)
	frame = append(frame, sm[:]...)
	frame = append(frame, 0x08, 0x00)
	// IPv4
	ip := len(frame)
	pw.ipID[src.addr]++
	frame = append(frame, 0x45, 0, byte(ipLen>>8), byte(ipLen), byte(pw.ipID[src.addr]>>8), byte(pw.ipID[src.addr]), 0x40, 0, 64, 6, 0, 0)
	frame = append(frame, s4[:]...)
	frame = append(frame, d4[:]...)
	binary.BigEndian.PutUint16(frame[ip+10:], checksum(frame[ip:ip+20], 0))
	// TCP
	tp := len(frame)
	frame = binary.BigEndian.AppendUint16(frame, src.port)
	frame = binary.BigEndian.AppendUint16(frame, dst.port)
	frame = binary.BigEndian.AppendUint32(frame, src.seq)
	if flags&tcpACK == 0 {
		ack = 0
	}
	frame = binary.BigEndian.AppendUint32(frame, ack)
	frame = append(frame, byte(tcpLen/4)<<4, flags, 0xff, 0xff, 0, 0, 0, 0)
	if syn {
		frame = append(frame, 2, 4, mss>>8, mss&0xff)
	}
	frame = append(frame, payload...)
	// pseudo-header sum: addresses, protocol, TCP length
	pseudo := uint32(0)
	for i := 0; i < 4; i += 2 {
		pseudo += uint32(s4[i])<<8 | uint32(s4[i+1])
		pseudo += uint32(d4[i])<<8 | uint32(d4[i+1])
	}
	pseudo += 6 + uint32(len(frame)-tp)
	binary.BigEndian.PutUint16(frame[tp+16:], checksum(frame[tp:], pseudo))
	pw.buf = frame

	if pw.ng {
		pw.enhancedPacket(ts, frame)
	} else {
		var rh [16]byte
		binary.LittleEndian.PutUint32(rh[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rh[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rh[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rh[12:], uint32(len(frame)))
		pw.write(rh[:])
		pw.write(frame)
	}
	pw.n++
}

func (pw *packetWriter) write(b []byte) {
	if pw.err == nil {
		_, pw.err = pw.w.Write(b)
	}
}

// checksum is the Internet checksum (RFC 1071) of b, starting from sum.
func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// isKeyLogLine reports whether l is one line of the NSS key log format:
// a label of capitals, digits and "_" (1 to 64), the client random (64
// hex digits) and a secret (1 to 256 hex digits), one space between.
// (A regexp with {1,256} compiles to 256 copies: milliseconds at every
// start of the program.)
func isKeyLogLine(l string) bool {
	label, rest, ok := strings.Cut(l, " ")
	random, secret, ok2 := strings.Cut(rest, " ")
	if !ok || !ok2 || len(label) < 1 || len(label) > 64 || len(random) != 64 || len(secret) < 1 || len(secret) > 256 {
		return false
	}
	for _, c := range []byte(label) {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return isHex(random) && isHex(secret)
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// KeyLog writes the TLS secrets the transcript's scripted clients logged,
// in the NSS key log format (SSLKEYLOGFILE) Wireshark and tshark read
// (tls.keylog_file), so that the TLS sessions of the PCAP export show
// decrypted: the same session as an eavesdropper sees it, and as the
// endpoints do. It returns how many TLS sessions it wrote keys for.
func KeyLog(w io.Writer, t *Transcript) (int, error) {
	bw := bufio.NewWriter(w)
	n := 0
	for i := range t.Events {
		keys := t.Events[i].TLSKeys
		if len(keys) == 0 {
			continue
		}
		n++
		for _, l := range keys {
			if isKeyLogLine(l) { // a file may hold anything: only key lines go out
				bw.WriteString(l + "\n")
			}
		}
	}
	return n, bw.Flush()
}
