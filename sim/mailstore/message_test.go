package mailstore

import (
	"sync"
	"sync/atomic"
	"testing"
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
