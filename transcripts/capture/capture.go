// Package capture imports a packet capture of real mail sessions (pcap or
// pcapng, as Wireshark, tshark, dumpcap and tcpdump write them) as a
// mailsim transcript that replays and exports like a recorded lesson.
//
// It reads the file as a stream with gopacket's pcapgo, puts each TCP
// connection back together with gopacket's reassembly (out-of-order and
// retransmitted segments included), and finds the POP3, IMAP and SMTP
// sessions among them by what the server says first, on any port (TLS
// from the first byte: by the port, 993, 995 or 465, or elsewhere by
// decrypting the greeting with the key log). Each session's bytes go through the same
// framing as a live tap (sim/wire Stream): lines, bodies and literals with
// the command they belong to, STARTTLS followed up to the upgrade, then TLS
// records, opened with a key log (SSLKEYLOGFILE) when one is given. The
// result is one transcript with one actor per client address, marked Live
// so that saving it redacts passwords (transcripts.Redact).
//
// Every limit is always on (Limits): TCP connections followed at once,
// mail sessions imported, octets per session and in all; memory does not
// grow with the size of the capture.
//
// It imports gopacket, sim (the event stream), sim/wire (framing and TLS
// decryption), lessons (glossary, texts) and transcripts.
package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/gopacket/gopacket/reassembly"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/roles"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// Limits bound what an import keeps. Zero fields take the defaults.
type Limits struct {
	// Streams is how many TCP connections are followed at once; packets of
	// further new connections are left out until some close. 0 = 4096.
	Streams int
	// Sessions is how many mail sessions are imported. 0 = 1000.
	Sessions int
	// SessionBytes is how many octets of one session are imported (both
	// directions); the rest is left out and the session marked cut.
	// 0 = 16 MiB.
	SessionBytes int64
	// TotalBytes is how many octets of mail traffic are imported from the
	// whole capture. 0 = 256 MiB.
	TotalBytes int64
	// SnapLen is the largest packet read; a capture that declares a
	// larger one is read up to this. 0 = 256 KiB.
	SnapLen int
}

// Defaults.
const (
	DefaultStreams      = 4096
	DefaultSessions     = 1000
	DefaultSessionBytes = 16 << 20
	DefaultTotalBytes   = 256 << 20
	DefaultSnapLen      = 256 << 10
)

func (l Limits) withDefaults() Limits {
	if l.Streams <= 0 {
		l.Streams = DefaultStreams
	}
	if l.Sessions <= 0 {
		l.Sessions = DefaultSessions
	}
	if l.SessionBytes <= 0 {
		l.SessionBytes = DefaultSessionBytes
	}
	if l.TotalBytes <= 0 {
		l.TotalBytes = DefaultTotalBytes
	}
	if l.SnapLen <= 0 {
		l.SnapLen = DefaultSnapLen
	}
	return l
}

// Options tune an import.
type Options struct {
	// Name is the file's name, for messages ("" = "capture").
	Name string
	// KeyLog is an NSS key log (SSLKEYLOGFILE) whose secrets open the TLS
	// parts; nil leaves them as TLS records with a note saying how to get
	// one.
	KeyLog io.Reader
	Limits Limits
	// ID is the transcript's id ("" = a new random UUID).
	ID string
	// Language is the language the transcript is shown in ("" = en).
	Language string
}

// Report says what an import found and what it left out.
type Report struct {
	Packets  int // packets read
	TCP      int // TCP connections that carried data
	Sessions int // mail sessions imported
	// Notes say, one line each, what was left out or could not be made
	// exact (a cut file, a limit reached, bytes missing from a connection).
	Notes []string
}

// Error is an import that gave no transcript: "file: what is wrong".
type Error struct {
	File string
	Msg  string
}

func (e *Error) Error() string { return e.File + ": " + e.Msg }

// maxKeyLog bounds the key log read (a key log line is under 300 octets).
const maxKeyLog = 64 << 20

// Import reads a capture from r and returns its mail sessions as a
// transcript. A capture cut short gives the sessions before the cut, with
// a note; a file that is not a capture, has a link type this package does
// not read, or holds no mail session gives an *Error.
func Import(r io.Reader, o Options) (*transcripts.Transcript, Report, error) {
	name := o.Name
	if name == "" {
		name = "capture"
	}
	lim := o.Limits.withDefaults()
	g := &guard{r: r, max: int64(lim.SnapLen) + 1<<20}
	src, err := openCapture(bufio.NewReaderSize(g, 1<<16), lim.SnapLen)
	if err != nil {
		return nil, Report{}, &Error{name, err.Error()}
	}
	if !decodable(src.link) {
		return nil, Report{}, &Error{name, fmt.Sprintf("link type %d (%s): mailsim reads captures of Ethernet, Linux cooked (any), loopback and raw IP links", int(src.link), src.link)}
	}
	imp := newImporter(o, lim)
	if o.KeyLog != nil {
		n, err := io.Copy(imp.rec.KeyLog(), io.LimitReader(o.KeyLog, maxKeyLog))
		if err != nil {
			return nil, Report{}, &Error{name, "reading the key log: " + err.Error()}
		}
		if n == 0 {
			imp.rep.Notes = append(imp.rep.Notes, "the key log is empty: TLS parts stay encrypted")
		}
	}
	g.n = 0
	readErr := imp.read(src, g)
	imp.finish()
	if readErr != nil {
		if imp.rep.Packets == 0 && imp.rep.Sessions == 0 {
			return nil, imp.rep, &Error{name, readErr.Error()}
		}
		imp.rep.Notes = append(imp.rep.Notes, readErr.Error())
	}
	if imp.rep.Sessions == 0 {
		return nil, imp.rep, &Error{name, fmt.Sprintf("no POP3, IMAP or SMTP session found (%d packets, %d TCP connections)", imp.rep.Packets, imp.rep.TCP)}
	}
	return imp.trec.Transcript(), imp.rep, nil
}

// packetSource is pcapgo's pcap or pcapng reader.
type packetSource struct {
	read func() ([]byte, gopacket.CaptureInfo, error)
	link layers.LinkType
}

var (
	pcapMagics = [][]byte{{0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}}
	ngMagic    = []byte{0x0a, 0x0d, 0x0d, 0x0a}
)

func openCapture(br *bufio.Reader, snap int) (*packetSource, error) {
	head, err := br.Peek(4)
	if err != nil {
		return nil, errors.New("too short to be a capture (a pcap or pcapng file starts with a 24- or 28-octet header)")
	}
	if bytes.Equal(head, ngMagic) {
		ng, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, fmt.Errorf("not a readable pcapng file: %v", err)
		}
		return &packetSource{read: ng.ZeroCopyReadPacketData, link: ng.LinkType()}, nil
	}
	for _, m := range pcapMagics {
		if bytes.Equal(head, m) {
			pr, err := pcapgo.NewReader(br)
			if err != nil {
				return nil, fmt.Errorf("not a readable pcap file: %v", err)
			}
			if pr.Snaplen() == 0 || int(pr.Snaplen()) > snap {
				pr.SetSnaplen(uint32(snap))
			}
			return &packetSource{read: pr.ZeroCopyReadPacketData, link: pr.LinkType()}, nil
		}
	}
	return nil, fmt.Errorf("not a pcap or pcapng capture (it starts with % x; save the capture from Wireshark as pcapng, or use tcpdump -w)", head)
}

// decodable reports whether the link type is one this package decodes.
func decodable(l layers.LinkType) bool {
	switch l {
	case layers.LinkTypeEthernet, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeRaw,
		layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2:
		return true
	}
	return false
}

// firstLayer is how a link type's frames are decoded.
func firstLayer(l layers.LinkType, data []byte) gopacket.Decoder {
	switch l {
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		if len(data) > 0 && data[0]>>4 == 6 {
			return layers.LayerTypeIPv6
		}
		return layers.LayerTypeIPv4
	}
	return l
}

// importer holds an import in progress. It runs on one goroutine: the
// assembler calls back into it while it reads.
type importer struct {
	o    Options
	lim  Limits
	rep  Report
	rec  *wire.Recorder
	trec *transcripts.Recorder
	glos *lessons.Glossary
	now  time.Time // the current packet's time: the wire Recorder's clock

	asm     *reassembly.Assembler
	open    int                       // TCP connections followed now
	flows   map[[2]gopacket.Flow]bool // the connections followed now, by (network, transport) flow
	byID    map[uint64]*tcpStream     // mail sessions by wire connection id
	total   int64                     // octets of mail traffic imported
	full    bool                      // TotalBytes reached
	dropped int                       // packets left out by the Streams limit
	skipped int                       // mail sessions left out by the Sessions limit
	sealed  int                       // sessions whose TLS stays encrypted
	probes  map[uint64]*tcpStream     // TLS sessions being decrypted to tell their protocol
	// tlsElsewhere counts TLS connections on ports that do not say their
	// protocol, left out for want of a key log (or of a greeting in it)
	tlsElsewhere int
	actors       map[string]bool
}

func newImporter(o Options, lim Limits) *importer {
	imp := &importer{o: o, lim: lim, flows: map[[2]gopacket.Flow]bool{}, byID: map[uint64]*tcpStream{}, probes: map[uint64]*tcpStream{}, actors: map[string]bool{}}
	imp.rec = wire.NewRecorder(wire.SinkFuncs{OnUnit: imp.onUnit, OnClose: imp.onClose},
		wire.Options{Clock: func() time.Time { return imp.now }})
	if g, err := lessons.LoadGlossary(); err == nil {
		imp.glos = g
	}
	pool := reassembly.NewStreamPool(imp)
	imp.asm = reassembly.NewAssembler(pool)
	// out-of-order data waits in pages of 1900 octets: bound them
	imp.asm.MaxBufferedPagesPerConnection = 256
	imp.asm.MaxBufferedPagesTotal = 4096
	return imp
}

// read feeds every packet to the assembler. It returns the error that
// stopped it early, if any, as a sentence.
func (imp *importer) read(src *packetSource, g *guard) error {
	var lastFlush time.Time
	for {
		data, ci, err := src.read()
		g.n = 0
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return fmt.Errorf("packet %d is larger than %s, the most mailsim reads: imported the %d packets before it", imp.rep.Packets+1, size(g.max), imp.rep.Packets)
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("the capture is cut short in packet %d (the file ends inside it): imported the %d packets before it", imp.rep.Packets+1, imp.rep.Packets)
			}
			return fmt.Errorf("packet %d cannot be read (%v): imported the %d packets before it", imp.rep.Packets+1, err, imp.rep.Packets)
		}
		imp.rep.Packets++
		imp.packet(src.link, data, ci)
		if ci.Timestamp.Sub(lastFlush) > time.Minute {
			// connections idle for 10 minutes are over (the capture missed their end)
			lastFlush = ci.Timestamp
			imp.asm.FlushCloseOlderThan(ci.Timestamp.Add(-10 * time.Minute))
		}
	}
}

func (imp *importer) packet(link layers.LinkType, data []byte, ci gopacket.CaptureInfo) {
	p := gopacket.NewPacket(data, firstLayer(link, data), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	nl := p.NetworkLayer()
	tl, ok := p.TransportLayer().(*layers.TCP)
	if nl == nil || !ok {
		return
	}
	if ci.Timestamp.After(imp.now) {
		imp.now = ci.Timestamp
	}
	k := [2]gopacket.Flow{nl.NetworkFlow(), tl.TransportFlow()}
	rk := [2]gopacket.Flow{k[0].Reverse(), k[1].Reverse()}
	if !imp.flows[k] && !imp.flows[rk] {
		if !tl.SYN && len(tl.Payload) == 0 {
			return // an ACK, FIN or RST of a connection that is over, or not followed
		}
		if imp.open >= imp.lim.Streams {
			imp.dropped++
			return
		}
	}
	ctx := captureContext(ci)
	imp.asm.AssembleWithContext(nl.NetworkFlow(), tl, &ctx)
}

// guard stops a read that goes on past max octets for one packet: pcapng
// lets a file declare packets of any length (and a snap length of 0 for
// no limit), and pcapgo reads a packet whole, so without it one packet
// could fill memory. Read clears n after each packet.
type guard struct {
	r      io.Reader
	n, max int64
}

var errTooLarge = errors.New("a packet is too large")

func (g *guard) Read(p []byte) (int, error) {
	if g.n > g.max {
		return 0, errTooLarge
	}
	k, err := g.r.Read(p)
	g.n += int64(k)
	return k, err
}

type captureContext gopacket.CaptureInfo

func (c *captureContext) GetCaptureInfo() gopacket.CaptureInfo { return gopacket.CaptureInfo(*c) }

// finish closes what the capture left open and writes the notes.
func (imp *importer) finish() {
	imp.asm.FlushAll()
	if imp.dropped > 0 {
		imp.rep.Notes = append(imp.rep.Notes, fmt.Sprintf("%d packets of TCP connections left out: more than %d connections were open at once (limit)", imp.dropped, imp.lim.Streams))
	}
	if imp.skipped > 0 {
		imp.rep.Notes = append(imp.rep.Notes, fmt.Sprintf("%d mail sessions left out: a transcript holds at most %d (limit)", imp.skipped, imp.lim.Sessions))
	}
	if imp.tlsElsewhere > 0 {
		how := "with --keylog, mailsim decrypts them to see whether they are mail"
		if imp.o.KeyLog != nil {
			how = "the key log does not open them, or they are not mail"
		}
		imp.rep.Notes = append(imp.rep.Notes, fmt.Sprintf("%d TLS connections on ports other than 993, 995 and 465 left out: %s", imp.tlsElsewhere, how))
	}
	if imp.sealed > 0 {
		imp.rep.Notes = append(imp.rep.Notes, fmt.Sprintf("%d sessions use TLS and stay encrypted: capture again with SSLKEYLOGFILE=FILE set for the mail program (Thunderbird, curl and Firefox write their TLS secrets there) and import with --keylog FILE", imp.sealed))
	}
	if imp.full {
		imp.rep.Notes = append(imp.rep.Notes, fmt.Sprintf("imported the first %s of mail traffic only (limit)", size(imp.lim.TotalBytes)))
	}
}

// New is the reassembly.StreamFactory: a stream for each TCP connection.
func (imp *importer) New(netFlow, tcpFlow gopacket.Flow, tcp *layers.TCP, ac reassembly.AssemblerContext) reassembly.Stream {
	s := &tcpStream{imp: imp, key: [2]gopacket.Flow{netFlow, tcpFlow}}
	imp.flows[s.key] = true
	imp.open++
	// the first packet's sender is the client when it is a SYN; else the
	// greeting decides (detect)
	s.clientFirst = tcp.SYN && !tcp.ACK
	if tcp.SYN && tcp.ACK {
		s.clientFirst, s.serverFirst = false, true
	}
	return s
}

// start begins the transcript at the first mail session: it was made
// when the capture was.
func (imp *importer) start() {
	if imp.trec == nil {
		imp.trec = transcripts.NewRecorder(transcripts.Meta{Live: true, ID: imp.o.ID, Language: imp.o.Language, Created: imp.now})
	}
}

// sink callbacks: the wire Recorder's units become the simulator's events.

func (imp *importer) onUnit(u wire.Unit) {
	if p := imp.probes[u.Conn]; p != nil {
		if u.Layer == wire.Inner && u.Dir == wire.ServerToClient && p.probed == "" {
			if proto, ok := serverProtocol([]byte(u.Text)); ok {
				p.probed = proto
			}
		}
		return
	}
	s := imp.byID[u.Conn]
	if s == nil {
		return
	}
	e := events.Event{Kind: events.EventWire, Unit: &u, Time: u.Time}
	if imp.glos != nil && u.Kind == wire.Line && u.Layer != wire.Cipher {
		if g, ok := imp.glos.Explain(string(s.proto), u.Dir == wire.ClientToServer, u.Command, u.Text); ok {
			e.Gloss = &g
		}
	}
	// the records of the handshake in the clear (under TLS 1.3 its later
	// messages are encrypted and look like application data)
	e.Handshake = u.Layer == wire.Cipher && (strings.HasPrefix(u.Text, "[TLS handshake") || strings.HasPrefix(u.Text, "[TLS change cipher spec"))
	if u.Layer == wire.Cipher && !s.noted {
		s.noted = true
		switch {
		case imp.o.KeyLog == nil:
			e.Note = i18n.Textf("TLS starts here: what follows is encrypted. To see inside, capture again with SSLKEYLOGFILE=/path/keys.log set in the mail program's environment (Thunderbird, curl and Firefox write their TLS secrets there), then: mailsim import FILE --keylog /path/keys.log")
		case s.protoTLSOnly:
			e.Note = i18n.Textf("TLS from the first byte (implicit TLS); the lines inside follow, decrypted with the key log.")
		}
	}
	imp.event(e, s)
}

func (imp *importer) onClose(id uint64, _ error) {
	s := imp.byID[id]
	if s == nil {
		return
	}
	what := "closed"
	switch {
	case s.cut:
		what = fmt.Sprintf("cut: mailsim imports at most %s of one session (limit)", size(imp.lim.SessionBytes))
	case s.missing > 0:
		what = fmt.Sprintf("the capture missed %d octets of this connection", s.missing)
	case !s.ended:
		what = "the capture ends before the connection closes"
	}
	text := i18n.Text{i18n.Fallback: what}
	if s.ws.TLS() && imp.o.KeyLog == nil {
		imp.sealed++
		text = i18n.Text{}
		for lang, n := range i18n.Textf("its TLS part was not decrypted (no key log: set SSLKEYLOGFILE when capturing, then import with --keylog)") {
			text[lang] = what + "; " + n
		}
	}
	imp.event(events.Event{Kind: events.EventClose, Text: text}, s)
	delete(imp.byID, id)
}

func (imp *importer) event(e events.Event, s *tcpStream) {
	e.Step, e.Actor, e.Conn, e.Protocol, e.Role, e.Host = -1, s.actor, s.ws.ID(), s.proto, s.role, s.host
	if e.Time.IsZero() {
		e.Time = imp.now
	}
	// without a key log the capture is what an eavesdropper sees: views
	// show its TLS records
	e.Eavesdrop = imp.o.KeyLog == nil
	imp.trec.Event(e)
}

// size says how many octets, in MiB when it is a whole number of them.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d octets", n)
}

// portRole is the role a server port stands for, and whether it speaks
// TLS from the first byte.
func portRole(p wire.Protocol, port int, implicitTLS bool) roles.Role {
	switch p {
	case wire.POP3:
		if implicitTLS {
			return roles.POP3S
		}
		return roles.POP3
	case wire.IMAP:
		if implicitTLS {
			return roles.IMAPS
		}
		return roles.IMAP
	}
	switch {
	case implicitTLS:
		return roles.SMTPS
	case port == 25:
		return roles.MX
	}
	return roles.Submission
}

// implicitPorts are the ports of mail over TLS from the first byte
// (995, 993, 465), from the role table.
var implicitPorts = func() map[int]wire.Protocol {
	m := map[int]wire.Protocol{}
	for _, s := range roles.Table {
		if s.ImplicitTLS {
			m[s.Port] = s.Protocol
		}
	}
	return m
}()

func hostPort(ep gopacket.Endpoint, port int) string {
	return net.JoinHostPort(ep.String(), strconv.Itoa(port))
}
