package imap

import (
	"net"
	"slices"
	"strings"
	"testing"
)

// These tests pin the shape of unsolicited updates to what Dovecot 2.3.19
// sends for the same commands (measured by replaying them against it; the
// fidelity test in cmd/mailsim checks the lessons the same way).

func TestUnsolicitedUpdatesAreShapedLikeDovecots(t *testing.T) {
	ts := newTestServer(t)
	a := ts.login(t, "alice", "pw")
	b := ts.login(t, "alice", "pw")
	wantHas(t, a.ok("SELECT INBOX"), "* 3 RECENT")
	wantHas(t, b.ok("SELECT INBOX"), "* 0 RECENT")

	// b flags 1, a message arrives, b deletes and expunges 2.
	wantLines(t, b.ok("STORE 1 +FLAGS (\\Flagged)"), `* 1 FETCH (FLAGS (\Flagged))`)
	_, err := ts.Store.Deliver("alice", testMessage(4))
	must(t, err)
	// b hears of the new message first, so it is \Recent to b.
	wantLines(t, b.ok("STORE 2 +FLAGS (\\Deleted)"), `* 2 FETCH (FLAGS (\Deleted))`, "* 4 EXISTS", "* 1 RECENT")
	wantLines(t, b.ok("EXPUNGE"), "* 2 EXPUNGE")
	// a: the flags as a sees them (\Recent is a's), no FETCH for the
	// expunged message, then EXISTS and EXPUNGE in the order they
	// happened (Dovecot sends the EXPUNGEs first and then "* 3 EXISTS";
	// both are right, and the allow-list of the fidelity test says so),
	// then RECENT.
	wantLines(t, a.ok("NOOP"), `* 1 FETCH (FLAGS (\Flagged \Recent))`, "* 4 EXISTS", "* 2 EXPUNGE", "* 2 RECENT")

	// No UID unless asked for or a UID command.
	wantLines(t, a.ok("FETCH 1 FLAGS"), `* 1 FETCH (FLAGS (\Flagged \Recent))`)
	wantLines(t, a.ok("FETCH 1 (UID FLAGS)"), `* 1 FETCH (UID 1 FLAGS (\Flagged \Recent))`)
	wantLines(t, a.ok("UID FETCH 1 FLAGS"), `* 1 FETCH (UID 1 FLAGS (\Flagged \Recent))`)
	wantLines(t, a.ok("STORE 1 -FLAGS (\\Flagged)"), `* 1 FETCH (FLAGS (\Recent))`)
	wantLines(t, a.ok("UID STORE 1 +FLAGS (\\Seen)"), `* 1 FETCH (UID 1 FLAGS (\Seen \Recent))`)
	wantLines(t, b.ok("NOOP"), `* 1 FETCH (FLAGS (\Seen))`)

	// A message that is flagged and expunged before a polls is only
	// expunged, however many times its flags changed.
	b.ok("STORE 2 +FLAGS (\\Seen)")
	b.ok("STORE 2 +FLAGS (\\Deleted)")
	b.ok("EXPUNGE")
	wantLines(t, a.ok("NOOP"), "* 2 EXPUNGE", "* 1 RECENT")
}

// TestRecentGoesToTheIdler: mail that arrives while one session idles is
// \Recent to the idler, the first to hear of it, even if another session
// selected the mailbox earlier (RFC 3501 §2.3.2; Dovecot does the same).
func TestRecentGoesToTheIdler(t *testing.T) {
	ts := newTestServer(t)
	laptop := ts.login(t, "alice", "pw")
	laptop.ok("SELECT INBOX")
	phone := ts.login(t, "alice", "pw")
	wantHas(t, phone.ok("SELECT INBOX"), "* 0 RECENT")
	phone.send("i1 IDLE")
	if l := phone.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("IDLE: %q", l)
	}
	_, err := ts.Store.Deliver("alice", testMessage(4))
	must(t, err)
	for _, want := range []string{"* 4 EXISTS", "* 1 RECENT"} {
		if l := phone.readLine(); l != want {
			t.Errorf("idling phone got %q, want %q", l, want)
		}
	}
	phone.send("DONE")
	if l := phone.readLine(); !strings.HasPrefix(l, "i1 OK") {
		t.Fatalf("DONE: %q", l)
	}
	wantLines(t, phone.ok("FETCH 4 FLAGS"), `* 4 FETCH (FLAGS (\Recent))`)
	wantLines(t, laptop.ok("NOOP"), "* 4 EXISTS")
	wantLines(t, laptop.ok("FETCH 4 FLAGS"), `* 4 FETCH (FLAGS ())`)
}

// TestRecentSurvivesARestart: a server that stops and starts again with
// the same RecentTable does not make mail \Recent a second time, as
// Dovecot, which keeps \Recent in its index files, does not.
func TestRecentSurvivesARestart(t *testing.T) {
	table := NewRecentTable()
	ts := newTestServer(t, func(o *Options) { o.Recent = table })
	a := ts.login(t, "alice", "pw")
	wantHas(t, a.ok("SELECT INBOX"), "* 3 RECENT")
	a.ok("LOGOUT")
	ts.Srv.Close()

	b := startAndLogin(t, Options{Store: ts.Store, Recent: table})
	wantHas(t, b.ok("SELECT INBOX"), "* 0 RECENT")

	// Without the table (a server that keeps \Recent in memory only),
	// the same mail is \Recent again.
	c := startAndLogin(t, Options{Store: ts.Store})
	wantHas(t, c.ok("SELECT INBOX"), "* 3 RECENT")
}

// startAndLogin starts a server with o on 127.0.0.1 and logs alice in.
func startAndLogin(t *testing.T, o Options) *rawClient {
	t.Helper()
	srv := NewServer(o)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	c := dial(t, ln.Addr().String())
	c.ok("LOGIN alice pw")
	return c
}

// wantLines fails unless the untagged lines are exactly want.
func wantLines(t testing.TB, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("untagged lines:\n  got  %q\n  want %q", got, want)
	}
}

// TestRecentClaimedByAnotherProtocol: a POP3 session that opened the
// maildrop (RecentTable.Claim) has seen the mail first, as in Dovecot.
func TestRecentClaimedByAnotherProtocol(t *testing.T) {
	table := NewRecentTable()
	ts := newTestServer(t, func(o *Options) { o.Recent = table })
	table.Claim("alice", "inbox", 2)
	a := ts.login(t, "alice", "pw")
	wantHas(t, a.ok("SELECT INBOX"), "* 1 RECENT")
	wantLines(t, a.ok("FETCH 2:3 FLAGS"), `* 2 FETCH (FLAGS ())`, `* 3 FETCH (FLAGS (\Recent))`)
}
