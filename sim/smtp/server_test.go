package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
	"mailsim/sim/mailstore"
)

func TestEHLOAdvertisesTheExtensionsOfEachRole(t *testing.T) {
	ca, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ca.ServerConfig("smtp.example.com")
	tests := []struct {
		name      string
		role      Role
		tls       bool
		plaintext authpolicy.Plaintext
		want      []string
		not       []string
	}{
		{"submission on loopback offers AUTH and STARTTLS", Submission, true, authpolicy.LoopbackOrTLS,
			[]string{"SIZE 10485760", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES", "SMTPUTF8", "AUTH PLAIN LOGIN", "STARTTLS", "LIMITS RCPTMAX=100"}, nil},
		{"submission with TLSOnly hides AUTH before STARTTLS", Submission, true, authpolicy.TLSOnly,
			[]string{"STARTTLS"}, []string{"AUTH"}},
		{"MX never offers AUTH", MX, true, authpolicy.Always,
			[]string{"SIZE", "STARTTLS", "SMTPUTF8"}, []string{"AUTH"}},
		{"no TLS config means no STARTTLS", Submission, false, authpolicy.LoopbackOrTLS,
			[]string{"AUTH PLAIN LOGIN"}, []string{"STARTTLS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, _, _ := localServer(t, tc.role, func(o *Options) {
				o.Plaintext = tc.plaintext
				if tc.tls {
					o.TLSConfig = cfg
				}
			})
			_, ehlo := greeted(t, srv.Addr)
			lines := strings.Split(ehlo, "\n")
			has := func(cap string) bool {
				for _, l := range lines[1:] {
					if l[4:] == cap || strings.HasPrefix(l[4:], cap+" ") {
						return true
					}
				}
				return false
			}
			for _, c := range tc.want {
				if !has(c) {
					t.Errorf("EHLO lacks %q:\n%s", c, ehlo)
				}
			}
			for _, c := range tc.not {
				if has(c) {
					t.Errorf("EHLO offers %q:\n%s", c, ehlo)
				}
			}
		})
	}
}

func TestAUTHIsRefusedWhereThePolicyForbidsIt(t *testing.T) {
	srv, _, _ := localServer(t, Submission, func(o *Options) { o.Plaintext = authpolicy.TLSOnly })
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("AUTH PLAIN AGFsaWNlAHB3", "538 5.7.11")
	w.cmdExpect("MAIL FROM:<alice@example.com>", "530 5.7.0")

	mx, _, _ := localServer(t, MX, nil)
	w, _ = greeted(t, mx.Addr)
	w.cmdExpect("AUTH PLAIN AGFsaWNlAHB3", "502 5.7.0")
}

func TestSubmissionRequiresAUTHBeforeMAIL(t *testing.T) {
	srv, _, _ := localServer(t, Submission, nil)
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("MAIL FROM:<alice@example.com>", "530 5.7.0")
	w.cmdExpect("RCPT TO:<bob@example.org>", "502 5.5.1") // no transaction, hence no relay
}

func TestAUTHChecksPasswordsWithBothMechanisms(t *testing.T) {
	srv, _, log := localServer(t, Submission, nil)
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("AUTH PLAIN AGFsaWNlAHdyb25n", "535 5.7.8") // alice / wrong
	if !log.waitFor(`failed login for "alice"`) {
		t.Error("failed login not logged")
	}
	w.cmdExpect("AUTH PLAIN", "334 ")
	w.cmdExpect("!!!not base64", "454 4.7.0")
	w.cmdExpect("AUTH PLAIN ====", "454 4.7.0")
	w.cmdExpect("AUTH LOGIN", "334 VXNlcm5hbWU6") // "Username:"
	w.cmdExpect("YWxpY2U=", "334 UGFzc3dvcmQ6")   // "Password:"
	w.cmdExpect("cHc=", "235 2.0.0")
	w.cmdExpect("AUTH PLAIN AGFsaWNlAHB3", "503 5.5.1")

	w, _ = greeted(t, srv.Addr)
	w.cmdExpect("AUTH LOGIN YWxpY2VAZXhhbXBsZS5jb20=", "334 UGFzc3dvcmQ6") // alice@example.com as initial response
	w.cmdExpect("cHc=", "235 2.0.0")

	w, _ = greeted(t, srv.Addr)
	w.cmdExpect("AUTH PLAIN Ym9iAGFsaWNlAHB3", "535 5.7.8") // authorize as bob: refused
	w.cmdExpect("AUTH LOGIN", "334 ")
	w.cmdExpect("*", "501 5.0.0")
}

func TestRelayIsDeniedWithoutAuthentication(t *testing.T) {
	mx, st, _ := localServer(t, MX, nil)
	w, _ := greeted(t, mx.Addr)
	w.cmdExpect("MAIL FROM:<someone@example.net>", "250 ")
	w.cmdExpect("RCPT TO:<bob@example.org>", "554 5.7.1")
	w.cmdExpect("RCPT TO:<nobody@example.com>", "550 5.1.1")
	w.cmdExpect("RCPT TO:<not-an-address>", "501 5.5.2") // go-smtp's parser
	w.cmdExpect("RCPT TO:<alice@EXAMPLE.com>", "250 ")
	w.cmdExpect("DATA", "354 ")
	w.send("Subject: hi\r\n\r\nhello\r\n.")
	w.expect("250 2.0.0 Ok: queued as ID0001")
	if n := len(inbox(t, st, "alice")); n != 1 {
		t.Errorf("alice has %d messages, want 1", n)
	}

	// Authenticated, but the provider has no MTA: still refused.
	sub, _, _ := localServer(t, Submission, nil)
	w = authed(t, sub.Addr)
	w.cmdExpect("MAIL FROM:<alice@example.com>", "250 ")
	w.cmdExpect("RCPT TO:<bob@example.org>", "554 5.7.1")
}

func TestLocalDeliveryStampsEachCopy(t *testing.T) {
	srv, st, _ := localServer(t, Submission, nil)
	w := authed(t, srv.Addr)
	reply := w.sendMessage("alice@example.com", []string{"carol@example.com", "alice@example.com", "Carol@example.com"},
		"From: alice@example.com\r\nSubject: lunch\r\n\r\nNoon?\r\n")
	if reply != "250 2.0.0 Ok: queued as ID0001" {
		t.Fatalf("DATA: %q", reply)
	}
	for _, user := range []string{"alice", "carol"} {
		msgs := inbox(t, st, user)
		if len(msgs) != 1 {
			t.Fatalf("%s has %d messages, want 1 (duplicate RCPTs deliver once)", user, len(msgs))
		}
		raw := string(msgs[0].Raw)
		want := "Return-Path: <alice@example.com>\r\n" +
			"Received: from client.test ([127.0.0.1])\r\n" +
			"\tby smtp.example.com with ESMTPA id ID0001\r\n" +
			"\tfor <" + user + "@example.com>; Wed, 25 Nov 2026 09:00:00 +0700\r\n"
		if !strings.HasPrefix(raw, want) {
			t.Errorf("%s's copy starts:\n%s\nwant:\n%s", user, raw, want)
		}
		for _, h := range []string{"Date: Wed, 25 Nov 2026 09:00:00 +0700\r\n", "Message-ID: <ID0001@smtp.example.com>\r\n"} {
			if !strings.Contains(raw, h) {
				t.Errorf("%s's copy lacks %q:\n%s", user, h, raw)
			}
		}
		if !strings.HasSuffix(raw, "From: alice@example.com\r\nSubject: lunch\r\n\r\nNoon?\r\n") {
			t.Errorf("%s's copy does not end with the message:\n%s", user, raw)
		}
	}

	// A message with its own Date and Message-ID keeps them, alone.
	reply = w.sendMessage("alice@example.com", []string{"carol@example.com"},
		"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-Id: <x@y>\r\n\r\nbody\r\n")
	if !strings.HasPrefix(reply, "250 ") {
		t.Fatalf("DATA: %q", reply)
	}
	raw := string(inbox(t, st, "carol")[1].Raw)
	if strings.Count(raw, "Date:") != 1 || strings.Count(raw, "Message-I") != 1 {
		t.Errorf("headers duplicated:\n%s", raw)
	}
}

func TestDotStuffedLinesRoundTripExactly(t *testing.T) {
	srv, st, _ := localServer(t, MX, nil)
	w, _ := greeted(t, srv.Addr)
	body := "Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\n...\r\nend.\r\n \r\n"
	stuffed := "Subject: dots\r\n\r\n..\r\n...\r\n..hidden\r\n....\r\nend.\r\n \r\n"
	if r := w.sendMessage("x@example.net", []string{"alice@example.com"}, stuffed); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("DATA: %q", r)
	}
	raw := inbox(t, st, "alice")[0].Raw
	if !bytes.HasSuffix(raw, []byte(body)) {
		t.Errorf("stored:\n%q\nwant it to end with:\n%q", raw, body)
	}
	// An empty message is accepted too: just our headers.
	if r := w.sendMessage("x@example.net", []string{"alice@example.com"}, ""); !strings.HasPrefix(r, "250 ") {
		t.Fatalf("empty DATA: %q", r)
	}
}

func TestBadInputIsRejectedWithoutPartialDelivery(t *testing.T) {
	srv, st, log := localServer(t, MX, func(o *Options) { o.MaxMessageBytes = 64 << 10 })
	nothingDelivered := func(t *testing.T) {
		t.Helper()
		if n := len(inbox(t, st, "alice")); n != 0 {
			t.Fatalf("alice has %d messages, want none", n)
		}
	}

	t.Run("a 10 MB command line is refused and the connection closed", func(t *testing.T) {
		w := dialWire(t, srv.Addr)
		go func() {
			w.c.Write(append(bytes.Repeat([]byte("A"), 10<<20), "\r\n"...))
		}()
		w.expect("500 5.4.0")
		nothingDelivered(t)
	})
	t.Run("a 10 MB line inside DATA is refused", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
		w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
		w.cmdExpect("DATA", "354 ")
		go func() {
			w.c.Write([]byte("Subject: long\r\n\r\n"))
			w.c.Write(append(bytes.Repeat([]byte("B"), 10<<20), "\r\n.\r\n"...))
		}()
		w.expect("500 5.5.2")
		nothingDelivered(t)
	})
	t.Run("DATA before RCPT", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		w.cmdExpect("DATA", "502 5.5.1")
		w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
		w.cmdExpect("RCPT TO:<nobody@example.com>", "550 5.1.1")
		w.cmdExpect("DATA", "502 5.5.1")
		nothingDelivered(t)
	})
	t.Run("1001 recipients: 452 after the 100th", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
		var cmds strings.Builder
		for i := 0; i < 1001; i++ {
			cmds.WriteString("RCPT TO:<alice@example.com>\r\n")
		}
		go w.c.Write([]byte(cmds.String())) // pipelined
		for i := 0; i < 1001; i++ {
			want := "250 "
			if i >= 100 {
				want = "452 4.5.3"
			}
			w.expect(want)
		}
		w.cmdExpect("RSET", "250 ")
		nothingDelivered(t)
	})
	t.Run("a body over the size limit gets 552 5.3.4", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		w.cmdExpect("MAIL FROM:<x@example.net> SIZE=100000", "552 5.3.4")
		w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
		w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
		w.cmdExpect("DATA", "354 ")
		line := strings.Repeat("x", 998) + "\r\n"
		go w.c.Write([]byte("Subject: big\r\n\r\n" + strings.Repeat(line, 100) + ".\r\n"))
		w.expect("552 5.3.4")
		w.cmdExpect("NOOP", "250 ") // the session goes on
		nothingDelivered(t)
	})
	t.Run("a connection dropped in DATA delivers nothing", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
		w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
		w.cmdExpect("DATA", "354 ")
		w.send("Subject: cut\r\n\r\nhalf a messa")
		w.c.Close()
		if !log.waitFor("nothing delivered") {
			t.Error("the server did not notice the dropped connection")
		}
		nothingDelivered(t)
	})
	t.Run("a bare LF inside DATA is refused", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		for _, body := range []string{"Subject: lf\r\n\r\nline\none\r\n", "Subject: cr\r\n\r\nline\rone\r\n", "Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@x>\r\n"} {
			if r := w.sendMessage("x@example.net", []string{"alice@example.com"}, body); !strings.HasPrefix(r, "550 5.5.2") {
				t.Errorf("%q: got %q, want 550 5.5.2", body, r)
			}
		}
		w.cmdExpect("NOOP", "250 ")
		nothingDelivered(t)
	})
	t.Run("the server still serves after all that", func(t *testing.T) {
		w, _ := greeted(t, srv.Addr)
		if r := w.sendMessage("x@example.net", []string{"alice@example.com"}, "Subject: ok\r\n\r\nfine\r\n"); !strings.HasPrefix(r, "250 ") {
			t.Fatalf("DATA: %q", r)
		}
		if n := len(inbox(t, st, "alice")); n != 1 {
			t.Fatalf("alice has %d messages, want 1", n)
		}
	})
}

func TestQuotaRefusesWholeMessages(t *testing.T) {
	srv, st, _ := localServer(t, MX, nil)
	if err := st.SetQuota("carol", 500); err != nil {
		t.Fatal(err)
	}
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("MAIL FROM:<x@example.net> SIZE=1000", "250 ")
	w.cmdExpect("RCPT TO:<carol@example.com>", "452 4.2.2")
	w.cmdExpect("RSET", "250 ")
	big := "Subject: big\r\n\r\n" + strings.Repeat("y", 600) + "\r\n"
	if r := w.sendMessage("x@example.net", []string{"alice@example.com", "carol@example.com"}, big); !strings.HasPrefix(r, "552 5.2.2") {
		t.Fatalf("DATA: %q, want 552 5.2.2", r)
	}
	if r := w.sendMessage("x@example.net", []string{"carol@example.com"}, big); !strings.HasPrefix(r, "552 5.2.2") {
		t.Fatalf("DATA to carol alone: %q, want 552 5.2.2", r)
	}
	if len(inbox(t, st, "alice"))+len(inbox(t, st, "carol")) != 0 {
		t.Error("a refused message was delivered to someone")
	}
}

func TestShutdownSays421ToIdleSessions(t *testing.T) {
	srv, st, _ := localServer(t, MX, nil)
	idle, _ := greeted(t, srv.Addr)
	busy, _ := greeted(t, srv.Addr)
	busy.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
	busy.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
	busy.cmdExpect("DATA", "354 ")
	busy.send("Subject: in flight\r\n")

	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	idle.expect("421 4.3.2")
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v while a message was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	busy.send("\r\nstill here\r\n.")
	busy.expect("250 ")
	busy.expect("421 4.3.2")
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if n := len(inbox(t, st, "alice")); n != 1 {
		t.Errorf("alice has %d messages, want the one in flight", n)
	}
	if _, err := net.DialTimeout("tcp", srv.Addr, time.Second); err == nil {
		t.Error("still accepting connections")
	}
}

func TestShutdownGivesUpWhenTheContextEnds(t *testing.T) {
	srv, _, _ := localServer(t, MX, nil)
	busy, _ := greeted(t, srv.Addr)
	busy.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
	busy.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
	busy.cmdExpect("DATA", "354 ")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want deadline exceeded", err)
	}
	busy.expect("421 4.3.2")
}

func TestSTARTTLSSessionsGet421InsideTLS(t *testing.T) {
	ca, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ca.ServerConfig("mx.example.com")
	srv, _, _ := localServer(t, MX, func(o *Options) { o.TLSConfig = cfg })
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("STARTTLS", "220 ")
	tc := tls.Client(w.c, ca.ClientConfig("mx.example.com"))
	w.c, w.r = tc, nil
	if _, err := tc.Write([]byte("EHLO client.test\r\n")); err != nil {
		t.Fatal(err)
	}
	tc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	var got []byte
	for !bytes.Contains(got, []byte("250 ")) {
		n, err := tc.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, buf[:n]...)
	}
	go srv.Shutdown(context.Background())
	rest, _ := io.ReadAll(tc)
	if !bytes.HasPrefix(rest, []byte("421 4.3.2")) {
		t.Errorf("after Shutdown, read %q inside TLS, want 421 4.3.2", rest)
	}
}

func TestTooManyConnectionsFromOneIP(t *testing.T) {
	srv, _, _ := localServer(t, MX, func(o *Options) { o.MaxConnsPerIP = 2 })
	dialWire(t, srv.Addr)
	dialWire(t, srv.Addr)
	c, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(line), "421 4.7.0") {
		t.Errorf("third connection got %q, want 421 4.7.0", line)
	}
}

func TestNothingIsWrittenToStderr(t *testing.T) {
	// go-smtp's default ErrorLog writes to stderr; NewServer must replace it.
	s := NewServer(Options{Domain: "example.com", Store: mailstore.New(mailstore.Options{})})
	if _, ok := s.srv.ErrorLog.(logger); !ok {
		t.Errorf("ErrorLog is %T, want the Logf adapter", s.srv.ErrorLog)
	}
	if s.srv.MaxLineLength == 0 || s.srv.MaxMessageBytes == 0 || s.srv.MaxRecipients == 0 || s.srv.ReadTimeout == 0 || s.srv.WriteTimeout == 0 {
		t.Errorf("a go-smtp limit is left unlimited: %+v", s.srv)
	}
}

func TestBDATChunksAreDeliveredLikeDATA(t *testing.T) {
	srv, st, _ := localServer(t, MX, nil)
	w, ehlo := greeted(t, srv.Addr)
	if !strings.Contains(ehlo, "CHUNKING") {
		t.Fatalf("go-smtp no longer offers CHUNKING:\n%s", ehlo)
	}
	w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
	w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
	part1, part2 := "Subject: chunks\r\n\r\n", ".leading dot kept\r\n"
	w.c.Write([]byte("BDAT " + itoa(len(part1)) + "\r\n" + part1))
	w.expect("250 ")
	w.c.Write([]byte("BDAT " + itoa(len(part2)) + " LAST\r\n" + part2))
	w.expect("250 2.0.0 Ok: queued as ID0001")
	raw := string(inbox(t, st, "alice")[0].Raw)
	if !strings.HasSuffix(raw, part1+part2) {
		t.Errorf("stored:\n%q", raw)
	}

	w.cmdExpect("MAIL FROM:<x@example.net>", "250 ")
	w.cmdExpect("RCPT TO:<alice@example.com>", "250 ")
	bad := "Subject: lf\r\n\r\nbare\n"
	w.c.Write([]byte("BDAT " + itoa(len(bad)) + " LAST\r\n" + bad))
	w.expect("550 5.5.2")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestServeAfterCloseReturnsAtOnce(t *testing.T) {
	s := NewServer(Options{Domain: "example.com", Store: mailstore.New(mailstore.Options{})})
	s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); err == nil {
		t.Error("Serve after Close returned nil")
	}
}

func TestSendingAsSomeoneElseIsAllowedButRecorded(t *testing.T) {
	acc := &acceptLog{}
	srv, st, _ := localServer(t, Submission, func(o *Options) { o.OnAccept = acc.add })
	w := authed(t, srv.Addr)
	w.sendMessage("carol@example.com", []string{"carol@example.com"}, "Subject: spoof\r\n\r\nx\r\n")
	w.sendMessage("Alice@Example.COM", []string{"carol@example.com"}, "Subject: own\r\n\r\nx\r\n")
	got := acc.all()
	if len(got) != 2 || !got[0].SenderMismatch || got[1].SenderMismatch || got[0].AuthUser != "alice" {
		t.Errorf("accepted: %+v", got)
	}
	if n := len(inbox(t, st, "carol")); n != 2 {
		t.Errorf("carol has %d messages, want 2", n)
	}
}

func TestSTARTTLSRefusesTLSBelow12(t *testing.T) {
	ca, err := certs.NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := ca.ServerConfig("smtp.example.com")
	cfg.MinVersion = tls.VersionTLS10 // the server raises it anyway
	srv, _, _ := localServer(t, Submission, func(o *Options) { o.TLSConfig = cfg })
	w, _ := greeted(t, srv.Addr)
	w.cmdExpect("STARTTLS", "220 ")
	old := ca.ClientConfig("smtp.example.com")
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	tc := tls.Client(w.c, old)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}
}
