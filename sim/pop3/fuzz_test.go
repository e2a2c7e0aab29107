package pop3

import (
	"bytes"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/mailstore"
)

// FuzzSession feeds arbitrary octets to a session: the server must not
// panic or hang, and the store keeps every message unless the input holds
// a QUIT.
func FuzzSession(f *testing.F) {
	for _, seed := range []string{
		"CAPA\r\nQUIT\r\n",
		"USER alice\r\nPASS pw\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 2\r\nTOP 3 1\r\nDELE 1\r\nRSET\r\nDELE 2\r\nNOOP\r\n",
		"USER alice\r\nPASS pw\r\nDELE 1\r\nQUIT\r\n",
		"APOP mrose " + rfcDigest + "\r\nLIST 1\r\n",
		"AUTH PLAIN\r\nAGFsaWNlAHB3\r\nRETR 99\r\nRETR 0\r\nLIST abc\r\n",
		"AUTH PLAIN\r\n*\r\nAUTH\r\nAUTH X\r\n",
		"USER alice\nPASS pw\nTOP 1 99999999999999999999\n",
		"STLS\r\nCAPA\r\n",
		"\x00\x00\r\n\r\n\n\n\r\r\r",
		"USER " + string(bytes.Repeat([]byte("a"), 300)) + "\r\n",
	} {
		f.Add([]byte(seed))
	}
	throttle := &authpolicy.Throttle{Base: time.Nanosecond, Max: time.Nanosecond}
	f.Fuzz(func(t *testing.T, input []byte) {
		store := seedStore(t)
		before := uidsOf(t, store)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := NewServer(Options{Store: store, Throttle: throttle, IdleTimeout: 5 * time.Second})
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		defer func() {
			srv.Close()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}()

		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			nc.Write(input)
			nc.(*net.TCPConn).CloseWrite()
		}()
		if _, err := io.Copy(io.Discard, nc); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the session hung on %q", input)
			}
		}
		srv.Close()
		after := uidsOf(t, store)
		if !bytes.Contains(bytes.ToUpper(input), []byte("QUIT")) && !slices.Equal(before, after) {
			t.Fatalf("without QUIT the store changed from %v to %v on %q", before, after, input)
		}
		unlock, err := store.LockMaildrop("alice")
		if err != nil {
			t.Fatalf("the maildrop stayed locked: %v", err)
		}
		unlock()
	})
}

func uidsOf(t *testing.T, st *mailstore.Store) []uint32 {
	msgs, _, err := st.Messages("alice", mailstore.Inbox)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint32
	for _, m := range msgs {
		out = append(out, m.UID)
	}
	return out
}
