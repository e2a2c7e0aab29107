package lessons

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func builtin(t *testing.T) []*Lesson {
	t.Helper()
	list, err := Builtin()
	if err != nil {
		t.Fatalf("built-in lessons:\n%v", err)
	}
	return list
}

func TestBuiltinLessonsAreValid(t *testing.T) {
	list := builtin(t)
	want := []string{"account-setup", "choose-pop-or-imap", "history", "imap-attachments-on-demand", "imap-basics", "imap-big-mailbox", "imap-multi-device", "imap-tradeoffs", "pop-tradeoffs", "pop-vs-imap", "pop3-basics", "pop3-drop-before-quit", "pop3-keep-copy", "ports-and-tls", "smtp-open-relay", "smtp-send"}
	if got := IDs(list); !slices.Equal(got, want) {
		t.Fatalf("built-in lessons %v, want %v", got, want)
	}
	for _, l := range list {
		if l.File != "builtin/"+l.ID+".yaml" {
			t.Errorf("%s: File %q", l.ID, l.File)
		}
	}
}

// Each send teaches: it says what the command does. A claim is covered
// only where it is shown happening, on a step that talks to a server or
// looks at state, never on narrative alone.
func TestBuiltinLessonsTeach(t *testing.T) {
	for _, l := range builtin(t) {
		for _, s := range l.Steps {
			if s.Kind == Send && s.Note.IsZero() {
				t.Errorf("%s:%d: send %q has no note", l.File, s.Line, s.Command)
			}
			if len(s.Covers) > 0 && (s.Kind == Say || s.Kind == Quiz || s.Kind == Pause) {
				t.Errorf("%s:%d: a %s step covers %v: a claim must be shown happening", l.File, s.Line, s.Kind, s.Covers)
			}
		}
	}
}

func TestBuiltinLessonsCoverTheirClaims(t *testing.T) {
	want := map[string][]string{
		"pop3-basics":                {"pop.what", "pop.ports", "pop.flow", "pop.postman"},
		"pop3-keep-copy":             {"pop.pro.keep-copy", "pop.con.other-devices"},
		"pop3-drop-before-quit":      {"fix.pop-delete"},
		"imap-basics":                {"imap.what", "imap.ports", "imap.flow", "imap.pro.no-download"},
		"imap-attachments-on-demand": {"imap.pro.on-demand"},
		"imap-multi-device":          {"imap.pro.devices", "imap.pro.cloud"},
		"pop-vs-imap":                {"choose.imap", "choose.pop", "pop.con.other-devices"},
		"smtp-send":                  {"smtp.what", "smtp.relay"},
		"smtp-open-relay":            {"fix.smtp-ports"},
		"ports-and-tls":              {"pop.ports", "imap.ports", "smtp.ports", "fix.smtp-ports", "fix.starttls", "fix.plaintext"},
		"account-setup":              {"setup.account", "setup.imap-first", "setup.pop-fallback", "setup.hostnames"},
		"pop-tradeoffs": {"pop.pro.single", "pop.pro.offline", "pop.pro.online-only-to-transfer", "pop.pro.server-space",
			"pop.pro.sent-local", "pop.pro.merge", "pop.con.export", "pop.con.corruption", "pop.con.virus"},
		"imap-tradeoffs":     {"imap.con.complex", "imap.con.online", "imap.con.quota", "imap.con.volume"},
		"history":            {"fix.history", "pop.what", "imap.what"},
		"choose-pop-or-imap": {"choose.imap", "choose.pop"},
	}
	list := builtin(t)
	for id, claims := range want {
		l, ok := Find(list, id)
		if !ok {
			t.Errorf("no lesson %s", id)
			continue
		}
		for _, c := range claims {
			if !slices.Contains(l.Covers, c) {
				t.Errorf("%s does not cover %s (covers %v)", id, c, l.Covers)
			}
		}
	}
}

// The outcomes the lessons promise: what the checks assert at the end.
func TestBuiltinLessonOutcomes(t *testing.T) {
	list := builtin(t)
	lastCount := func(l *Lesson, server, device string) int {
		n := -1
		for _, s := range l.Steps {
			if c := s.Check; c != nil && c.Count != nil && c.Server == server && c.Device == device {
				n = *c.Count
			}
		}
		return n
	}
	basics, _ := Find(list, "pop3-basics")
	if n := lastCount(basics, "alice/INBOX", ""); n != 0 {
		t.Errorf("pop3-basics: the server ends with %d messages, want 0", n)
	}
	if n := lastCount(basics, "", "laptop"); n != 3 {
		t.Errorf("pop3-basics: the laptop ends with %d messages, want 3", n)
	}
	drop, _ := Find(list, "pop3-drop-before-quit")
	sawDrop := false
	for _, s := range drop.Steps {
		if s.Kind == Drop {
			sawDrop = true
		}
		if sawDrop && s.Check != nil && s.Check.Count != nil {
			if *s.Check.Count != 3 {
				t.Errorf("pop3-drop-before-quit: right after the drop the server has %d messages, want 3", *s.Check.Count)
			}
			break
		}
	}
	if !sawDrop {
		t.Error("pop3-drop-before-quit has no drop step")
	}
	keep, _ := Find(list, "pop3-keep-copy")
	var delivers, pop3s int
	for _, s := range keep.Steps {
		if s.Kind == Deliver {
			delivers++
		}
		if s.Kind == Connect && s.To == "pop3s" {
			pop3s++
		}
	}
	if delivers == 0 || pop3s == 0 {
		t.Errorf("pop3-keep-copy: %d deliver steps, %d pop3s connections; want some of each", delivers, pop3s)
	}
}

// seedClaims reads the claim IDs from SEED-CLAIMS.md when it is there.
func seedClaims(t *testing.T) []string {
	f, err := os.Open("/work/shared/SEED-CLAIMS.md")
	if err != nil {
		// The document is outside the module; without it, the list as of
		// its writing.
		return strings.Fields(`pop.what pop.ports pop.flow pop.postman pop.pro.single pop.pro.offline
			pop.pro.online-only-to-transfer pop.pro.server-space pop.pro.keep-copy pop.pro.sent-local
			pop.pro.merge pop.con.other-devices pop.con.export pop.con.corruption pop.con.virus
			imap.what imap.ports imap.flow imap.pro.cloud imap.pro.devices imap.pro.no-download
			imap.pro.on-demand imap.con.complex imap.con.online imap.con.quota imap.con.volume
			choose.imap choose.pop smtp.what smtp.relay smtp.ports setup.account setup.imap-first
			setup.pop-fallback setup.hostnames fix.pop-delete fix.smtp-ports fix.starttls
			fix.plaintext fix.history`)
	}
	defer f.Close()
	row := regexp.MustCompile(`^\| ([a-z]+\.[a-z0-9.-]+) \|`)
	var ids []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			ids = append(ids, m[1])
		}
	}
	if len(ids) == 0 {
		t.Fatal("SEED-CLAIMS.md: no claim rows found")
	}
	return ids
}

func TestClaimsMatchSeedClaims(t *testing.T) {
	claims, err := Claims()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range claims {
		got = append(got, c.ID)
		if c.Text["en"] == "" || c.Text["vi"] == "" || c.Section == "" {
			t.Errorf("%s: section %q, en %q, vi %q", c.ID, c.Section, c.Text["en"], c.Text["vi"])
		}
	}
	if want := seedClaims(t); !slices.Equal(got, want) {
		t.Errorf("claims.yaml has\n%v\nSEED-CLAIMS.md has\n%v", got, want)
	}
}

func TestClaimsFileErrors(t *testing.T) {
	_, err := parseClaims("claims.yaml", []byte("mailsim-claims: 1\nclaims:\n  - {id: pop.what, section: POP3, text: {en: x}}\n  - {id: pop.what, section: POP3, text: {en: x, vi: y}}\n  - {id: Bad, section: POP3, text: {en: x, vi: y}}\n"))
	want := "lessons: broken claims.yaml:3:5: claim \"pop.what\" has no vi text\n" +
		"claims.yaml:4:5: claim \"pop.what\" is listed twice (first at line 3)\n" +
		"claims.yaml:5:5: claim id \"Bad\": want area.name, lowercase (pop.flow, fix.pop-delete)"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}
