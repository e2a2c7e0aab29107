package imap

import (
	"strings"
	"testing"
)

// benchServer is a server whose alice has 1,000 messages in INBOX, and a
// client that has selected it.
func benchServer(b *testing.B) *rawClient {
	ts := newTestServer(b)
	for i := 4; i <= 1000; i++ {
		if _, err := ts.Store.Deliver("alice", testMessage(i)); err != nil {
			b.Fatal(err)
		}
	}
	c := ts.login(b, "alice", "pw")
	c.ok("SELECT INBOX")
	return c
}

func BenchmarkFetchEnvelopes(b *testing.B) {
	c := benchServer(b)
	c.ok("FETCH 1:* (FLAGS ENVELOPE)") // warm the parse cache, as a real client's second look
	b.ResetTimer()
	for b.Loop() {
		u := c.ok("FETCH 1:* (FLAGS ENVELOPE)")
		if len(u) != 1000 || !strings.Contains(u[999], "ENVELOPE") {
			b.Fatalf("got %d responses", len(u))
		}
	}
}

func BenchmarkFetchBody(b *testing.B) {
	c := benchServer(b)
	b.ResetTimer()
	for b.Loop() {
		u := c.ok("FETCH 1:* (BODY.PEEK[])")
		if len(u) != 1000 {
			b.Fatalf("got %d responses", len(u))
		}
	}
}

// BenchmarkFetchEnvelopes5Users fetches FLAGS ENVELOPE of 5 users' 1,000
// messages each in turn: more messages than a 4,096-entry cache holds, as
// in the 20-user load test.
func BenchmarkFetchEnvelopes5Users(b *testing.B) {
	ts := newTestServer(b)
	users := []string{"u1", "u2", "u3", "u4", "u5"}
	var clients []*rawClient
	for _, u := range users {
		must(b, ts.Store.AddUser(u, "pw"))
		for i := 1; i <= 1000; i++ {
			_, err := ts.Store.Deliver(u, testMessage(i))
			must(b, err)
		}
		c := ts.login(b, u, "pw")
		c.ok("SELECT INBOX")
		c.ok("FETCH 1:* (FLAGS ENVELOPE)")
		clients = append(clients, c)
	}
	b.ResetTimer()
	for b.Loop() {
		for _, c := range clients {
			if u := c.ok("FETCH 1:* (FLAGS ENVELOPE)"); len(u) != 1000 {
				b.Fatalf("got %d responses", len(u))
			}
		}
	}
}
