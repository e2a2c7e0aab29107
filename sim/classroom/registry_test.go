package classroom

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mailsim/sim/wire"
)

// feed plays a conversation into a registry: lines starting "C: " are the
// client's, "S: " the server's; "L: " a client literal (block). Units get
// the Command and Tag the wire framer would give them.
func feed(r *Registry, id uint64, p wire.Protocol, implicitTLS bool, script ...string) {
	r.Open(wire.ConnInfo{ID: id, Protocol: p, Side: wire.ServerSide, Local: "127.0.0.1:1143", Remote: "127.0.0.1:5000", ImplicitTLS: implicitTLS})
	verbs := map[string]bool{"USER": true, "PASS": true, "QUIT": true, "NOOP": true, "AUTH": true, "EHLO": true, "STAT": true, "DATA": true}
	cmd, tag := "", ""
	for i, s := range script {
		u := wire.Unit{Conn: id, Seq: i, Time: time.Now(), Kind: wire.Line, Lines: 1, Text: s[3:], Len: len(s) - 1}
		if implicitTLS {
			u.Layer = wire.Inner
		}
		f := strings.Fields(s[3:])
		switch s[:3] {
		case "C: ":
			u.Dir = wire.ClientToServer
			switch {
			case p == wire.IMAP && len(f) > 1 && !strings.HasPrefix(s[3:], " "):
				tag, cmd = f[0], strings.ToUpper(f[1])
			case p != wire.IMAP && len(f) > 0 && verbs[strings.ToUpper(f[0])]:
				cmd = strings.ToUpper(f[0])
			}
		case "L: ":
			u.Dir, u.Kind = wire.ClientToServer, wire.Block
		case "S: ":
			u.Dir = wire.ServerToClient
		}
		u.Command = cmd
		if p == wire.IMAP {
			u.Tag = tag
			if u.Dir == wire.ServerToClient && len(f) > 0 {
				u.Tag = f[0]
			}
		}
		if i == 0 {
			u.Command, u.Tag = "", ""
		}
		r.Unit(u)
	}
}

func texts(r *Registry, id uint64) string {
	var b strings.Builder
	for _, e := range r.Transcript(id, 0) {
		b.WriteString(e.Dir.String() + ": " + e.Text)
		if !e.Redacted.IsZero() {
			b.WriteString("  [" + e.Redacted.In("en") + "]")
		}
		if !e.Note.IsZero() {
			b.WriteString("  {" + e.Note.In("en") + "}")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestPOP3UserPassIsFollowedAndRedacted(t *testing.T) {
	r := NewRegistry(Options{})
	feed(r, 1, wire.POP3, false,
		"S: +OK pop.example.com POP3 server ready <1@pop>",
		"C: USER alice",
		"S: +OK",
		"C: PASS wonderland",
		"S: +OK 2 messages",
		"C: QUIT",
		"S: +OK bye")
	c, _ := r.Conn(1)
	if c.User != "alice" || c.State != "UPDATE" || c.Commands != 3 || c.Client != "Python poplib or telnet" {
		t.Fatalf("%+v", c)
	}
	got := texts(r, 1)
	if strings.Contains(got, "wonderland") || !strings.Contains(got, "C: PASS •••  [a password, 10 characters]") {
		t.Fatalf("transcript:\n%s", got)
	}
}

func TestSASLPlainAndLoginAreDecodedAndRedacted(t *testing.T) {
	r := NewRegistry(Options{})
	feed(r, 1, wire.SMTP, false,
		"S: 220 smtp.example.com ESMTP",
		"C: ehlo laptop.local",
		"S: 250 smtp.example.com",
		"C: AUTH LOGIN",
		"S: 334 VXNlcm5hbWU6",
		"C: Ym9i",
		"S: 334 UGFzc3dvcmQ6",
		"C: c2VjcmV0MTI=",
		"S: 235 2.7.0 ok")
	c, _ := r.Conn(1)
	if c.User != "bob" || c.Client != "Python smtplib" || c.State != "greeted" {
		t.Fatalf("%+v", c)
	}
	got := texts(r, 1)
	if strings.Contains(got, "c2VjcmV0MTI=") || !strings.Contains(got, "[AUTH LOGIN: base64 of a password, 8 characters]") {
		t.Fatalf("transcript:\n%s", got)
	}
	feed(r, 2, wire.IMAP, true,
		"S: * OK ready",
		"C: A001 AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=",
		"S: A001 OK done",
		"C: A002 SELECT INBOX",
		"S: A002 OK [READ-WRITE] done",
		"C: A003 IDLE",
		"S: + idling")
	c, _ = r.Conn(2)
	if c.User != "alice" || c.State != "IDLE INBOX" || c.Client != "curl" || !c.TLS {
		t.Fatalf("%+v", c)
	}
	if got := texts(r, 2); strings.Contains(got, "AGFsaWNl") {
		t.Fatalf("transcript:\n%s", got)
	}
}

func TestIMAPLoginWithLiteralsAndID(t *testing.T) {
	r := NewRegistry(Options{})
	feed(r, 1, wire.IMAP, false,
		"S: * OK ready",
		`C: 1 ID ("name" "Thunderbird" "version" "128.0")`,
		"S: 1 OK",
		"C: 2 LOGIN {5}",
		"S: + go",
		"L: alice",
		"C:  {10}",
		"S: + go",
		"L: wonderland",
		"C: ",
		"S: 2 OK LOGIN completed")
	c, _ := r.Conn(1)
	if c.User != "alice" || c.Client != "Thunderbird 128.0" || c.State != "authenticated" {
		t.Fatalf("%+v", c)
	}
	if got := texts(r, 1); strings.Contains(got, "wonderland") {
		t.Fatalf("transcript:\n%s", got)
	}
	feed(r, 2, wire.IMAP, false, "S: * OK", `C: a1 LOGIN "bob" "p a\"ss"`, "S: a1 NO bad")
	got := texts(r, 2)
	if !strings.Contains(got, `C: a1 LOGIN "bob" •••  [a password, 6 characters]`) || !strings.Contains(got, "login failed for bob") {
		t.Fatalf("transcript:\n%s", got)
	}
}

func TestRingIsBoundedAndClosedConnsAreForgotten(t *testing.T) {
	r := NewRegistry(Options{RingSize: 10, KeepClosed: 2})
	script := []string{"S: +OK hi"}
	for i := 0; i < 30; i++ {
		script = append(script, "C: NOOP", "S: +OK")
	}
	feed(r, 1, wire.POP3, false, script...)
	es := r.Transcript(1, 0)
	if len(es) != 10 || es[0].Seq != 51 || es[9].Seq != 60 {
		t.Fatalf("ring holds %d entries from %d", len(es), es[0].Seq)
	}
	if got := r.Transcript(1, 58); len(got) != 3 {
		t.Fatalf("since 58: %d entries", len(got))
	}
	c, _ := r.Conn(1)
	if c.Units != 61 || c.LinesIn != 30 {
		t.Fatalf("%+v", c)
	}
	for id := uint64(1); id <= 4; id++ {
		if id > 1 {
			feed(r, id, wire.POP3, false, "S: +OK")
		}
		r.Close(id, nil)
	}
	if n := len(r.Conns()); n != 2 {
		t.Fatalf("%d conns kept, want 2", n)
	}
}

func TestSubscribeAndAnnotationsFlag(t *testing.T) {
	r := NewRegistry(Options{})
	var mu sync.Mutex
	var kinds []string
	cancel := r.Subscribe(func(ev Event) {
		mu.Lock()
		kinds = append(kinds, ev.Kind.String())
		mu.Unlock()
	})
	feed(r, 1, wire.POP3, false, "S: +OK", "C: USER a", "S: +OK", "C: PASS b", "S: +OK")
	r.Close(1, errors.New("reset"))
	r.SetAnnotationsPaused(true)
	r.SetAnnotationsPaused(true)
	cancel()
	r.SetAnnotationsPaused(false)
	got := strings.Join(kinds, ",")
	if got != "opened,unit,unit,changed,unit,unit,unit,changed,closed,annotations" || r.AnnotationsPaused() {
		t.Fatalf("events %s", got)
	}
	if c, _ := r.Conn(1); c.Err != "reset" || c.Open {
		t.Fatalf("%+v", c)
	}
}

func TestRecorderWritesARedactedFilePerConnection(t *testing.T) {
	dir := t.TempDir()
	rec, err := NewRecorder(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(Options{})
	r.Subscribe(rec.Event)
	feed(r, 7, wire.POP3, false, "S: +OK hi", "C: USER carol", "S: +OK", "C: PASS s3cret!", "S: +OK")
	files, _ := filepath.Glob(filepath.Join(dir, "*-c0007-pop3-carol.log"))
	if len(files) != 1 {
		all, _ := os.ReadDir(dir)
		t.Fatalf("files %v", all)
	}
	// Written as it goes: readable before the connection closes.
	data, _ := os.ReadFile(files[0])
	for _, want := range []string{" S: +OK hi", " C: PASS •••", "#  redacted: a password, 7 characters", "#  logged in as carol", "#  state: TRANSACTION"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("recording lacks %q:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "s3cret") {
		t.Error("the password is in the recording")
	}
	r.Close(7, nil)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(files[0])
	if !strings.Contains(string(data), "#  closed cleanly") {
		t.Errorf("no close line:\n%s", data)
	}
}

func TestAccountsFileAndPasswords(t *testing.T) {
	accts, err := ParseAccounts([]byte("users:\n  - {name: alice, password: x}\n  - {name: bob, domain: Example.ORG}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if accts[0].Address() != "alice@example.com" || accts[0].Generated || accts[1].Address() != "bob@example.org" || len(accts[1].Password) != 10 {
		t.Fatalf("%+v", accts)
	}
	for _, bad := range []string{"users: [{name: a}, {name: A}]", "users: [{name: 'a b'}]", "users: [{name: a, colour: red}]"} {
		if _, err := ParseAccounts([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	st := Students(12, "example.com")
	if len(st) != 12 || st[0].Name() != "student01" || st[11].Name() != "student12" || len(st[0].Starter.Mailboxes["INBOX"]) != 3 {
		t.Fatalf("students %+v", st[0])
	}
	for _, ch := range "01ilo" {
		for i := 0; i < 50; i++ {
			if strings.ContainsRune(Password(), ch) {
				t.Fatalf("password with look-alike %q", ch)
			}
		}
	}
}

// TestTheClientIsGuessedFromItsOwnWordsNotFromWhatItRelays: a message's
// X-Mailer names the program that wrote it. Sent by that program, it
// names the client; relayed by a provider's MTA (EHLO smtp.example.com),
// the client stays the MTA.
func TestTheClientIsGuessedFromItsOwnWordsNotFromWhatItRelays(t *testing.T) {
	r := NewRegistry(Options{})
	body := "L: Subject: hi\nX-Mailer: TestMailer 1.0\n\nhello\n"
	feed(r, 1, wire.SMTP, false, "S: 220 smtp.example.com ESMTP", "C: EHLO [127.0.0.1]", "S: 250 smtp.example.com", "C: DATA", "S: 354 go ahead", body)
	feed(r, 2, wire.SMTP, false, "S: 220 mx.example.org ESMTP", "C: EHLO smtp.example.com", "S: 250 mx.example.org", "C: DATA", "S: 354 go ahead", body)
	for id, want := range map[uint64]string{1: "TestMailer 1.0", 2: "mailsim MTA"} {
		if cs, _ := r.Conn(id); cs.Client != want {
			t.Errorf("connection %d: client %q, want %q", id, cs.Client, want)
		}
	}
}
