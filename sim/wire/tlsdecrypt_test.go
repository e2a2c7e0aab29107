package wire

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
)

// exchange is one command and its reply, inside TLS.
type exchange struct{ cmd, reply string }

// startTLSSession runs a session on a server-side tap whose server upgrades
// the tapped conn itself, as go-imap and go-smtp do: greeting, the STARTTLS
// command and its reply in the clear, then the exchanges inside TLS. It
// returns the client's TLS connection state once the tap has closed.
func startTLSSession(t *testing.T, col *collector, l net.Listener, serverCfg, clientCfg *tls.Config, clear [3]string, inside []exchange) tls.ConnectionState {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		rw := newLineRW(t, c)
		rw.send(clear[0])
		rw.expect(clear[1])
		rw.send(clear[2])
		tc := tls.Server(c, serverCfg)
		rw = newLineRW(t, tc)
		for _, x := range inside {
			rw.expect(x.cmd)
			rw.send(x.reply)
		}
		done <- tc.Close()
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	rw := newLineRW(t, raw)
	rw.expect(clear[0])
	rw.send(clear[1])
	rw.expect(clear[2])
	tc := tls.Client(raw, clientCfg)
	rw = newLineRW(t, tc)
	for _, x := range inside {
		rw.send(x.cmd)
		rw.expect(x.reply)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	state := tc.ConnectionState()
	tc.Close()
	col.waitClosed(t, 1)
	return state
}

// A server that upgrades the tapped conn itself, with a config from
// ServerTLS: the tap shows the plaintext inside TLS.
func TestServerTapDecryptsASTARTTLSItDidNotWrap(t *testing.T) {
	big := strings.Repeat("x", 40000) // several records in each direction
	inside := []exchange{{"AUTH PLAIN AGFsaWNlAHNlY3JldA==", "235 ok"}, {"NOOP " + big, "250 " + big}, {"QUIT", "221 bye"}}
	for _, tc := range []struct {
		name    string
		version uint16
		suite   uint16
	}{
		{"TLS 1.3", tls.VersionTLS13, 0},
		{"TLS 1.2 AES-128-GCM", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"TLS 1.2 AES-256-GCM", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{"TLS 1.2 ChaCha20-Poly1305", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serverCfg, clientCfg := testTLS(t)
			clientCfg.MaxVersion = tc.version
			if tc.suite != 0 {
				clientCfg.CipherSuites = []uint16{tc.suite}
			}
			col := newCollector()
			rec := NewRecorder(col, Options{})
			st := startTLSSession(t, col, rec.Listener(listen(t), SMTP), rec.ServerTLS(serverCfg), clientCfg,
				[3]string{"220 ready", "STARTTLS", "220 go ahead"}, inside)
			if st.Version != tc.version {
				t.Fatalf("negotiated %#x, want %#x", st.Version, tc.version)
			}
			var got, want []string
			for _, x := range inside {
				want = append(want, "C "+x.cmd, "S "+x.reply)
			}
			for _, u := range col.all() {
				switch {
				case u.Layer == Inner:
					got = append(got, fmt.Sprintf("%s %s", u.Dir, u.Text))
				case strings.Contains(u.Text, Undecrypted):
					t.Errorf("record not decrypted: %s", u.Text)
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("inner units:\n%.300s", strings.Join(got, "\n"))
			}
			if n := len(rec.keys.byCR); n != 0 {
				t.Errorf("%d sessions' secrets kept after close", n)
			}
		})
	}
}

// Without the secrets (a server config not from ServerTLS) the records are
// kept, marked as not decrypted, and nothing is made up.
func TestServerTapWithoutSecretsMarksRecordsUndecrypted(t *testing.T) {
	serverCfg, clientCfg := testTLS(t)
	col := newCollector()
	startTLSSession(t, col, NewRecorder(col, Options{}).Listener(listen(t), IMAP), serverCfg, clientCfg,
		[3]string{"* OK ready", "a STARTTLS", "a OK begin TLS"}, []exchange{{"b NOOP", "b OK"}})
	var marks []string
	for _, u := range col.all() {
		if u.Layer == Inner {
			t.Errorf("inner unit without secrets: %q", u.Text)
		}
		if strings.Contains(u.Text, Undecrypted) {
			marks = append(marks, u.Text)
		}
	}
	// The encrypted records wait for a secret that never comes; the close says so.
	if len(marks) != 1 || !strings.HasSuffix(marks[0], "TLS records not decrypted: the session's TLS secrets were never logged]") {
		t.Errorf("undecrypted marks: %q", marks)
	}
}
