package pop3

import (
	"bufio"
	"fmt"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailsim/sim/mailstore"
)

func TestStatAndListCountEveryMessage(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	var total int
	var want []string
	for n := 1; n <= 4; n++ {
		size := wireSize(ts.raw(n))
		total += size
		want = append(want, fmt.Sprintf("%d %d", n, size))
	}
	c.want("STAT", fmt.Sprintf("+OK 4 %d", total))
	first, lines := c.multi("LIST")
	if first != fmt.Sprintf("+OK 4 messages (%d octets)", total) || !slices.Equal(lines, want) {
		t.Errorf("LIST = %q %q, want %q", first, lines, want)
	}
	c.want("LIST 2", "+OK "+want[1])
}

func TestListSizesEqualTheRetrPayload(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	for n := 1; n <= 4; n++ {
		size, _ := strconv.Atoi(strings.Fields(c.want(fmt.Sprint("LIST ", n), "+OK"))[2])
		first := c.want(fmt.Sprint("RETR ", n), "+OK")
		payload := strings.Join(c.body(), "\r\n") + "\r\n"
		if len(payload) != size {
			t.Errorf("message %d: LIST says %d octets, RETR sent %d", n, size, len(payload))
		}
		if first != fmt.Sprintf("+OK %d octets", size) {
			t.Errorf("message %d: RETR says %q, want %d octets", n, first, size)
		}
		raw := string(ts.raw(n))
		if strings.HasSuffix(raw, "\r\n") && (payload != raw || size != len(raw)) {
			t.Errorf("message %d: RETR sent %d octets that differ from the %d stored", n, len(payload), len(raw))
		}
	}
	// The message without a final CRLF gets one on the wire, and its size
	// counts it.
	if got, want := wireSize(ts.raw(4)), len(noFinalCRLF)+2; got != want {
		t.Errorf("size of a message without a final CRLF = %d, want %d", got, want)
	}
}

func TestWireSizeCountsWhatTheDotWriterSends(t *testing.T) {
	for _, raw := range []string{"", "a", "a\r", "a\r\n", "a\nb\n", ".\r\n", "x\r\n\r\n", "\r\n"} {
		var b strings.Builder
		w := textproto.NewWriter(bufio.NewWriter(&b)).DotWriter()
		w.Write([]byte(raw))
		w.Close()
		sent := strings.TrimSuffix(b.String(), ".\r\n")
		sent = strings.ReplaceAll("\n"+sent, "\n..", "\n.")[1:]
		if wireSize([]byte(raw)) != len(sent) {
			t.Errorf("wireSize(%q) = %d, the dot writer sends %q (%d)", raw, wireSize([]byte(raw)), sent, len(sent))
		}
	}
}

func TestRetrDoublesLeadingDots(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	c.want("RETR 2", "+OK")
	wire := c.rawBody()
	for _, want := range []string{"\r\n..hidden starts with a dot\r\n", "\r\n..\r\n", "\r\n...two dots\r\n", "\r\nlast line\r\n.\r\n"} {
		if !strings.Contains(wire, want) {
			t.Errorf("RETR 2 sent %q, which lacks %q", wire, want)
		}
	}
	if !strings.HasSuffix(wire, "last line\r\n.\r\n") {
		t.Errorf("RETR 2 does not end with the last line and the terminator: %q", wire)
	}
}

func TestRetrSendsTheAttachmentIntact(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	c.want("RETR 3", "+OK")
	got := strings.Join(c.body(), "\r\n") + "\r\n"
	if got != string(ts.raw(3)) || !strings.Contains(got, `filename="menu.txt"`) {
		t.Errorf("RETR 3 sent\n%s\nwant\n%s", got, ts.raw(3))
	}
}

func TestRetrMarksSeenAndTopDoesNot(t *testing.T) {
	ts := newTestServer(t)
	var changes []mailstore.Change
	cancel := ts.Store.Subscribe(func(ch mailstore.Change) { changes = append(changes, ch) })
	defer cancel()
	c := ts.login("alice", "pw")
	c.multi("TOP 1 0")
	c.multi("RETR 2")
	c.want("NOOP", "+OK")
	msgs, _, _ := ts.Store.Messages("alice", mailstore.Inbox)
	if msgs[0].HasFlag(mailstore.FlagSeen) {
		t.Error("TOP marked message 1 \\Seen")
	}
	if !msgs[1].HasFlag(mailstore.FlagSeen) {
		t.Error("RETR did not mark message 2 \\Seen")
	}
	if len(changes) != 1 || changes[0].Kind != mailstore.FlagsChanged {
		t.Fatalf("changes = %+v, want one flag change", changes)
	}
	if o, ok := changes[0].Origin.(*Origin); !ok || o.User != "alice" || !strings.HasPrefix(o.Remote, "127.0.0.1:") {
		t.Errorf("the change's origin is %#v, want a *pop3.Origin for alice", changes[0].Origin)
	}
}

func TestTopSendsTheHeaderAndTheFirstBodyLines(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	raw := string(ts.raw(1))
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	bodyLines := strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")
	for _, n := range []int{0, 1, 2, 99} {
		t.Run(fmt.Sprint(n, " lines"), func(t *testing.T) {
			first, got := c.multi(fmt.Sprint("TOP 1 ", n))
			want := append(strings.Split(head, "\r\n"), "")
			want = append(want, bodyLines[:min(n, len(bodyLines))]...)
			if first != "+OK top of message 1 follows" || !slices.Equal(got, want) {
				t.Errorf("TOP 1 %d = %q\n%q\nwant\n%q", n, first, got, want)
			}
		})
	}
	_, got := c.multi("TOP 2 1") // the first body line starts with "."
	if last := got[len(got)-1]; last != ".hidden starts with a dot" {
		t.Errorf("TOP 2 1 ends with %q", last)
	}
}

func TestHeadAndLinesHandlesOddMessages(t *testing.T) {
	tests := []struct {
		raw   string
		lines int
		want  string
	}{
		{"Subject: x\r\n", 1, "Subject: x\r\n"},
		{"\r\nbody\r\nmore\r\n", 0, "\r\n"},
		{"\r\nbody\r\nmore\r\n", 1, "\r\nbody\r\n"},
		{"Subject: x\r\n\r\nno line end", 1, "Subject: x\r\n\r\nno line end"},
		{"Subject: x\r\n\r\na\r\nb\r\n", 1, "Subject: x\r\n\r\na\r\n"},
		{"Subject: x\r\n\r\na\r\nb\r\n", 5, "Subject: x\r\n\r\na\r\nb\r\n"},
	}
	for _, tt := range tests {
		if got := string(headAndLines([]byte(tt.raw), tt.lines)); got != tt.want {
			t.Errorf("headAndLines(%q, %d) = %q, want %q", tt.raw, tt.lines, got, tt.want)
		}
	}
}

var uidlValue = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestUidlIsStableAcrossSessionsAndRestarts(t *testing.T) {
	read := func(ts *testServer) []string {
		c := ts.login("alice", "pw")
		defer c.want("QUIT", "+OK")
		_, lines := c.multi("UIDL")
		return lines
	}
	ts := newTestServer(t)
	first := read(ts)
	if len(first) != 4 || first[0] != "1 0000000700000001" {
		t.Fatalf("UIDL = %q, want 4 lines starting with 1 0000000700000001", first)
	}
	for _, l := range first {
		if v := strings.Fields(l)[1]; !uidlValue.MatchString(v) {
			t.Errorf("UIDL value %q is not 16 hex digits", v)
		}
	}
	if again := read(ts); !slices.Equal(again, first) {
		t.Errorf("a second session sees UIDL %q, the first saw %q", again, first)
	}
	if restarted := read(newTestServer(t)); !slices.Equal(restarted, first) {
		t.Errorf("a store rebuilt from the same seed gives UIDL %q, want %q", restarted, first)
	}
	c := ts.login("alice", "pw")
	c.want("UIDL 3", "+OK 3 0000000700000003")
}

func TestBadMessageNumbersAreRefused(t *testing.T) {
	tests := []struct{ cmd, want string }{
		{"RETR 0", "-ERR no message 0: this maildrop has 4 messages (numbered 1 to 4)"},
		{"RETR 99", "-ERR no message 99: this maildrop has 4 messages"},
		{"RETR 99999999999999999999", "-ERR no message 99999999999999999999"},
		{"RETR -1", `-ERR RETR needs a message number, got "-1"`},
		{"RETR +1", `-ERR RETR needs a message number, got "+1"`},
		{"RETR", "-ERR usage: RETR msg"},
		{"RETR 1 2", "-ERR usage: RETR msg"},
		{"LIST abc", `-ERR LIST needs a message number, got "abc"`},
		{"LIST 0", "-ERR no message 0"},
		{"LIST 1 2", "-ERR usage: LIST [msg]"},
		{"UIDL 5", "-ERR no message 5"},
		{"DELE 99", "-ERR no message 99"},
		{"DELE", "-ERR usage: DELE msg"},
		{"TOP 1", "-ERR usage: TOP msg lines"},
		{"TOP 1 x", `-ERR TOP needs a number of lines (0 or more), got "x"`},
		{"TOP 1 -1", "-ERR TOP needs a number of lines"},
		{"TOP 99 1", "-ERR no message 99"},
		{"STAT 1", `-ERR STAT takes no arguments, got "1"`},
		{"RSET x", "-ERR RSET takes no arguments"},
		{"NOOP x", "-ERR NOOP takes no arguments"},
	}
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			c.t = t
			c.want(tt.cmd, tt.want)
			c.want("NOOP", "+OK") // keeps the bad-command count from closing the session
		})
	}
	c.t = t
	c.want("QUIT", "+OK")
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestAnEmptyMaildropHasNothingToList(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("bob", "builder")
	c.want("STAT", "+OK 0 0")
	if first, lines := c.multi("LIST"); first != "+OK 0 messages (0 octets)" || len(lines) != 0 {
		t.Errorf("LIST = %q %q", first, lines)
	}
	c.want("RETR 1", "-ERR no message 1: this maildrop has no messages")
}

func TestDeletedMessagesDisappearUntilRset(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	size1 := wireSize(ts.raw(1))
	_, before := c.multi("LIST")
	stat := c.want("STAT", "+OK 4 ")
	c.want("DELE 1", "+OK message 1 marked for deletion")
	c.want("DELE 1", "-ERR message 1 already deleted")
	c.want("RETR 1", "-ERR message 1 already deleted")
	c.want("TOP 1 0", "-ERR message 1 already deleted")
	c.want("LIST 1", "-ERR message 1 already deleted")
	c.want("UIDL 1", "-ERR message 1 already deleted")
	var total int
	fmt.Sscanf(stat, "+OK 4 %d", &total)
	c.want("STAT", fmt.Sprintf("+OK 3 %d", total-size1))
	if _, lines := c.multi("LIST"); !slices.Equal(lines, before[1:]) {
		t.Errorf("LIST after DELE 1 = %q, want %q", lines, before[1:])
	}
	if _, lines := c.multi("UIDL"); len(lines) != 3 || !strings.HasPrefix(lines[0], "2 ") {
		t.Errorf("UIDL after DELE 1 = %q", lines)
	}
	c.want("RSET", fmt.Sprintf("+OK maildrop has 4 messages (%d octets)", total))
	c.want("RETR 1", "+OK")
	c.body()
	c.want("QUIT", "+OK pop.example.com POP3 server signing off (4 messages left)")
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestQuitRemovesTheDeletedMessages(t *testing.T) {
	ts := newTestServer(t)
	var expunged []mailstore.Change
	cancel := ts.Store.Subscribe(func(ch mailstore.Change) {
		if ch.Kind == mailstore.Expunged {
			expunged = append(expunged, ch)
		}
	})
	defer cancel()
	c := ts.login("alice", "pw")
	c.want("DELE 1", "+OK")
	c.want("DELE 3", "+OK")
	ts.wantUIDs("alice", 1, 2, 3, 4) // nothing happens before QUIT
	c.want("QUIT", "+OK pop.example.com POP3 server signing off (2 messages left)")
	c.wantClosed()
	ts.wantUIDs("alice", 2, 4)
	if len(expunged) != 2 || expunged[0].UID != 1 || expunged[1].UID != 3 {
		t.Fatalf("expunges = %+v, want UIDs 1 and 3", expunged)
	}
	if _, ok := expunged[0].Origin.(*Origin); !ok {
		t.Errorf("the expunge's origin is %#v, want a *pop3.Origin", expunged[0].Origin)
	}
	c = ts.login("alice", "pw") // the lock is released
	c.want("STAT", "+OK 2 ")
}

func TestADropAfterDeleLeavesTheStoreUnchanged(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	c.want("DELE 1", "+OK")
	c.want("DELE 2", "+OK")
	c.conn.Close()
	// The server notices the drop when its read fails; until then the
	// maildrop stays locked.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c = ts.dial()
		c.want("USER alice", "+OK")
		got := c.cmd("PASS pw")
		if strings.HasPrefix(got, "+OK") {
			break
		}
		if !strings.HasPrefix(got, "-ERR [IN-USE]") || time.Now().After(deadline) {
			t.Fatalf("logging in again after the drop: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.want("STAT", "+OK 4 ")
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestQuitBeforeLoginOnlySaysGoodbye(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dial()
	c.want("USER alice", "+OK")
	c.want("QUIT", "+OK pop.example.com POP3 server signing off")
	c.wantClosed()
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestEveryCommandInTheWrongStateIsRefused(t *testing.T) {
	transaction := []string{"STAT", "LIST", "LIST 1", "UIDL", "RETR 1", "TOP 1 1", "DELE 1", "RSET", "NOOP"}
	authorization := []string{"USER alice", "PASS pw", "APOP alice " + rfcDigest, "AUTH", "AUTH PLAIN " + b64("\x00alice\x00pw"), "STLS"}
	ts := newTestServer(t, withTLS(t))
	c := ts.dial()
	for _, cmd := range transaction {
		verb := strings.Fields(cmd)[0]
		c.want(cmd, "-ERR "+verb+" is only valid after login (TRANSACTION state); log in first")
	}
	c.want("USER alice", "+OK")
	c.want("PASS pw", "+OK")
	for _, cmd := range authorization {
		verb := strings.Fields(cmd)[0]
		c.want(cmd, "-ERR "+verb+" is only valid before login (AUTHORIZATION state); already logged in as alice")
	}
	c.want("QUIT", "+OK")
	ts.wantUIDs("alice", 1, 2, 3, 4)
}

func TestUnknownCommandsNameTheCommandAndTheState(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dial()
	c.want("XYZZY 1", `-ERR unknown command "XYZZY" in AUTHORIZATION state; CAPA lists`)
	c.want("", "-ERR empty command in AUTHORIZATION state")
	c.want("USER alice", "+OK")
	c.want("PASS pw", "+OK")
	c.want("EXPUNGE", `-ERR unknown command "EXPUNGE" in TRANSACTION state`)
	c.want("retr 1", "+OK") // commands are case-insensitive
}

func TestAMessageRemovedByIMAPAnswersRetrWithAnError(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	if _, err := ts.Store.Remove("alice", mailstore.Inbox, []uint32{2}, "imap"); err != nil {
		t.Fatal(err)
	}
	c.want("RETR 2", "-ERR message 2 was removed by another session")
	c.want("TOP 2 0", "-ERR message 2 was removed by another session")
	c.want("LIST 2", "+OK 2 ") // the login-time view keeps its numbers
	c.want("RETR 3", "+OK")
	c.body()
	c.want("DELE 2", "+OK")
	c.want("DELE 1", "+OK")
	c.want("QUIT", "+OK pop.example.com POP3 server signing off (2 messages left)")
	ts.wantUIDs("alice", 3, 4)
}

func TestMessagesDeliveredAfterLoginWaitForTheNextSession(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login("alice", "pw")
	if _, err := ts.Store.Deliver("alice", []byte("Subject: late\r\n\r\nhi\r\n")); err != nil {
		t.Fatal(err)
	}
	c.want("STAT", "+OK 4 ")
	c.want("RETR 5", "-ERR no message 5")
	c.want("QUIT", "+OK pop.example.com POP3 server signing off (5 messages left)")
	c = ts.login("alice", "pw")
	c.want("STAT", "+OK 5 ")
}
