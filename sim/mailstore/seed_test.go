package mailstore_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"mailsim/lessons"
	"mailsim/sim/mailstore"
)

func TestSeedBuildsMessagesWithAttachmentsDeterministically(t *testing.T) {
	// The seed goes through the decoder lessons use, as it does in a run.
	l, err := lessons.Parse("seed.yaml", []byte(`mailsim-lesson: 1
id: seed-test
group: pop3
title: Seed test
summary: A seed with attachments, a file and repeats.
seed:
  users:
    - mailboxes:
        INBOX:
          - from: "Bình <binh@example.org>"
            subject: "Thực đơn trưa"
            date: "2026-11-24T09:00:00+07:00"
            body: "Xem tệp đính kèm.\n.a line starting with a dot\n"
            attachments:
              - {name: menu.txt, type: text/plain, content: "Phở bò"}
          - file: mail/raw.eml
            flags: ['\seen']
          - {subject: Newsletter, body: hi, repeat: 3}
        Sent: []
      name: alice
      password: wonderland
actors:
  - {name: laptop, protocol: pop3, client: a laptop, user: alice}
steps:
  - connect: laptop
`))
	if err != nil {
		t.Fatal(err)
	}
	seed := mailstore.Seed{Users: []mailstore.SeedUser{l.Seed.Users[0].SeedUser}}
	files := fstest.MapFS{"mail/raw.eml": {Data: []byte("Subject: raw\n\nbody\n")}}
	build := func() *mailstore.Store {
		s := mailstore.New(mailstore.Options{Clock: func() time.Time { return time.Unix(0, 0) }})
		if err := s.Load(seed, files); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := build(), build()
	ma, _, _ := a.Messages("alice", mailstore.Inbox)
	mb, _, _ := b.Messages("alice", mailstore.Inbox)
	if len(ma) != 5 {
		t.Fatalf("%d messages, want 5", len(ma))
	}
	for i := range ma {
		if string(ma[i].Raw) != string(mb[i].Raw) {
			t.Errorf("message %d differs between two loads of the same seed", i)
		}
	}
	first := string(ma[0].Raw)
	for _, want := range []string{"multipart/mixed", "menu.txt", "UGjhu58gYsOy", "\r\n.a line"} {
		if !strings.Contains(first, want) {
			t.Errorf("first message lacks %q:\n%s", want, first)
		}
	}
	if ma[0].Subject != "Thực đơn trưa" || !strings.HasPrefix(ma[0].From, "Bình") {
		t.Errorf("decoded headers: from %q subject %q", ma[0].From, ma[0].Subject)
	}
	if !ma[1].HasFlag(mailstore.FlagSeen) || string(ma[1].Raw) != "Subject: raw\r\n\r\nbody\r\n" {
		t.Errorf("file message: flags %v raw %q", ma[1].Flags, ma[1].Raw)
	}
	if ma[4].Subject != "Newsletter #3" {
		t.Errorf("repeat subject = %q", ma[4].Subject)
	}
	if _, err := a.Mailbox("alice", "Sent"); err != nil {
		t.Errorf("Sent not created: %v", err)
	}
}
