package capture

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// synth writes a synthetic capture (Ethernet, IPv4, TCP) of made-up
// conversations, packet by packet, so a test can say exactly which
// segments there are and in what order.
type synth struct {
	w   *pcapgo.Writer
	at  time.Time
	buf gopacket.SerializeBuffer
	err error
}

func newSynth(w io.Writer) *synth {
	pw := pcapgo.NewWriter(w)
	s := &synth{w: pw, at: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), buf: gopacket.NewSerializeBuffer()}
	s.err = pw.WriteFileHeader(65535, layers.LinkTypeEthernet)
	return s
}

// tcpConv is one made-up TCP connection.
type tcpConv struct {
	s              *synth
	cli, srv       net.IP
	cport, sport   uint16
	cliSeq, srvSeq uint32
}

func (s *synth) conn(cli string, cport uint16, srv string, sport uint16) *tcpConv {
	c := &tcpConv{s: s, cli: net.ParseIP(cli).To4(), srv: net.ParseIP(srv).To4(), cport: cport, sport: sport,
		cliSeq: 1000 + uint32(cport)*7, srvSeq: 5000 + uint32(sport)*13}
	c.segment(true, layers.TCP{SYN: true}, nil)
	c.cliSeq++
	c.segment(false, layers.TCP{SYN: true, ACK: true}, nil)
	c.srvSeq++
	c.segment(true, layers.TCP{ACK: true}, nil)
	return c
}

// say sends data from the client (fromClient) or the server, in
// segments of at most 1460 octets.
func (c *tcpConv) say(fromClient bool, data string) {
	for len(data) > 0 {
		n := min(len(data), 1460)
		c.segment(fromClient, layers.TCP{ACK: true, PSH: true}, []byte(data[:n]))
		if fromClient {
			c.cliSeq += uint32(n)
		} else {
			c.srvSeq += uint32(n)
		}
		data = data[n:]
	}
}

func (c *tcpConv) close() {
	c.segment(true, layers.TCP{FIN: true, ACK: true}, nil)
	c.cliSeq++
	c.segment(false, layers.TCP{FIN: true, ACK: true}, nil)
	c.srvSeq++
	c.segment(true, layers.TCP{ACK: true}, nil)
}

// frame builds one packet; segment writes it.
func (c *tcpConv) frame(fromClient bool, t layers.TCP, payload []byte) []byte {
	src, dst, sp, dp, seq, ack := c.cli, c.srv, c.cport, c.sport, c.cliSeq, c.srvSeq
	if !fromClient {
		src, dst, sp, dp, seq, ack = c.srv, c.cli, c.sport, c.cport, c.srvSeq, c.cliSeq
	}
	eth := layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, src[3]}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, dst[3]}, EthernetType: layers.EthernetTypeIPv4}
	ip := layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src, DstIP: dst}
	t.SrcPort, t.DstPort, t.Seq, t.Window = layers.TCPPort(sp), layers.TCPPort(dp), seq, 65535
	if t.ACK {
		t.Ack = ack
	}
	t.SetNetworkLayerForChecksum(&ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, &eth, &ip, &t, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func (c *tcpConv) segment(fromClient bool, t layers.TCP, payload []byte) {
	c.s.packet(c.frame(fromClient, t, payload))
}

func (s *synth) packet(frame []byte) {
	s.at = s.at.Add(time.Millisecond)
	if s.err == nil {
		s.err = s.w.WritePacket(gopacket.CaptureInfo{Timestamp: s.at, CaptureLength: len(frame), Length: len(frame)}, frame)
	}
}

// pop3Session is a short POP3 session with a password.
func pop3Session(c *tcpConv) {
	c.say(false, "+OK POP3 ready\r\n")
	c.say(true, "USER alice\r\n")
	c.say(false, "+OK\r\n")
	c.say(true, "PASS s3cret-pw\r\n")
	c.say(false, "+OK 1 messages\r\n")
	c.say(true, "RETR 1\r\n")
	c.say(false, "+OK 20 octets\r\nSubject: hi\r\n\r\nhello\r\n.\r\n")
	c.say(true, "QUIT\r\n")
	c.say(false, "+OK bye\r\n")
	c.close()
}

// pcapPackets splits a pcap file into its records (header, then packets).
func pcapPackets(t *testing.T, data []byte) (header []byte, packets [][]byte) {
	t.Helper()
	if len(data) < 24 || binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 {
		t.Fatal("not a little-endian µs pcap")
	}
	header, data = data[:24], data[24:]
	for len(data) >= 16 {
		n := 16 + int(binary.LittleEndian.Uint32(data[8:]))
		packets = append(packets, data[:n])
		data = data[n:]
	}
	return header, packets
}

func joinPackets(header []byte, packets [][]byte) []byte {
	return append(bytes.Clone(header), bytes.Join(packets, nil)...)
}
