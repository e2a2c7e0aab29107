package sim

import (
	"bufio"
	"mailsim/sim/events"
	"slices"
	"strings"
	"testing"
)

// imapDeviceFor returns an actor connected over IMAP with INBOX selected
// and n messages known to exist, their UIDs not yet fetched.
func imapDeviceFor(n int) *actor {
	a := &actor{sess: &session{}}
	a.sess.imap.selected = "INBOX"
	a.sess.imap.seq = make([]uint32, n)
	return a
}

// track reads a server reply the way a scripted client does (so that the
// test lines carry their literals like real ones; a bare "\n" is a CRLF)
// and applies it to the device's cache.
func track(t *testing.T, a *actor, cmd, wire string) {
	t.Helper()
	wire = strings.ReplaceAll(strings.ReplaceAll(wire, "\r\n", "\n"), "\n", "\r\n")
	rep, err := a.sess.imap.readReply(bufio.NewReader(strings.NewReader(wire)), cmd)
	if err != nil {
		t.Fatalf("reading %q: %v", wire, err)
	}
	(&Runner{}).trackIMAP(a, cmd, rep)
}

func TestIMAPDeviceCache(t *testing.T) {
	const env = `ENVELOPE ("Tue, 24 Nov 2026 09:00:00 +0700" "Lunch?" (("Bob" NIL "bob" "example.org")) NIL NIL ((NIL NIL "alice" "example.com")) NIL NIL NIL NIL)`
	tests := []struct {
		name  string
		start int // messages known to exist
		cmd   string
		wire  string
		want  []events.LocalMessage
		seq   []uint32
	}{
		{
			name:  "a summary FETCH caches subject, sender, size and flags, and nothing of the body",
			start: 1, cmd: "a3 FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)",
			wire: "* 1 FETCH (UID 7 FLAGS (\\Recent) RFC822.SIZE 238 " + env + ")\na3 OK done\n",
			want: []events.LocalMessage{{UID: 7, Mailbox: "INBOX", Subject: "Lunch?", From: `"Bob" <bob@example.org>`, Size: 238, Flags: []string{`\Recent`}}},
			seq:  []uint32{7},
		},
		{
			name:  "BODY[] caches the whole message from its literal, headers read from it",
			start: 1, cmd: "a4 FETCH 1 (BODY[])",
			wire: "* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] {39}\nSubject: Hi\r\nFrom: <b@x.org>\r\n\r\nHello\r\n)\na4 OK done\n",
			want: []events.LocalMessage{{UID: 7, Mailbox: "INBOX", Subject: "Hi", From: "<b@x.org>", Size: 39, Flags: []string{`\Seen`}, Body: true, Parts: "whole message", Bytes: 39}},
			seq:  []uint32{7},
		},
		{
			name:  "BODY.PEEK[1] caches one part and counts its octets, not the whole message",
			start: 2, cmd: "a5 FETCH 2 (UID BODY.PEEK[1])",
			wire: "* 2 FETCH (UID 9 BODY[1] {5}\nhello)\na5 OK done\n",
			want: []events.LocalMessage{{UID: 9, Mailbox: "INBOX", Parts: "part 1", Bytes: 5}},
			seq:  []uint32{0, 9},
		},
		{
			name:  "HEADER.FIELDS with its list inside the brackets is one item",
			start: 1, cmd: "a6 UID FETCH 7 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])",
			wire: "* 1 FETCH (UID 7 BODY[HEADER.FIELDS (SUBJECT FROM)] {32}\nSubject: Hi\r\nFrom: <b@x.org>\r\n\r\n)\na6 OK done\n",
			want: []events.LocalMessage{{UID: 7, Mailbox: "INBOX", Subject: "Hi", From: "<b@x.org>", Parts: "headers", Bytes: 32}},
			seq:  []uint32{7},
		},
		{
			name:  "a partial fetch is a slice, not the whole message",
			start: 1, cmd: "a7 FETCH 1 (UID BODY.PEEK[]<0.10>)",
			wire: "* 1 FETCH (UID 7 BODY[]<0> {10}\nSubject: H)\na7 OK done\n",
			want: []events.LocalMessage{{UID: 7, Mailbox: "INBOX", Parts: "whole message (a slice)", Bytes: 10}},
			seq:  []uint32{7},
		},
		{
			name:  "BODYSTRUCTURE is summed up part by part, with the attachment's name and size",
			start: 1, cmd: "a8 FETCH 1 (UID BODYSTRUCTURE)",
			wire: `* 1 FETCH (UID 3 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 212 6 NIL NIL NIL NIL)("image" "svg+xml" ("name" "dalat.svg") NIL NIL "base64" 6120 NIL ("attachment" ("filename" "dalat.svg")) NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL))` + "\na8 OK done\n",
			want: []events.LocalMessage{{UID: 3, Mailbox: "INBOX", Structure: "1 text/plain 212 B; 2 image/svg+xml dalat.svg 6120 B"}},
			seq:  []uint32{3},
		},
		{
			name:  "quoted strings keep their escapes and parentheses; encoded words are decoded",
			start: 1, cmd: `a9 FETCH 1 (UID ENVELOPE)`,
			wire: `* 1 FETCH (UID 4 ENVELOPE (NIL "=?utf-8?q?Th=C6=B0_m=E1=BB=9Bi?= \"(1)\"" (("=?utf-8?q?Lan?=" NIL "lan" "example.vn")) NIL NIL NIL NIL NIL NIL NIL))` + "\na9 OK done\n",
			want: []events.LocalMessage{{UID: 4, Mailbox: "INBOX", Subject: `Thư mới "(1)"`, From: `"Lan" <lan@example.vn>`}},
			seq:  []uint32{4},
		},
		{
			name:  "a reply to STORE updates no message the device has not cached",
			start: 1, cmd: `b3 STORE 1 +FLAGS (\Deleted)`,
			wire: "* 1 FETCH (UID 1 FLAGS (\\Deleted \\Seen))\nb3 OK done\n",
			want: nil,
			seq:  []uint32{1},
		},
		{
			name:  "a FETCH with no UID for a message whose UID is unknown cannot be filed",
			start: 1, cmd: "a3 FETCH 1 (FLAGS)",
			wire: "* 1 FETCH (FLAGS (\\Seen))\na3 OK done\n",
			want: nil,
			seq:  []uint32{0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := imapDeviceFor(tt.start)
			track(t, a, tt.cmd, tt.wire)
			if !equalLocal(a.local, tt.want) {
				t.Errorf("cache\n got %+v\nwant %+v", a.local, tt.want)
			}
			if !slices.Equal(a.sess.imap.seq, tt.seq) {
				t.Errorf("seq -> UID %v, want %v", a.sess.imap.seq, tt.seq)
			}
		})
	}
}

func equalLocal(a, b []events.LocalMessage) bool {
	return slices.EqualFunc(a, b, func(x, y events.LocalMessage) bool {
		return x.UID == y.UID && x.Mailbox == y.Mailbox && x.Subject == y.Subject && x.From == y.From &&
			x.Size == y.Size && slices.Equal(x.Flags, y.Flags) && x.Body == y.Body && x.Parts == y.Parts &&
			x.Bytes == y.Bytes && x.Structure == y.Structure
	})
}

func uids(local []events.LocalMessage) []uint32 {
	var out []uint32
	for _, m := range local {
		out = append(out, m.UID)
	}
	return out
}

// The cache follows the server through a whole session: select, summary,
// another device's changes, expunges, new mail in IDLE.
func TestIMAPDeviceCacheMirrorsTheServer(t *testing.T) {
	a := &actor{sess: &session{}}
	track(t, a, "a2 SELECT inbox", "* 3 EXISTS\n* OK [UIDVALIDITY 1001] UIDs valid\na2 OK [READ-WRITE] SELECT completed\n")
	if c := a.sess.imap; c.selected != "INBOX" || len(c.seq) != 3 || c.readOnly {
		t.Fatalf("after SELECT: %+v", c)
	}
	track(t, a, "a3 FETCH 1:* (UID FLAGS)", "* 1 FETCH (UID 1 FLAGS ())\n* 2 FETCH (UID 2 FLAGS ())\n* 3 FETCH (UID 5 FLAGS ())\na3 OK done\n")
	if got := uids(a.local); !slices.Equal(got, []uint32{1, 2, 5}) {
		t.Fatalf("cached %v", got)
	}

	// Another device reads message 2 and expunges message 1: NOOP tells.
	track(t, a, "a4 NOOP", "* 2 FETCH (FLAGS (\\Seen))\n* 1 EXPUNGE\na4 OK NOOP completed\n")
	if got := uids(a.local); !slices.Equal(got, []uint32{2, 5}) {
		t.Fatalf("after EXPUNGE 1: cached %v", got)
	}
	if !slices.Equal(a.local[0].Flags, []string{`\Seen`}) {
		t.Errorf("UID 2's flags %v, want \\Seen (the FETCH named it by sequence number)", a.local[0].Flags)
	}
	if !slices.Equal(a.sess.imap.seq, []uint32{2, 5}) {
		t.Errorf("seq -> UID %v: message numbers shift down after an EXPUNGE", a.sess.imap.seq)
	}

	// IDLE: the "+" ends the reply; updates come one line at a time.
	track(t, a, "a5 IDLE", "+ idling\n")
	if a.sess.imap.idleTag != "a5" {
		t.Fatalf("idle tag %q", a.sess.imap.idleTag)
	}
	a.sess.r = bufio.NewReader(strings.NewReader("* 2 EXPUNGE\r\n* 2 EXISTS\r\n"))
	r := &Runner{}
	for range 2 {
		if _, err := r.readUpdate(a); err != nil {
			t.Fatal(err)
		}
	}
	if got := uids(a.local); !slices.Equal(got, []uint32{2}) {
		t.Errorf("after EXPUNGE in IDLE: cached %v", got)
	}
	if !slices.Equal(a.sess.imap.seq, []uint32{2, 0}) {
		t.Errorf("after EXISTS in IDLE: seq -> UID %v, want [2 0] (the new UID is not known until fetched)", a.sess.imap.seq)
	}
	track(t, a, "DONE", "a5 OK IDLE done\n")
	if a.sess.imap.idleTag != "" {
		t.Error("still idling after DONE")
	}
	track(t, a, "a6 FETCH 2 (UID ENVELOPE)", `* 2 FETCH (UID 8 ENVELOPE (NIL "New" NIL NIL NIL NIL NIL NIL NIL NIL))`+"\na6 OK done\n")
	if got := uids(a.local); !slices.Equal(got, []uint32{2, 8}) {
		t.Errorf("after fetching the new message: cached %v", got)
	}

	// CLOSE expunges \Deleted messages silently: the client drops them.
	track(t, a, `a7 STORE 1 +FLAGS (\Deleted)`, "* 1 FETCH (UID 2 FLAGS (\\Seen \\Deleted))\na7 OK done\n")
	track(t, a, "a8 CLOSE", "a8 OK CLOSE completed\n")
	if got := uids(a.local); !slices.Equal(got, []uint32{8}) {
		t.Errorf("after CLOSE: cached %v, want [8]", got)
	}
	if a.sess.imap.selected != "" {
		t.Error("a mailbox is still selected after CLOSE")
	}
	// An update for no selected mailbox changes nothing.
	a.applyIMAPLine("* 1 EXPUNGE", nil, false)
	if len(a.local) != 1 {
		t.Error("an EXPUNGE with no mailbox selected removed a message")
	}

	// A new UIDVALIDITY means the cached UIDs name other messages now.
	track(t, a, "b1 EXAMINE INBOX", "* 1 EXISTS\n* OK [UIDVALIDITY 2002] new\nb1 OK [READ-ONLY] done\n")
	if len(a.local) != 0 || !a.sess.imap.readOnly {
		t.Errorf("after a UIDVALIDITY change: cached %v, read-only %v", uids(a.local), a.sess.imap.readOnly)
	}
}

func TestIMAPReplyReadingForIdle(t *testing.T) {
	var c imapConn
	rep, err := c.readReply(bufio.NewReader(strings.NewReader("+ idling\r\n")), "a5 IDLE")
	if err != nil || rep.Status != "+" {
		t.Fatalf("IDLE: %+v %v", rep, err)
	}
	if _, err := c.readReply(bufio.NewReader(strings.NewReader("")), "DONE"); err == nil {
		t.Error("DONE with no IDLE in progress: no error")
	}
	c.idleTag = "a5"
	rep, err = c.readReply(bufio.NewReader(strings.NewReader("* 4 EXISTS\r\na5 OK IDLE terminated\r\n")), "DONE")
	if err != nil || rep.Status != "OK" || len(rep.Lines) != 2 {
		t.Fatalf("DONE: %+v %v", rep, err)
	}
}

func TestIMAPVerb(t *testing.T) {
	tests := []struct{ cmd, tag, verb, args string }{
		{"a1 LOGIN alice pw", "a1", "LOGIN", "alice pw"},
		{"a2 uid fetch 1:* (FLAGS)", "a2", "UID FETCH", "1:* (FLAGS)"},
		{"done", "", "DONE", ""},
		{"Z3 LOGOUT", "Z3", "LOGOUT", ""},
	}
	for _, tt := range tests {
		tag, verb, args := imapVerb(tt.cmd)
		if tag != tt.tag || verb != tt.verb || args != tt.args {
			t.Errorf("imapVerb(%q) = %q %q %q, want %q %q %q", tt.cmd, tag, verb, args, tt.tag, tt.verb, tt.args)
		}
	}
}
