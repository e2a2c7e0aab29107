package mailstore

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// TestMemoIsSharedByFlagVariants checks that a value derived from Raw is
// built once per stored message, whatever its flags or mailbox copies.
func TestMemoIsSharedByFlagVariants(t *testing.T) {
	s := newTestStore(t)
	if err := s.CreateMailbox("alice", "Archive"); err != nil {
		t.Fatal(err)
	}
	uid, err := s.Deliver("alice", msg("memo"))
	if err != nil {
		t.Fatal(err)
	}
	var builds atomic.Int32
	build := func(raw []byte) any {
		builds.Add(1)
		return len(raw)
	}
	first, err := s.Message("alice", Inbox, uid)
	if err != nil {
		t.Fatal(err)
	}
	if got := first.Memo(MemoIMAPEnvelope, build); got != len(first.Raw) {
		t.Fatalf("Memo = %v, want %d", got, len(first.Raw))
	}
	updated, err := s.SetFlags("alice", Inbox, []uint32{uid}, FlagsAdd, []string{FlagSeen}, nil)
	if err != nil || len(updated) != 1 {
		t.Fatalf("SetFlags: %v, %v", updated, err)
	}
	if updated[0] == first {
		t.Fatal("SetFlags returned the same *Message; messages are immutable")
	}
	updated[0].Memo(MemoIMAPEnvelope, build)
	if _, _, err := s.Copy("alice", Inbox, "Archive", []uint32{uid}, nil); err != nil {
		t.Fatal(err)
	}
	copies, _, err := s.Messages("alice", "Archive")
	if err != nil || len(copies) != 1 {
		t.Fatalf("Messages(Archive): %v, %v", copies, err)
	}
	copies[0].Memo(MemoIMAPEnvelope, build)
	if n := builds.Load(); n != 1 {
		t.Errorf("build ran %d times for one message, want 1", n)
	}

	// Another key is its own slot.
	if got := updated[0].Memo(MemoIMAPBodyStructure, func([]byte) any { builds.Add(1); return "bs" }); got != "bs" {
		t.Errorf("second key: %v", got)
	}
	if n := builds.Load(); n != 2 {
		t.Errorf("builds = %d after a second key, want 2", n)
	}

	// Another message has its own memo.
	uid2, err := s.Deliver("alice", msg("other"))
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := s.Message("alice", Inbox, uid2)
	if got := m2.Memo(MemoIMAPEnvelope, build); got != len(m2.Raw) {
		t.Errorf("second message: Memo = %v, want %d", got, len(m2.Raw))
	}
}

func TestMemoConcurrentBuildsOnce(t *testing.T) {
	s := newTestStore(t)
	uid, err := s.Deliver("alice", msg("race"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := s.Message("alice", Inbox, uid)
	var builds atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v := m.Memo(MemoIMAPEnvelope, func(raw []byte) any { builds.Add(1); return string(raw) }); v != string(m.Raw) {
				t.Errorf("Memo = %v", v)
			}
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("build ran %d times, want 1", n)
	}
}

func TestMemoWithoutStore(t *testing.T) {
	m := &Message{Raw: []byte("x")}
	n := 0
	for range 2 {
		m.Memo(MemoIMAPEnvelope, func([]byte) any { n++; return n })
	}
	if n != 2 {
		t.Errorf("a literal Message built %d times, want 2 (no memo to keep it)", n)
	}
}

// TestDisplayFieldsShareRaw checks that a stored message's display fields
// are its raw header's own octets where the header holds them verbatim,
// and decoded copies where it does not (encoded words, folding).
func TestDisplayFieldsShareRaw(t *testing.T) {
	s := newTestStore(t)
	raw := "From: Ann Example <ann@example.org>\r\nTo: =?UTF-8?Q?B=C3=A9a?= <bea@example.org>\r\n" +
		"Subject: a folded\r\n subject\r\nMessage-ID: <1@example.org>\r\n\r\nFrom: not this <body@example.org>\r\n"
	uid, err := s.Deliver("alice", []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Message("alice", Inbox, uid)
	if err != nil {
		t.Fatal(err)
	}
	inRaw := func(v string) bool {
		p, start := uintptr(unsafe.Pointer(unsafe.StringData(v))), uintptr(unsafe.Pointer(&m.Raw[0]))
		return p >= start && p+uintptr(len(v)) <= start+uintptr(strings.Index(raw, "\r\n\r\n"))
	}
	for _, f := range []struct {
		name, got, want string
		shared          bool
	}{
		{"From", m.From, "Ann Example <ann@example.org>", true},
		{"To", m.To, "Béa <bea@example.org>", false},
		{"Subject", m.Subject, "a folded subject", false},
		{"MessageID", m.MessageID, "<1@example.org>", true},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
		if inRaw(f.got) != f.shared {
			t.Errorf("%s in the raw header: %v, want %v", f.name, inRaw(f.got), f.shared)
		}
	}
	if h := ParseHeaders([]byte(raw)); h != (Headers{From: m.From, To: m.To, Subject: m.Subject, MessageID: m.MessageID}) {
		t.Errorf("ParseHeaders = %+v, differs from the stored fields", h)
	}
}
