package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
	"mailsim/sim/mailstore"
)

func capsOf(t *testing.T, lines []string) []string {
	t.Helper()
	for _, l := range lines {
		if strings.HasPrefix(l, "* CAPABILITY ") {
			return strings.Fields(strings.TrimPrefix(l, "* CAPABILITY "))
		}
	}
	t.Fatalf("no CAPABILITY line in %q", lines)
	return nil
}

func tlsServer(t *testing.T, opts ...func(*Options)) (*testServer, *certs.Authority) {
	t.Helper()
	ca, err := certs.NewAuthority()
	must(t, err)
	cfg, err := ca.ServerConfig("imap.example.com")
	must(t, err)
	ts := newTestServer(t, append([]func(*Options){func(o *Options) { o.TLSConfig = cfg }}, opts...)...)
	return ts, ca
}

// startTLS upgrades c after STARTTLS.
func startTLS(t *testing.T, c *rawClient, ca *certs.Authority) {
	t.Helper()
	c.ok("STARTTLS")
	tc := tls.Client(c.conn, ca.ClientConfig("imap.example.com"))
	must(t, tc.Handshake())
	c.conn = tc
	c.r = bufio.NewReader(tc)
}

// TestEveryCapabilityIsExercised proves that the library will not panic
// for any capability we advertise, and that each one works: a capability
// without an entry here fails the test.
func TestEveryCapabilityIsExercised(t *testing.T) {
	ts, ca := tlsServer(t)
	c := dial(t, ts.Addr)
	advertised := capsOf(t, c.ok("CAPABILITY"))
	c.ok("LOGIN alice pw")
	advertised = append(advertised, capsOf(t, c.ok("CAPABILITY"))...)

	selected := func(t *testing.T) *rawClient {
		c := ts.login(t, "alice", "pw")
		c.ok("SELECT INBOX")
		return c
	}
	exercise := map[string]func(t *testing.T){
		"IMAP4rev1": func(t *testing.T) {
			c := selected(t)
			wantHas(t, c.ok("FETCH 1 (FLAGS UID RFC822.SIZE INTERNALDATE)"), "* 1 FETCH (UID 1 FLAGS")
			wantHas(t, c.ok("SEARCH ALL"), "* SEARCH 1 2 3")
			c.ok("CHECK")
			c.ok("CLOSE")
		},
		"IMAP4rev2": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			wantHas(t, c.ok("ENABLE IMAP4rev2"), "* ENABLED IMAP4rev2")
			u := c.ok("SELECT INBOX")
			if has(u, "RECENT") {
				t.Errorf("IMAP4rev2 SELECT shows RECENT: %q", u)
			}
			wantHas(t, c.ok("SEARCH ALL"), "* ESEARCH")
		},
		"SASL-IR": func(t *testing.T) {
			c := dial(t, ts.Addr)
			ir := base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))
			c.ok("AUTHENTICATE PLAIN %s", ir)
		},
		"AUTH=PLAIN": func(t *testing.T) {
			c := dial(t, ts.Addr)
			c.tag++
			c.send(fmt.Sprintf("a%d AUTHENTICATE PLAIN", c.tag))
			if l := c.readLine(); !strings.HasPrefix(l, "+") {
				t.Fatalf("AUTHENTICATE PLAIN: %q", l)
			}
			c.send(base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw")))
			if l := c.readLine(); !strings.HasPrefix(l, fmt.Sprintf("a%d OK", c.tag)) {
				t.Fatalf("AUTHENTICATE PLAIN: %q", l)
			}
		},
		"LITERAL+": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			msg := "Subject: literal plus\r\n\r\nbody\r\n"
			c.tag++
			c.send(fmt.Sprintf("a%d APPEND Drafts {%d+}\r\n%s", c.tag, len(msg), msg))
			if l := c.readLine(); !strings.HasPrefix(l, fmt.Sprintf("a%d OK [APPENDUID", c.tag)) {
				t.Fatalf("APPEND with LITERAL+: %q", l)
			}
		},
		"LITERAL-": func(t *testing.T) {
			c := dial(t, ts.Addr)
			c.tag++
			c.send(fmt.Sprintf("a%d LOGIN {5+}\r\nalice {2+}\r\npw", c.tag))
			if l := c.readLine(); !strings.HasPrefix(l, fmt.Sprintf("a%d OK", c.tag)) {
				t.Fatalf("LOGIN with non-synchronizing literals: %q", l)
			}
		},
		"STARTTLS": func(t *testing.T) {
			c := dial(t, ts.Addr)
			startTLS(t, c, ca)
			caps := capsOf(t, c.ok("CAPABILITY"))
			if strings.Contains(strings.Join(caps, " "), "STARTTLS") {
				t.Errorf("STARTTLS offered inside TLS: %v", caps)
			}
			c.ok("LOGIN alice pw")
		},
		"UNSELECT": func(t *testing.T) {
			c := selected(t)
			c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
			c.ok("UNSELECT")
			if n := len(mustMessages(t, ts.Store, "alice", "INBOX")); n != 3 {
				t.Errorf("UNSELECT expunged: %d messages left", n)
			}
			c.ok("SELECT INBOX")
			c.ok("STORE 1 -FLAGS.SILENT (\\Deleted)")
		},
		"ENABLE": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			wantHas(t, c.ok("ENABLE UTF8=ACCEPT"), "* ENABLED UTF8=ACCEPT")
		},
		"UTF8=ACCEPT": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			c.ok("ENABLE UTF8=ACCEPT")
			c.ok(`CREATE "Café"`)
			wantHas(t, c.ok(`LIST "" "Caf*"`), `"Café"`)
			c.ok(`DELETE "Café"`)
		},
		"IDLE": func(t *testing.T) {
			c := selected(t)
			c.send("i1 IDLE")
			if l := c.readLine(); !strings.HasPrefix(l, "+ ") {
				t.Fatalf("IDLE: %q", l)
			}
			c.send("DONE")
			if l := c.readLine(); !strings.HasPrefix(l, "i1 OK") {
				t.Fatalf("IDLE DONE: %q", l)
			}
		},
		"NAMESPACE": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			wantHas(t, c.ok("NAMESPACE"), `* NAMESPACE (("" "/")) NIL NIL`)
		},
		"UIDPLUS": func(t *testing.T) {
			c := selected(t)
			_, st := c.cmd("APPEND INBOX {5+}\r\nhello")
			if !regexp.MustCompile(`^OK \[APPENDUID \d+ 4\]`).MatchString(st) {
				t.Errorf("APPEND: %q", st)
			}
			_, st = c.cmd("UID COPY 4 Trash")
			if !regexp.MustCompile(`^OK \[COPYUID \d+ 4 \d+\]`).MatchString(st) {
				t.Errorf("UID COPY: %q", st)
			}
			c.ok("UID STORE 1,4 +FLAGS.SILENT (\\Deleted)")
			u := c.ok("UID EXPUNGE 4")
			wantHas(t, u, "* 4 EXPUNGE")
			c.ok("UID STORE 1 -FLAGS.SILENT (\\Deleted)")
		},
		"MOVE": func(t *testing.T) {
			c := selected(t)
			c.ok("APPEND INBOX {4+}\r\nmove")
			u := c.ok("NOOP")
			_ = u
			u = c.ok("UID MOVE 5 Trash")
			wantHas(t, u, "* OK [COPYUID", "EXPUNGE")
		},
		"ESEARCH": func(t *testing.T) {
			c := selected(t)
			wantHas(t, c.ok("SEARCH RETURN (MIN MAX COUNT) ALL"), "* ESEARCH", "MIN 1", "MAX 3", "COUNT 3")
			wantHas(t, c.ok("UID SEARCH RETURN (ALL) 2:3"), "* ESEARCH", "UID ALL 2:3")
		},
		"STATUS=SIZE": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			wantHas(t, c.ok("STATUS INBOX (MESSAGES SIZE UNSEEN UIDNEXT UIDVALIDITY DELETED RECENT)"), "SIZE ", "MESSAGES ")
		},
		"SPECIAL-USE": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			u := c.ok(`LIST (SPECIAL-USE) "" "*"`)
			wantHas(t, u, `\Sent) "/" "Sent"`, `\Drafts) "/" "Drafts"`, `\Trash) "/" "Trash"`)
			if has(u, "INBOX") {
				t.Errorf("LIST (SPECIAL-USE) lists INBOX: %q", u)
			}
			wantHas(t, c.ok(`LIST "" "*" RETURN (SPECIAL-USE SUBSCRIBED STATUS (MESSAGES))`), `\Subscribed`, "* STATUS")
		},
		"UNAUTHENTICATE": func(t *testing.T) {
			c := selected(t)
			c.ok("UNAUTHENTICATE")
			_, st := c.cmd("SELECT INBOX")
			if !strings.HasPrefix(st, "BAD") {
				t.Errorf("SELECT after UNAUTHENTICATE: %q", st)
			}
			c.ok("LOGIN bob pw2")
		},
		"SEARCHRES": func(t *testing.T) {
			c := selected(t)
			c.ok("SEARCH RETURN (SAVE) FROM carol")
			wantHas(t, c.ok("FETCH $ (UID)"), "* 2 FETCH (UID 2)")
			wantHas(t, c.ok("UID SEARCH $"), "* SEARCH 2")
		},
		"LIST-EXTENDED": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			c.ok("UNSUBSCRIBE Trash")
			u := c.ok(`LIST (SUBSCRIBED) "" ("INBOX" "T*" "S*") RETURN (SUBSCRIBED)`)
			wantHas(t, u, `"/" INBOX`, `"Sent"`)
			if has(u, "Trash") {
				t.Errorf("LIST (SUBSCRIBED) shows the unsubscribed Trash: %q", u)
			}
			c.ok("SUBSCRIBE Trash")
		},
		"LIST-STATUS": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			wantHas(t, c.ok(`LIST "" "INBOX" RETURN (STATUS (MESSAGES UNSEEN))`), "* STATUS INBOX (MESSAGES 3 UNSEEN")
		},
		"CHILDREN": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			c.ok("CREATE Kids/One")
			wantHas(t, c.ok(`LIST "" "Kids*" RETURN (CHILDREN)`), `(\HasChildren) "/" "Kids"`, `(\HasNoChildren) "/" "Kids/One"`)
		},
		"APPENDLIMIT=": func(t *testing.T) {
			c := ts.login(t, "alice", "pw")
			_, st := c.cmd("APPEND INBOX {%d+}", ts.Srv.opts.AppendLimit+1)
			if !strings.Contains(st, "[TOOBIG]") {
				t.Errorf("APPEND over the limit: %q", st)
			}
		},
	}
	seen := map[string]bool{}
	for _, cp := range advertised {
		name := cp
		if strings.HasPrefix(cp, "APPENDLIMIT=") {
			name = "APPENDLIMIT="
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		fn := exercise[name]
		if fn == nil {
			t.Errorf("capability %s is advertised but no test exercises it", cp)
			continue
		}
		t.Run(name, fn)
	}
	for _, want := range []string{"IMAP4rev1", "IMAP4rev2", "IDLE", "UIDPLUS", "MOVE", "NAMESPACE", "LITERAL+", "SPECIAL-USE", "STARTTLS", "AUTH=PLAIN"} {
		if !seen[want] {
			t.Errorf("capability %s is not advertised", want)
		}
	}
}

func mustMessages(t *testing.T, st *mailstore.Store, user, mb string) []*mailstore.Message {
	t.Helper()
	msgs, _, err := st.Messages(user, mb)
	must(t, err)
	return msgs
}

func TestAuthPolicy(t *testing.T) {
	t.Run("TLS-only refuses passwords in clear text with PRIVACYREQUIRED", func(t *testing.T) {
		ts, ca := tlsServer(t, func(o *Options) { o.Plaintext = authpolicy.TLSOnly })
		c := dial(t, ts.Addr)
		if caps := strings.Join(capsOf(t, c.ok("CAPABILITY")), " "); strings.Contains(caps, "AUTH=PLAIN") {
			t.Errorf("AUTH=PLAIN offered in clear text: %s", caps)
		}
		for _, cmd := range []string{"LOGIN alice pw", "AUTHENTICATE PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00alice\x00pw"))} {
			if _, st := c.cmd("%s", cmd); !strings.HasPrefix(st, "NO [PRIVACYREQUIRED]") {
				t.Errorf("%s in clear text: %q", strings.Fields(cmd)[0], st)
			}
		}
		startTLS(t, c, ca)
		c.ok("LOGIN alice pw")
	})
	t.Run("a wrong password waits for the throttle and says AUTHENTICATIONFAILED", func(t *testing.T) {
		ts := newTestServer(t, func(o *Options) { o.Throttle = &authpolicy.Throttle{Base: 60 * time.Millisecond} })
		c := dial(t, ts.Addr)
		start := time.Now()
		if _, st := c.cmd("LOGIN alice wrong"); !strings.HasPrefix(st, "NO [AUTHENTICATIONFAILED]") {
			t.Errorf("wrong password: %q", st)
		}
		if d := time.Since(start); d < 60*time.Millisecond {
			t.Errorf("failed login answered after %v, before the throttle's 60ms", d)
		}
		if _, st := c.cmd("LOGIN nobody pw"); !strings.HasPrefix(st, "NO [AUTHENTICATIONFAILED]") {
			t.Errorf("unknown user: %q", st)
		}
		c.ok("LOGIN ALICE pw") // user names are case-insensitive
	})
	t.Run("SASL PLAIN refuses another authorization identity", func(t *testing.T) {
		ts := newTestServer(t)
		c := dial(t, ts.Addr)
		ir := base64.StdEncoding.EncodeToString([]byte("bob\x00alice\x00pw"))
		if _, st := c.cmd("AUTHENTICATE PLAIN %s", ir); !strings.HasPrefix(st, "NO") {
			t.Errorf("AUTHENTICATE as bob with alice's password: %q", st)
		}
		if _, st := c.cmd("AUTHENTICATE CRAM-MD5"); !strings.HasPrefix(st, "NO") {
			t.Errorf("AUTHENTICATE CRAM-MD5: %q", st)
		}
	})
}

func TestMailboxErrors(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login(t, "alice", "pw")
	long := strings.Repeat("a", 5000)
	for _, tc := range []struct{ cmd, want string }{
		{`CREATE "../x"`, "NO [CANNOT]"},
		{`CREATE "/etc"`, "NO [CANNOT]"},
		{`CREATE "` + long + `"`, "NO [CANNOT]"},
		{`CREATE "a/./b"`, "NO [CANNOT]"},
		{`CREATE INBOX`, "NO [ALREADYEXISTS]"},
		{`CREATE Sent`, "NO [ALREADYEXISTS]"},
		{`SELECT "../x"`, "NO"},
		{`SELECT "/etc"`, "NO"},
		{`SELECT "` + long + `"`, "NO"},
		{`SELECT Nope`, "NO [NONEXISTENT]"},
		{`STATUS "/etc" (MESSAGES)`, "NO"},
		{`DELETE INBOX`, "NO [CANNOT]"},
		{`DELETE Nope`, "NO [NONEXISTENT]"},
		{`RENAME INBOX "../x"`, "NO [CANNOT]"},
		{`RENAME Sent Drafts`, "NO [ALREADYEXISTS]"},
		{`SUBSCRIBE "/etc"`, "NO"},
		{"APPEND Nope {5+}\r\nhello", "NO [TRYCREATE]"},
		{"APPEND \"../x\" {5+}\r\nhello", "NO"},
	} {
		if _, st := c.cmd("%s", tc.cmd); !strings.HasPrefix(st, tc.want) {
			t.Errorf("%.60s: got %q, want %s", tc.cmd, st, tc.want)
		}
	}
	c.ok("SELECT INBOX")
	for _, cmd := range []string{"COPY 1 Nope", "MOVE 1 Nope", "UID COPY 1 Nope"} {
		if _, st := c.cmd("%s", cmd); !strings.HasPrefix(st, "NO [TRYCREATE]") {
			t.Errorf("%s: %q", cmd, st)
		}
	}
	// Hierarchy: CREATE makes the superior levels; LIST shows them.
	c.ok("CREATE Projects/2026/")
	u := c.ok(`LIST "" "Projects*"`)
	wantHas(t, u, `(\HasChildren) "/" "Projects"`, `(\HasNoChildren) "/" "Projects/2026"`)
	u = c.ok(`LIST "" "%%"`)
	if has(u, "2026") {
		t.Errorf(`LIST "" "%%" shows a second level: %q`, u)
	}
	wantHas(t, c.ok(`LIST "" "inbox"`), `"/" INBOX`)
	c.ok("RENAME Projects/2026 Projects/Old")
	wantHas(t, c.ok(`LSUB "" "*"`), "Projects/Old")
	c.ok("UNSUBSCRIBE Projects/Old")
	if has(c.ok(`LSUB "" "*"`), "Projects/Old") {
		t.Error("UNSUBSCRIBE left the mailbox in LSUB")
	}
}

func TestQuota(t *testing.T) {
	ts := newTestServer(t)
	info, err := ts.Store.Mailbox("alice", "INBOX")
	must(t, err)
	must(t, ts.Store.SetQuota("alice", info.Size+10))
	c := ts.login(t, "alice", "pw")
	if _, st := c.cmd("APPEND INBOX {40+}\r\n%s", strings.Repeat("x", 40)); !strings.HasPrefix(st, "NO [OVERQUOTA]") {
		t.Errorf("APPEND over quota: %q", st)
	}
	c.ok("SELECT INBOX")
	if _, st := c.cmd("COPY 1:* Sent"); !strings.HasPrefix(st, "NO [OVERQUOTA]") {
		t.Errorf("COPY over quota: %q", st)
	}
	c.ok("MOVE 1 Sent") // a move does not grow the account
}

func TestReadOnlyExamine(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login(t, "alice", "pw")
	c.ok("EXAMINE INBOX")
	for _, cmd := range []string{"STORE 1 +FLAGS (\\Seen)", "MOVE 1 Trash"} {
		if _, st := c.cmd("%s", cmd); !strings.HasPrefix(st, "NO") {
			t.Errorf("%s in EXAMINE: %q", cmd, st)
		}
	}
	c.ok("FETCH 1 BODY[]")
	if m, _ := ts.Store.Message("alice", "INBOX", 1); m.HasFlag(mailstore.FlagSeen) {
		t.Error("BODY[] in a read-only mailbox set \\Seen")
	}
	c.ok("CLOSE")
}

func TestRecent(t *testing.T) {
	ts := newTestServer(t)
	a := ts.login(t, "alice", "pw")
	wantHas(t, a.ok("SELECT INBOX"), "* 3 RECENT")
	wantHas(t, a.ok("FETCH 1 FLAGS"), `FLAGS (\Recent)`)
	b := ts.login(t, "alice", "pw")
	wantHas(t, b.ok("SELECT INBOX"), "* 0 RECENT")
	_, err := ts.Store.Deliver("alice", testMessage(4))
	must(t, err)
	wantHas(t, a.ok("NOOP"), "* 4 EXISTS", "* 4 RECENT")
	u := b.ok("NOOP")
	wantHas(t, u, "* 4 EXISTS")
	if has(u, "RECENT") {
		t.Errorf("second session also got \\Recent: %q", u)
	}
	wantHas(t, b.ok("SEARCH RECENT"), "* SEARCH")
	wantHas(t, a.ok("SEARCH NEW"), "* SEARCH 1 2 3 4")
	c := ts.login(t, "alice", "pw")
	wantHas(t, c.ok("STATUS INBOX (RECENT)"), "RECENT 0")
}

// TestTwoSessions checks that one session's changes, and a POP3-style
// removal through the store, reach another with right sequence numbers.
func TestTwoSessions(t *testing.T) {
	ts := newTestServer(t)
	a := ts.login(t, "alice", "pw")
	b := ts.login(t, "alice", "pw")
	a.ok("SELECT INBOX")
	b.ok("SELECT INBOX")

	wantHas(t, a.ok("STORE 1 +FLAGS (\\Flagged)"), `* 1 FETCH (FLAGS (\Flagged \Recent))`)
	wantHas(t, b.ok("NOOP"), `* 1 FETCH (FLAGS (\Flagged))`)
	if u := a.ok("NOOP"); has(u, "FETCH") {
		t.Errorf("STORE echoed back to its own session: %q", u)
	}

	// b idles; a's flag change arrives at once.
	b.send("i1 IDLE")
	if l := b.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	a.ok("STORE 2 +FLAGS.SILENT (\\Seen)")
	if l := b.readLine(); l != `* 2 FETCH (FLAGS (\Seen))` {
		t.Errorf("idling session got %q", l)
	}
	// A POP3 session's deletion (Store.Remove at QUIT) is an EXPUNGE.
	_, err := ts.Store.Remove("alice", "INBOX", []uint32{2}, "pop3")
	must(t, err)
	if l := b.readLine(); l != "* 2 EXPUNGE" {
		t.Errorf("idling session got %q after Store.Remove", l)
	}
	b.send("DONE")
	if l := b.readLine(); !strings.HasPrefix(l, "i1 OK") {
		t.Fatalf("DONE: %q", l)
	}
	wantHas(t, a.ok("NOOP"), "* 2 EXPUNGE")

	// Changes queued while b is not listening keep b's numbering right:
	// two deliveries, then removal of UID 1 (known) and UID 4 (not yet
	// announced to b).
	for i := 4; i <= 5; i++ {
		_, err := ts.Store.Deliver("alice", testMessage(i))
		must(t, err)
	}
	_, err = ts.Store.Remove("alice", "INBOX", []uint32{1, 4}, "pop3")
	must(t, err)
	// FETCH may not send EXPUNGE: seq 1 (gone) is skipped, seq 2 is UID 3.
	u := b.ok("FETCH 1:* (UID)")
	wantHas(t, u, "* 2 FETCH (UID 3)")
	if has(u, "EXPUNGE") {
		t.Errorf("FETCH sent EXPUNGE: %q", u)
	}
	u = b.ok("NOOP")
	if got := strings.Join(u, "|"); !strings.Contains(got, "* 1 EXPUNGE|* 2 EXPUNGE") {
		t.Errorf("NOOP after removals: %q", u)
	}
	u = b.ok("FETCH 1:* (UID)")
	if got := strings.Join(u, "|"); got != "* 1 FETCH (UID 3)|* 2 FETCH (UID 5)" {
		t.Errorf("after the updates FETCH 1:* gives %q", got)
	}
}

func TestIdleSeesDeliveryWithin100ms(t *testing.T) {
	ts := newTestServer(t)
	c := ts.login(t, "alice", "pw")
	c.ok("SELECT INBOX")
	c.send("i1 IDLE")
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	for i := 4; i <= 6; i++ {
		start := time.Now()
		_, err := ts.Store.Deliver("alice", testMessage(i))
		must(t, err)
		l := c.readLine()
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("EXISTS arrived %v after delivery", d)
		}
		if want := fmt.Sprintf("* %d EXISTS", i); l != want {
			t.Errorf("got %q, want %q", l, want)
		}
		c.readLine() // * n RECENT
	}
	c.send("DONE")
	if l := c.readLine(); !strings.HasPrefix(l, "i1 OK") {
		t.Fatalf("DONE: %q", l)
	}
}

// TestSelectWhileTheFeedRuns selects, fetches and unselects while other
// goroutines deliver and remove messages, then checks every session's
// numbering against the store.
func TestSelectWhileTheFeedRuns(t *testing.T) {
	ts := newTestServer(t)
	const sessions = 6
	clients := make([]*rawClient, sessions)
	for i := range clients {
		clients[i] = ts.login(t, "alice", "pw")
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 150; i++ {
			uid, err := ts.Store.Deliver("alice", testMessage(i))
			if err != nil {
				done <- err
				return
			}
			if i%3 == 0 {
				ts.Store.Remove("alice", "INBOX", []uint32{uid - 1}, nil)
			}
			if i%5 == 0 {
				ts.Store.SetFlags("alice", "INBOX", []uint32{uid}, mailstore.FlagsAdd, []string{mailstore.FlagSeen}, nil)
			}
		}
		done <- nil
	}()
	for round := 0; round < 10; round++ {
		for _, c := range clients {
			c.ok("SELECT INBOX")
			c.ok("FETCH 1:* (UID FLAGS)")
			if round%2 == 0 {
				c.ok("UNSELECT")
			}
		}
	}
	must(t, <-done)
	var want []string
	for i, m := range mustMessages(t, ts.Store, "alice", "INBOX") {
		want = append(want, fmt.Sprintf("* %d FETCH (UID %d)", i+1, m.UID))
	}
	for i, c := range clients {
		c.ok("SELECT INBOX")
		c.ok("NOOP")
		got := c.ok("FETCH 1:* (UID)")
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("session %d sees\n%s\nwant\n%s", i, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// A session that stayed selected through it all.
	stay := ts.login(t, "alice", "pw")
	stay.ok("SELECT INBOX")
	for i := 0; i < 20; i++ {
		uid, err := ts.Store.Deliver("alice", testMessage(i))
		must(t, err)
		if i%2 == 0 {
			ts.Store.Remove("alice", "INBOX", []uint32{uid}, nil)
		}
	}
	stay.ok("NOOP")
	want = want[:0]
	for i, m := range mustMessages(t, ts.Store, "alice", "INBOX") {
		want = append(want, fmt.Sprintf("* %d FETCH (UID %d)", i+1, m.UID))
	}
	if got := stay.ok("FETCH 1:* (UID)"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("selected session sees\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(ts.log.String(), "panic") {
		t.Errorf("server log shows a panic:\n%s", ts.log)
	}
}

// TestBadInput sends what a broken or hostile client might: each gets
// BAD, NO or BYE (or a closed connection), and the server keeps serving.
func TestBadInput(t *testing.T) {
	ts := newTestServer(t)
	answered := func(t *testing.T, c *rawClient, tag string) string {
		t.Helper()
		for {
			l, err := c.readLineErr(10 * time.Second)
			if err != nil {
				return "closed: " + err.Error()
			}
			if strings.HasPrefix(l, tag+" ") || strings.HasPrefix(l, "* BYE") {
				return l
			}
		}
	}
	wantRefused := func(t *testing.T, got string) {
		t.Helper()
		if !regexp.MustCompile(`^(\S+ (BAD|NO)|\* BYE|closed: )`).MatchString(got) {
			t.Errorf("answer %q, want BAD, NO, BYE or a closed connection", got)
		}
	}

	t.Run("a 10 MB line", func(t *testing.T) {
		c := ts.login(t, "alice", "pw")
		go func() {
			c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			c.conn.Write([]byte("x1 NOOP " + strings.Repeat("x", 10<<20) + "\r\n"))
		}()
		wantRefused(t, answered(t, c, "x1"))
	})
	t.Run("a literal of 4294967296 octets", func(t *testing.T) {
		c := ts.login(t, "alice", "pw")
		c.send("x1 APPEND INBOX {4294967296}")
		got := answered(t, c, "x1")
		wantRefused(t, got)
		// Before login too, the refusal comes at once (the client waits
		// for "+"), and the session goes on.
		c2 := dial(t, ts.Addr)
		c2.send("x2 LOGIN {4294967296}")
		wantRefused(t, answered(t, c2, "x2"))
		c2.ok("NOOP")
	})
	t.Run("a literal of -1 octets", func(t *testing.T) {
		c := dial(t, ts.Addr)
		c.send("x1 LOGIN {-1}")
		wantRefused(t, answered(t, c, "x1"))
	})
	t.Run("a literal never sent", func(t *testing.T) {
		c := ts.login(t, "alice", "pw")
		c.send("x1 APPEND INBOX {100}")
		if l := c.readLine(); !strings.HasPrefix(l, "+") {
			t.Fatalf("APPEND: %q", l)
		}
		c.send("only part")
		// The stalled session holds nothing: others go on.
		other := ts.login(t, "alice", "pw")
		other.ok("SELECT INBOX")
		other.ok("FETCH 1:* FLAGS")
		c.conn.Close()
		waitSessions(t, ts, 1)
		if n := len(mustMessages(t, ts.Store, "alice", "INBOX")); n != 3 {
			t.Errorf("a cut-off APPEND delivered a message: INBOX has %d", n)
		}
	})
	t.Run("parentheses nested 1,000 deep", func(t *testing.T) {
		c := ts.login(t, "alice", "pw")
		c.ok("SELECT INBOX")
		deep := strings.Repeat("(", 1000) + "FLAGS" + strings.Repeat(")", 1000)
		_, st := c.cmd("FETCH 1 %s", deep)
		wantRefused(t, "x "+st)
		deep = strings.Repeat("(", 1000) + "ALL" + strings.Repeat(")", 1000)
		c.cmd("SEARCH %s", deep) // valid or not: any tagged answer
		c.ok("NOOP")
	})
	t.Run("sequence sets on an empty mailbox", func(t *testing.T) {
		c := ts.login(t, "alice", "pw")
		c.ok("SELECT Trash")
		// go-imap's parser answers NO [SERVERBUG] here, before our code runs.
		if _, st := c.cmd("FETCH 0 FLAGS"); !strings.HasPrefix(st, "BAD") && !strings.HasPrefix(st, "NO") {
			t.Errorf("FETCH 0: %q", st)
		}
		for _, cmd := range []string{"FETCH *:* FLAGS", "FETCH 4294967295 FLAGS", "FETCH 1:4294967295 FLAGS",
			"UID FETCH 4294967295 FLAGS", "UID FETCH *:* FLAGS", "STORE *:* +FLAGS (\\Seen)", "COPY 1:* Sent",
			"SEARCH 4294967295", "UID SEARCH UID *", "MOVE * Sent", "UID EXPUNGE 1:*"} {
			u, st := c.cmd("%s", cmd)
			if !strings.HasPrefix(st, "OK") && !strings.HasPrefix(st, "BAD") && !strings.HasPrefix(st, "NO") {
				t.Errorf("%s: %q", cmd, st)
			}
			if has(u, "FETCH (") {
				t.Errorf("%s on an empty mailbox answered %q", cmd, u)
			}
		}
		c.ok("SELECT INBOX")
		u := c.ok("FETCH 1:4294967295 (UID)")
		if len(u) != 3 {
			t.Errorf("FETCH 1:4294967295 on 3 messages: %q", u)
		}
	})
	t.Run("commands in the wrong state", func(t *testing.T) {
		c := dial(t, ts.Addr)
		for _, cmd := range []string{"SELECT INBOX", "FETCH 1 FLAGS", "LIST \"\" *", "IDLE", "EXPUNGE", "APPEND INBOX {1+}\r\nx"} {
			if _, st := c.cmd("%s", cmd); !strings.HasPrefix(st, "BAD") && !strings.HasPrefix(st, "NO") {
				t.Errorf("%s before login: %q", cmd, st)
			}
		}
		c.ok("LOGIN alice pw")
		for _, cmd := range []string{"FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "EXPUNGE", "CLOSE", "LOGIN alice pw", "SEARCH ALL", "MOVE 1 Trash"} {
			if _, st := c.cmd("%s", cmd); !strings.HasPrefix(st, "BAD") && !strings.HasPrefix(st, "NO") {
				t.Errorf("%s when not selected: %q", cmd, st)
			}
		}
	})
	t.Run("an HTTP request before login", func(t *testing.T) {
		c := dial(t, ts.Addr)
		c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		wantRefused(t, answered(t, c, "GET"))
	})

	// The server still serves, and the library's complaints went to Logf.
	c := ts.login(t, "bob", "pw2")
	c.ok("SELECT INBOX")
	if log := ts.log.String(); strings.Contains(log, "panic") || !strings.Contains(log, "client error") {
		t.Errorf("server log (want library errors, no panic):\n%s", log)
	}
}

// waitSessions waits until the server has at most n open sessions.
func waitSessions(t *testing.T, ts *testServer, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ts.Srv.mu.Lock()
		got := len(ts.Srv.sessions)
		ts.Srv.mu.Unlock()
		if got <= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still open, want at most %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestShutdownSaysBye(t *testing.T) {
	ts := newTestServer(t)
	idle := ts.login(t, "alice", "pw")
	idle.ok("SELECT INBOX")
	idle.send("i1 IDLE")
	idle.readLine()
	fresh := dial(t, ts.Addr)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	must(t, ts.Srv.Shutdown(ctx))
	for name, c := range map[string]*rawClient{"idling": idle, "not logged in": fresh} {
		if l := c.readLine(); !strings.HasPrefix(l, "* BYE") {
			t.Errorf("%s session got %q, want * BYE", name, l)
		}
	}
	if conn, err := net.DialTimeout("tcp", ts.Addr, time.Second); err == nil {
		conn.Close()
		t.Error("server still accepts connections after Shutdown")
	}
}

func TestRenameAndDeleteSelected(t *testing.T) {
	ts := newTestServer(t)
	a := ts.login(t, "alice", "pw")
	a.ok("CREATE Work")
	a.ok("SELECT INBOX")
	a.ok("COPY 1:* Work")
	a.ok("SELECT Work")
	b := ts.login(t, "alice", "pw")
	b.ok("RENAME Work Job")
	_, err := ts.Store.Deliver("alice", testMessage(7))
	must(t, err)
	a.ok("NOOP")
	b.ok("DELETE Job")
	if _, st := a.cmd("FETCH 1 FLAGS"); !strings.HasPrefix(st, "OK") && !strings.HasPrefix(st, "NO") {
		t.Errorf("FETCH in a deleted mailbox: %q", st)
	}
}
