package wire

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
)

var framingTests = []struct {
	name   string
	proto  Protocol
	chunks []chunk
	want   []string
}{
	{
		name:  "POP3 pipelined LIST and RETR replies are framed in order, with dot-stuffed lines kept",
		proto: POP3,
		chunks: []chunk{
			s2c("+OK POP3 ready\r\n"),
			c2s("CAPA\r\n"),
			s2c("+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"),
			c2s("LIST\r\nRETR 1\r\n"),
			s2c("+OK 1 messages\r\n1 120\r\n.\r\n+OK 120 octets\r\nSubject: hi\r\n\r\n..dot\r\n. \r\n.x\r\n.\r\n"),
			c2s("LIST 1\r\n"),
			s2c("+OK 1 120\r\n"),
			c2s("RETR 9\r\n"),
			s2c("-ERR no such message\r\n"),
			c2s("QUIT\r\n"),
			s2c("+OK bye\r\n"),
		},
		want: []string{
			`S line [] [] "+OK POP3 ready"`,
			`C line [CAPA] [] "CAPA"`,
			`S line [CAPA] [] "+OK"`,
			`S block [CAPA] [] "USER\nPIPELINING\n.\n"`,
			`C line [LIST] [] "LIST"`,
			`C line [RETR] [] "RETR 1"`,
			`S line [LIST] [] "+OK 1 messages"`,
			`S block [LIST] [] "1 120\n.\n"`,
			`S line [RETR] [] "+OK 120 octets"`,
			`S block [RETR] [] "Subject: hi\n\n..dot\n. \n.x\n.\n"`,
			`C line [LIST] [] "LIST 1"`,
			`S line [LIST] [] "+OK 1 120"`,
			`C line [RETR] [] "RETR 9"`,
			`S line [RETR] [] "-ERR no such message"`,
			`C line [QUIT] [] "QUIT"`,
			`S line [QUIT] [] "+OK bye"`,
		},
	},
	{
		name:  "POP3 AUTH challenges and answers are lines of AUTH",
		proto: POP3,
		chunks: []chunk{
			s2c("+OK ready\r\n"),
			c2s("AUTH\r\n"),
			s2c("+OK\r\nPLAIN\r\n.\r\n"),
			c2s("AUTH PLAIN\r\n"),
			s2c("+ \r\n"),
			c2s("AGJvYgBwdw==\r\n"),
			s2c("+OK logged in\r\n"),
			c2s("STAT\r\n"),
			s2c("+OK 0 0\r\n"),
		},
		want: []string{
			`S line [] [] "+OK ready"`,
			`C line [AUTH] [] "AUTH"`,
			`S line [AUTH] [] "+OK"`,
			`S block [AUTH] [] "PLAIN\n.\n"`,
			`C line [AUTH] [] "AUTH PLAIN"`,
			`S line [AUTH] [] "+ "`,
			`C line [AUTH] [] "AGJvYgBwdw=="`,
			`S line [AUTH] [] "+OK logged in"`,
			`C line [STAT] [] "STAT"`,
			`S line [STAT] [] "+OK 0 0"`,
		},
	},
	{
		name:  "SMTP multi-line replies are one line each and the DATA body is one block",
		proto: SMTP,
		chunks: []chunk{
			s2c("220-mx ESMTP\r\n220 welcome\r\n"),
			c2s("EHLO client\r\n"),
			s2c("250-mx greets client\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n"),
			c2s("AUTH PLAIN\r\n"),
			s2c("334 \r\n"),
			c2s("AGJvYgBwdw==\r\n"),
			s2c("235 2.7.0 ok\r\n"),
			c2s("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
			s2c("250 ok\r\n250 ok\r\n354 go ahead\r\n"),
			c2s("Subject: x\r\n\r\n..hi\r\nQUIT\r\n.\r\n"),
			s2c("250 queued\r\n"),
			c2s("QUIT\r\n"),
			s2c("221 bye\r\n"),
		},
		want: []string{
			`S line [] [] "220-mx ESMTP"`,
			`S line [] [] "220 welcome"`,
			`C line [EHLO] [] "EHLO client"`,
			`S line [EHLO] [] "250-mx greets client"`,
			`S line [EHLO] [] "250-PIPELINING"`,
			`S line [EHLO] [] "250 AUTH PLAIN"`,
			`C line [AUTH] [] "AUTH PLAIN"`,
			`S line [AUTH] [] "334 "`,
			`C line [AUTH] [] "AGJvYgBwdw=="`,
			`S line [AUTH] [] "235 2.7.0 ok"`,
			`C line [MAIL] [] "MAIL FROM:<a@x>"`,
			`C line [RCPT] [] "RCPT TO:<b@y>"`,
			`C line [DATA] [] "DATA"`,
			`S line [MAIL] [] "250 ok"`,
			`S line [RCPT] [] "250 ok"`,
			`S line [DATA] [] "354 go ahead"`,
			`C block [DATA] [] "Subject: x\n\n..hi\nQUIT\n.\n"`,
			`S line [DATA] [] "250 queued"`,
			`C line [QUIT] [] "QUIT"`,
			`S line [QUIT] [] "221 bye"`,
		},
	},
	{
		name:  "SMTP refused DATA leaves the next command a command",
		proto: SMTP,
		chunks: []chunk{
			s2c("220 mx\r\n"),
			c2s("DATA\r\n"),
			s2c("503 need RCPT\r\n"),
			c2s("QUIT\r\n"),
			s2c("221 bye\r\n"),
		},
		want: []string{
			`S line [] [] "220 mx"`,
			`C line [DATA] [] "DATA"`,
			`S line [DATA] [] "503 need RCPT"`,
			`C line [QUIT] [] "QUIT"`,
			`S line [QUIT] [] "221 bye"`,
		},
	},
	{
		name:  "IMAP literals, tags, IDLE, AUTHENTICATE and a refused huge literal",
		proto: IMAP,
		chunks: []chunk{
			s2c("* OK IMAP4rev2 ready\r\n"),
			c2s("A1 LOGIN bob pw\r\n"),
			s2c("A1 OK done\r\n"),
			c2s("A2 APPEND INBOX {5}\r\n"),
			s2c("+ Ready\r\n"),
			c2s("hello\r\n"),
			s2c("A2 OK [APPENDUID 1 1] done\r\n"),
			c2s("A3 APPEND INBOX {5+}\r\nhello\r\n"),
			s2c("A3 OK\r\n"),
			c2s("A4 UID FETCH 1 BODY[]\r\n"),
			s2c("* 1 FETCH (UID 1 BODY[] {11}\r\nHi\r\nthere\r\n)\r\nA4 OK done\r\n"),
			c2s("A5 IDLE\r\n"),
			s2c("+ idling\r\n"),
			s2c("* 2 EXISTS\r\n"),
			c2s("DONE\r\n"),
			s2c("A5 OK\r\n"),
			c2s("A6 AUTHENTICATE PLAIN\r\n"),
			s2c("+ \r\n"),
			c2s("AGJvYgBwdw==\r\n"),
			s2c("A6 OK\r\n"),
			c2s("A7 APPEND INBOX {4294967296}\r\n"),
			s2c("A7 NO [TOOBIG] too big\r\n"),
			c2s("A8 LOGIN {3}\r\n"),
			s2c("+ go\r\n"),
			c2s("bob ~{2}\r\n"),
			s2c("+ go\r\n"),
			c2s("pw\r\n"),
			s2c("A8 OK\r\n"),
			c2s("A9 LOGOUT\r\n"),
			s2c("* BYE\r\nA9 OK\r\n"),
		},
		want: []string{
			`S line [] [*] "* OK IMAP4rev2 ready"`,
			`C line [LOGIN] [A1] "A1 LOGIN bob pw"`,
			`S line [LOGIN] [A1] "A1 OK done"`,
			`C line [APPEND] [A2] "A2 APPEND INBOX {5}"`,
			`S line [APPEND] [+] "+ Ready"`,
			`C block [APPEND] [A2] "hello"`,
			`C line [APPEND] [A2] ""`,
			`S line [APPEND] [A2] "A2 OK [APPENDUID 1 1] done"`,
			`C line [APPEND] [A3] "A3 APPEND INBOX {5+}"`,
			`C block [APPEND] [A3] "hello"`,
			`C line [APPEND] [A3] ""`,
			`S line [APPEND] [A3] "A3 OK"`,
			`C line [UID FETCH] [A4] "A4 UID FETCH 1 BODY[]"`,
			`S line [UID FETCH] [*] "* 1 FETCH (UID 1 BODY[] {11}"`,
			`S block [UID FETCH] [*] "Hi\nthere\n"`,
			`S line [UID FETCH] [*] ")"`,
			`S line [UID FETCH] [A4] "A4 OK done"`,
			`C line [IDLE] [A5] "A5 IDLE"`,
			`S line [IDLE] [+] "+ idling"`,
			`S line [IDLE] [*] "* 2 EXISTS"`,
			`C line [IDLE] [A5] "DONE"`,
			`S line [IDLE] [A5] "A5 OK"`,
			`C line [AUTHENTICATE] [A6] "A6 AUTHENTICATE PLAIN"`,
			`S line [AUTHENTICATE] [+] "+ "`,
			`C line [AUTHENTICATE] [A6] "AGJvYgBwdw=="`,
			`S line [AUTHENTICATE] [A6] "A6 OK"`,
			`C line [APPEND] [A7] "A7 APPEND INBOX {4294967296}"`,
			`S line [APPEND] [A7] "A7 NO [TOOBIG] too big"`,
			`C line [LOGIN] [A8] "A8 LOGIN {3}"`,
			`S line [LOGIN] [+] "+ go"`,
			`C block [LOGIN] [A8] "bob"`,
			`C line [LOGIN] [A8] " ~{2}"`,
			`S line [LOGIN] [+] "+ go"`,
			`C block [LOGIN] [A8] "pw"`,
			`C line [LOGIN] [A8] ""`,
			`S line [LOGIN] [A8] "A8 OK"`,
			`C line [LOGOUT] [A9] "A9 LOGOUT"`,
			`S line [LOGOUT] [*] "* BYE"`,
			`S line [LOGOUT] [A9] "A9 OK"`,
		},
	},
	{
		name:   "a connection that drops mid-line shows the half line cut",
		proto:  SMTP,
		chunks: []chunk{s2c("220 mx\r\n"), c2s("MAIL FROM:<a@")},
		want: []string{
			`S line [] [] "220 mx"`,
			`C line [MAIL] [] "MAIL FROM:<a@"`,
		},
	},
}

func TestFramingIsTheSameHoweverTheBytesAreSplit(t *testing.T) {
	for _, tt := range framingTests {
		t.Run(tt.name, func(t *testing.T) {
			want := frame(t, tt.proto, Options{}, tt.chunks, whole)
			if got := briefs(want, Plain); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("units:\n%s\nwant:\n%s", join(got), join(tt.want))
			}
			total := 0
			for _, c := range tt.chunks {
				total += len(c.data)
			}
			sum := 0
			for i, u := range want {
				sum += u.Len
				if u.Seq != i || u.Conn != 1 {
					t.Errorf("unit %d has Conn %d Seq %d", i, u.Conn, u.Seq)
				}
			}
			if sum != total {
				t.Errorf("Len sum %d, fed %d", sum, total)
			}
			if got := frame(t, tt.proto, Options{}, tt.chunks, bytewise); !reflect.DeepEqual(got, want) {
				t.Errorf("fed a byte at a time:\n%s", join(briefs(got, Plain)))
			}
			for i, c := range tt.chunks {
				for at := 1; at < len(c.data); at++ {
					got := frame(t, tt.proto, Options{}, tt.chunks, func(j int, _ chunk) []int {
						if j == i {
							return []int{at}
						}
						return nil
					})
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("chunk %d split at %d:\n%s", i, at, join(briefs(got, Plain)))
					}
				}
			}
		})
	}
}

func TestUnitDetails(t *testing.T) {
	us := frame(t, POP3, Options{}, []chunk{
		s2c("+OK\r\n"), c2s("RETR 1\r\n"), s2c("+OK\r\na\r\n\r\n.\r\n"), c2s("QUIT"),
	}, whole)
	blk := us[3]
	if blk.Kind != Block || blk.Lines != 3 || blk.Len != 8 || string(blk.Raw) != "a\r\n\r\n.\r\n" || blk.Cut {
		t.Errorf("block: %+v", blk)
	}
	if l := us[1]; l.Lines != 1 || string(l.Raw) != "RETR 1\r\n" || l.Len != 8 {
		t.Errorf("line: %+v", l)
	}
	if last := us[len(us)-1]; !last.Cut || last.Text != "QUIT" {
		t.Errorf("half line at close: %+v", last)
	}
}

func TestHugeLiteralStreamsWithRawCapped(t *testing.T) {
	const max = 1 << 20
	s, col := newTestSession(t, IMAP, Options{MaxUnitBytes: max})
	s.record(ClientToServer, false, []byte("A1 APPEND INBOX {4294967296}\r\n"))
	s.record(ServerToClient, false, []byte("+ go\r\n"))
	buf := []byte(strings.Repeat("0123456789abcde\n", 4096)) // 64 KiB
	const fed = 160 * 64 << 10                               // 10 MiB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 160 {
		s.record(ClientToServer, false, buf)
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4*max {
		t.Errorf("framing 10 MiB of literal allocated %d bytes", grew)
	}
	s.close()
	us := col.all()
	if len(us) != 3 {
		t.Fatalf("got %d units: %v", len(us), briefs(us, Plain))
	}
	blk := us[2]
	if blk.Kind != Block || !blk.Cut || blk.Len != fed || len(blk.Raw) != max || blk.Command != "APPEND" {
		t.Errorf("literal: kind %v cut %v Len %d len(Raw) %d cmd %q", blk.Kind, blk.Cut, blk.Len, len(blk.Raw), blk.Command)
	}
}

func TestServerLiteralIsExactlyThreeUnits(t *testing.T) {
	body := strings.Repeat("x", 2345)
	s, col := newTestSession(t, IMAP, Options{MaxUnitBytes: 1000})
	s.record(ServerToClient, false, []byte("* OK hi\r\n"))
	s.record(ClientToServer, false, []byte("A1 FETCH 1 BODY[]\r\n"))
	s.record(ServerToClient, false, []byte("* 1 FETCH (BODY[] {2345}\r\n"+body+")\r\n"))
	us := col.all()[2:]
	if len(us) != 3 {
		t.Fatalf("got %d units: %v", len(us), briefs(us, Plain))
	}
	if us[1].Kind != Block || us[1].Len != 2345 || len(us[1].Raw) != 1000 || us[1].Lines != 1 || us[2].Text != ")" {
		t.Errorf("units: %v / Len %d len(Raw) %d Lines %d", briefs(us, Plain), us[1].Len, len(us[1].Raw), us[1].Lines)
	}
}

func TestLongLineWithoutCRLFIsCutAtMaxLineBytes(t *testing.T) {
	const maxLine = 64 << 10
	s, col := newTestSession(t, SMTP, Options{})
	buf := []byte(strings.Repeat("y", 100_000))
	for range 100 { // 10 MB
		s.record(ClientToServer, false, buf)
	}
	if n := len(s.fr.st[ClientToServer].line); n >= maxLine {
		t.Errorf("tap buffers %d bytes", n)
	}
	s.close()
	us := col.all()
	sum := 0
	for i, u := range us {
		sum += u.Len
		if !u.Cut || u.Kind != Line || u.Len > maxLine || (i < len(us)-1 && u.Len != maxLine) {
			t.Fatalf("unit %d: kind %v cut %v Len %d", i, u.Kind, u.Cut, u.Len)
		}
	}
	if sum != 10_000_000 || len(us) != 10_000_000/maxLine+1 {
		t.Errorf("got %d units of %d bytes", len(us), sum)
	}
	if us[1].Command != us[0].Command {
		t.Errorf("pieces of one line should share its attribution")
	}
}

func TestLiteralMarker(t *testing.T) {
	tests := []struct {
		line string
		n    uint64
		plus bool
		ok   bool
	}{
		{"A1 APPEND INBOX {5}\r\n", 5, false, true},
		{"A1 APPEND INBOX {5+}\r\n", 5, true, true},
		{"A1 APPEND INBOX ~{12}\r\n", 12, false, true},
		{"* 1 FETCH (BODY[] {0}\r\n", 0, false, true},
		{"A1 LOGIN {}\r\n", 0, false, false},
		{"A1 LOGIN {x}\r\n", 0, false, false},
		{"A1 LOGIN {99999999999999999999999}\r\n", 0, false, false},
		{"A1 NOOP\r\n", 0, false, false},
		{"}\r\n", 0, false, false},
	}
	for _, tt := range tests {
		n, plus, ok := literalMarker([]byte(tt.line))
		if n != tt.n || plus != tt.plus || ok != tt.ok {
			t.Errorf("literalMarker(%q) = %d %v %v", tt.line, n, plus, ok)
		}
	}
}

func TestSTARTTLSExchangeSwitchesTheOuterLayerToRecords(t *testing.T) {
	tests := []struct {
		name   string
		proto  Protocol
		chunks []chunk
		plain  int
	}{
		{"IMAP tagged OK", IMAP, []chunk{s2c("* OK\r\n"), c2s("A1 STARTTLS\r\n"), s2c("A1 OK go\r\n"), c2s("\x16\x03\x01\x00\x01x")}, 3},
		{"SMTP 220", SMTP, []chunk{s2c("220 mx\r\n"), c2s("STARTTLS\r\n"), s2c("220 go\r\n"), c2s("\x16\x03\x01\x00\x01x")}, 3},
		{"POP3 +OK, with the record in the same read", POP3, []chunk{s2c("+OK\r\n"), c2s("STLS\r\n"), s2c("+OK go\r\n\x16\x03\x03\x00\x01x")}, 3},
		{"POP3 -ERR keeps the clear text", POP3, []chunk{s2c("+OK\r\n"), c2s("STLS\r\n"), s2c("-ERR no\r\n"), c2s("QUIT\r\n")}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, cuts := range []func(int, chunk) []int{whole, bytewise} {
				us := frame(t, tt.proto, Options{}, tt.chunks, cuts)
				if got := len(briefs(us, Plain)); got != tt.plain || len(us) > tt.plain+1 {
					t.Fatalf("units: %v", briefs(us, Plain))
				}
				if len(us) == tt.plain+1 && us[tt.plain].Text != "[TLS handshake, 1 bytes]" {
					t.Errorf("after the exchange: %+v", us[tt.plain])
				}
			}
		})
	}
}
