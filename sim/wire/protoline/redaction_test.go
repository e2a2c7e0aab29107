package protoline_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/classroom"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
	"mailsim/transcripts"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// plain is the base64 of a SASL PLAIN message for alice.
func plain(password string) string { return b64("\x00alice\x00" + password) }

// A crossing is one way a password can cross: the bytes each side sent,
// in order ("C: " the client, "S: " the server; "\r\n" written out).
type crossing struct {
	name    string
	proto   wire.Protocol
	chunks  []string
	secrets []string // what must show nowhere: passwords, digests, their base64
	hidden  int      // client units that must show protoline.Hidden
	keep    []string // client lines that must stay as they are
}

// crossings are every way a password crosses the three protocols.
var crossings = []crossing{
	{name: "POP3 USER and PASS", proto: wire.POP3,
		chunks:  []string{"S: +OK ready\r\n", "C: USER alice\r\n", "S: +OK\r\n", "C: PASS pop-Pass1\r\n", "S: +OK in\r\n"},
		secrets: []string{"pop-Pass1"}, hidden: 1, keep: []string{"USER alice"}},
	{name: "POP3 in lower case", proto: wire.POP3,
		chunks:  []string{"S: +OK ready\r\n", "C: user alice\r\n", "S: +OK\r\n", "C: pass pop-Lower2 with spaces\r\n", "S: +OK in\r\n"},
		secrets: []string{"pop-Lower2", "with spaces"}, hidden: 1, keep: []string{"user alice"}},
	{name: "POP3 pipelined USER, PASS and STAT", proto: wire.POP3,
		chunks:  []string{"S: +OK ready\r\n", "C: USER alice\r\nPASS pop-Pipe3\r\nSTAT\r\n", "S: +OK\r\n+OK in\r\n+OK 0 0\r\n"},
		secrets: []string{"pop-Pipe3"}, hidden: 1, keep: []string{"USER alice", "STAT"}},
	{name: "POP3 APOP", proto: wire.POP3,
		chunks:  []string{"S: +OK ready <1896.697170952@pop.example.com>\r\n", "C: APOP alice c4c9334bac560ecc979e58001b3e22fb\r\n", "S: +OK in\r\n"},
		secrets: []string{"c4c9334bac560ecc979e58001b3e22fb"}, hidden: 1},
	{name: "POP3 AUTH PLAIN with an initial response", proto: wire.POP3,
		chunks:  []string{"S: +OK ready\r\n", "C: AUTH PLAIN " + plain("pop-Ir4") + "\r\n", "S: +OK in\r\n"},
		secrets: []string{"pop-Ir4", plain("pop-Ir4")}, hidden: 1},
	{name: "POP3 AUTH PLAIN answering a challenge", proto: wire.POP3,
		chunks:  []string{"S: +OK ready\r\n", "C: AUTH PLAIN\r\n", "S: + \r\n", "C: " + plain("pop-Cont5") + "\r\n", "S: +OK in\r\n", "C: STAT\r\n", "S: +OK 0 0\r\n"},
		secrets: []string{"pop-Cont5", plain("pop-Cont5")}, hidden: 1, keep: []string{"AUTH PLAIN", "STAT"}},
	{name: "POP3 cancelled AUTH, then PASS", proto: wire.POP3,
		chunks:  []string{"S: +OK ready\r\n", "C: AUTH PLAIN\r\n", "S: + \r\n", "C: *\r\n", "S: -ERR cancelled\r\n", "C: USER alice\r\n", "S: +OK\r\n", "C: PASS pop-Cancel6\r\n", "S: +OK\r\n"},
		secrets: []string{"pop-Cancel6"}, hidden: 1, keep: []string{"*", "USER alice"}},

	{name: "IMAP LOGIN with atoms", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 LOGIN alice imap-Atom7\r\n", "S: a1 OK in\r\n"},
		secrets: []string{"imap-Atom7"}, hidden: 1},
	{name: "IMAP login in lower case, quoted, another tag", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", `C: A001 login "alice" "imap \"Quoted8\" x"` + "\r\n", "S: A001 OK in\r\n"},
		secrets: []string{"Quoted8"}, hidden: 1},
	{name: "IMAP LOGIN with the password as a literal", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 LOGIN alice {10}\r\n", "S: + ready\r\n", "C: imap-Lit9\r\n", "S: a1 OK in\r\n"},
		secrets: []string{"imap-Lit9"}, hidden: 1},
	{name: "IMAP LOGIN with both as literals", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 LOGIN {5}\r\n", "S: + ready\r\n", "C: alice {11}\r\n", "S: + ready\r\n", "C: imap-Lit10\r\n", "S: a1 OK in\r\n"},
		secrets: []string{"imap-Lit10"}, hidden: 1},
	{name: "IMAP LOGIN with the user as a literal, the password after it", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 LOGIN {5}\r\n", "S: + ready\r\n", "C: alice imap-After10\r\n", "S: a1 OK in\r\n"},
		secrets: []string{"imap-After10"}, hidden: 1},
	{name: "IMAP LOGIN with LITERAL+, pipelined with SELECT", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 LOGIN {5+}\r\nalice {12+}\r\nimap-Plus11\r\na2 SELECT INBOX\r\n", "S: a1 OK in\r\na2 OK selected\r\n"},
		secrets: []string{"imap-Plus11"}, hidden: 1, keep: []string{"a2 SELECT INBOX"}},
	{name: "IMAP pipelined LOGIN and SELECT", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 LOGIN alice imap-Pipe12\r\na2 SELECT INBOX\r\n", "S: a1 OK in\r\na2 OK selected\r\n"},
		secrets: []string{"imap-Pipe12"}, hidden: 1, keep: []string{"a2 SELECT INBOX"}},
	{name: "IMAP AUTHENTICATE PLAIN with an initial response", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 AUTHENTICATE PLAIN " + plain("imap-Ir13") + "\r\n", "S: a1 OK in\r\n"},
		secrets: []string{"imap-Ir13", plain("imap-Ir13")}, hidden: 1},
	{name: "IMAP authenticate plain answering a challenge", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: x7 authenticate plain\r\n", "S: + \r\n", "C: " + plain("imap-Cont14") + "\r\n", "S: x7 OK in\r\n", "C: x8 NOOP\r\n", "S: x8 OK\r\n"},
		secrets: []string{"imap-Cont14", plain("imap-Cont14")}, hidden: 1, keep: []string{"x8 NOOP"}},
	{name: "IMAP cancelled AUTHENTICATE, then LOGIN", proto: wire.IMAP,
		chunks:  []string{"S: * OK ready\r\n", "C: a1 AUTHENTICATE PLAIN\r\n", "S: + \r\n", "C: *\r\n", "S: a1 BAD cancelled\r\n", "C: a2 LOGIN alice imap-Cancel15\r\n", "S: a2 OK in\r\n"},
		secrets: []string{"imap-Cancel15"}, hidden: 1, keep: []string{"*"}},

	{name: "SMTP AUTH PLAIN with an initial response", proto: wire.SMTP,
		chunks:  []string{"S: 220 ready\r\n", "C: EHLO laptop\r\n", "S: 250-hi\r\n250 AUTH PLAIN LOGIN\r\n", "C: AUTH PLAIN " + plain("smtp-Ir16") + "\r\n", "S: 235 ok\r\n"},
		secrets: []string{"smtp-Ir16", plain("smtp-Ir16")}, hidden: 1, keep: []string{"EHLO laptop"}},
	{name: "SMTP AUTH PLAIN without an initial response", proto: wire.SMTP,
		chunks:  []string{"S: 220 ready\r\n", "C: EHLO laptop\r\n", "S: 250 AUTH PLAIN\r\n", "C: AUTH PLAIN\r\n", "S: 334 \r\n", "C: " + plain("smtp-Cont17") + "\r\n", "S: 235 ok\r\n", "C: MAIL FROM:<alice@example.com>\r\n", "S: 250 ok\r\n"},
		secrets: []string{"smtp-Cont17", plain("smtp-Cont17")}, hidden: 1, keep: []string{"MAIL FROM:<alice@example.com>"}},
	{name: "SMTP AUTH LOGIN, user and password answering challenges", proto: wire.SMTP,
		chunks: []string{"S: 220 ready\r\n", "C: EHLO laptop\r\n", "S: 250 AUTH LOGIN\r\n", "C: AUTH LOGIN\r\n", "S: 334 VXNlcm5hbWU6\r\n", "C: " + b64("alice") + "\r\n",
			"S: 334 UGFzc3dvcmQ6\r\n", "C: " + b64("smtp-Login18") + "\r\n", "S: 235 ok\r\n"},
		secrets: []string{"smtp-Login18", b64("smtp-Login18")}, hidden: 2, keep: []string{"AUTH LOGIN"}},
	{name: "SMTP auth login in lower case with the user as initial response", proto: wire.SMTP,
		chunks:  []string{"S: 220 ready\r\n", "C: EHLO laptop\r\n", "S: 250 AUTH LOGIN\r\n", "C: auth login " + b64("alice") + "\r\n", "S: 334 UGFzc3dvcmQ6\r\n", "C: " + b64("smtp-Lower19") + "\r\n", "S: 235 ok\r\n"},
		secrets: []string{"smtp-Lower19", b64("smtp-Lower19")}, hidden: 2},
	{name: "SMTP cancelled AUTH, then AUTH PLAIN pipelined after RSET", proto: wire.SMTP,
		chunks: []string{"S: 220 ready\r\n", "C: EHLO laptop\r\n", "S: 250-PIPELINING\r\n250 AUTH PLAIN\r\n", "C: AUTH LOGIN\r\n", "S: 334 VXNlcm5hbWU6\r\n", "C: *\r\n", "S: 501 cancelled\r\n",
			"C: RSET\r\nAUTH PLAIN " + plain("smtp-Pipe20") + "\r\n", "S: 250 ok\r\n235 ok\r\n"},
		secrets: []string{"smtp-Pipe20", plain("smtp-Pipe20")}, hidden: 1, keep: []string{"*", "RSET"}},
}

// tap frames a crossing's bytes as a server-side tap does, into the
// classroom registry (with its recorder writing files to dir) and a list
// of units.
func tap(t *testing.T, c crossing, dir string) (*classroom.Registry, []wire.Unit, uint64) {
	t.Helper()
	reg := classroom.NewRegistry(classroom.Options{})
	rec, err := classroom.NewRecorder(dir)
	if err != nil {
		t.Fatal(err)
	}
	cancel := reg.Subscribe(rec.Event)
	var units []wire.Unit
	sink := wire.SinkFuncs{OnOpen: reg.Open, OnClose: reg.Close, OnUnit: func(u wire.Unit) {
		units = append(units, u)
		reg.Unit(u)
	}}
	s := wire.NewRecorder(sink, wire.Options{}).Stream(c.proto, wire.StreamOptions{Local: "127.0.0.1:1", Remote: "127.0.0.1:2"})
	for _, ch := range c.chunks {
		dir := wire.ClientToServer
		if strings.HasPrefix(ch, "S: ") {
			dir = wire.ServerToClient
		}
		s.Write(dir, []byte(ch[3:]))
	}
	s.Close()
	cancel()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return reg, units, s.ID()
}

// lessonEvents are the units as a lesson's runner emits them, with the
// glossary's SASL PLAIN note (which quotes the decoded password) on the
// lines that carry one.
func lessonEvents(c crossing, units []wire.Unit) []events.Event {
	evs := []events.Event{{Kind: events.EventConnect, Step: -1, Actor: "laptop", Conn: units[0].Conn, Protocol: c.proto}}
	for i := range units {
		u := units[i]
		e := events.Event{Kind: events.EventWire, Step: -1, Actor: "laptop", Conn: u.Conn, Protocol: c.proto, Unit: &u, Time: u.Time}
		if b, _, ok := protoline.PlainPayload(u.Text, u.Command); ok && u.Dir == wire.ClientToServer {
			desc, _ := lessons.DescribeSASLPlain(b)
			e.Note = desc
			e.Gloss = &lessons.Entry{Key: "AUTH PLAIN payload", Text: desc}
		}
		evs = append(evs, e)
	}
	return evs
}

// saved saves a transcript as Save does and returns the file's text and
// the transcript loaded back.
func saved(t *testing.T, tr *transcripts.Transcript, path string, o transcripts.SaveOptions) (string, *transcripts.Transcript) {
	t.Helper()
	if err := transcripts.Save(path, tr, o); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	back, err := transcripts.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), back
}

// clientTexts are a transcript's client lines. The octets of each are
// checked too: a unit's Raw is saved as base64 when it is not its text.
func clientTexts(t *testing.T, tr *transcripts.Transcript, secrets []string) []string {
	var out []string
	for _, e := range tr.Events {
		if e.Kind != events.EventWire || e.Unit.Dir != wire.ClientToServer {
			continue
		}
		u := e.Unit
		out = append(out, u.Text)
		raw := string(u.Raw)
		if !u.Redacted.IsZero() && u.Len != len(raw) {
			t.Errorf("redacted %q: len %d, but %d octets", u.Text, u.Len, len(raw))
		}
		for _, s := range secrets {
			if strings.Contains(raw, s) {
				t.Errorf("the octets of %q hold %q", u.Text, s)
			}
		}
	}
	return out
}

// TestEveryWayAPasswordCrossesIsRedactedInEveryOutput is the one table of
// redaction: each crossing is framed by the real wire framer, then every
// output that redacts is checked: the classroom registry (what the live
// view and the headless log show), the classroom recorder's files, the
// live view's save (registry entries, then transcripts.Save), a saved
// live transcript of the raw units with the glossary's decoding notes, a
// lesson's sandbox lines (only what the learner typed is redacted), and a
// saved transcript redacted twice (it keeps what the first said).
func TestEveryWayAPasswordCrossesIsRedactedInEveryOutput(t *testing.T) {
	for _, c := range crossings {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			reg, units, id := tap(t, c, filepath.Join(dir, "recorder"))
			outputs := map[string]string{} // output -> all the text it shows
			hiddenIn := map[string]int{}   // output -> client units showing Hidden
			keptIn := map[string][]string{}

			entries := reg.Transcript(id, 0)
			var b strings.Builder
			for _, e := range entries {
				b.WriteString(e.Text + "\n")
				for _, lang := range i18n.WordLanguages { // every language a reader may see
					b.WriteString(e.Note.In(lang) + "\n" + e.Redacted.In(lang) + "\n")
				}
				if e.Dir == wire.ClientToServer {
					keptIn["classroom registry"] = append(keptIn["classroom registry"], e.Text)
					if strings.Contains(e.Text, protoline.Hidden) {
						hiddenIn["classroom registry"]++
						if e.Redacted.IsZero() {
							t.Errorf("registry entry %q does not say what it hides", e.Text)
						}
					}
				}
			}
			outputs["classroom registry"] = b.String()

			files, _ := filepath.Glob(filepath.Join(dir, "recorder", "*"))
			if len(files) < 2 {
				t.Fatalf("the classroom recorder wrote %q, want a log and a transcript", files)
			}
			b.Reset()
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				b.Write(data)
			}
			outputs["classroom recorder files"] = b.String()

			cs, _ := reg.Conn(id)
			text, back := saved(t, classroom.ConnTranscript(cs, entries, "en"), filepath.Join(dir, "live.yaml"), transcripts.SaveOptions{})
			outputs["live view save"] = text
			keptIn["live view save"] = clientTexts(t, back, c.secrets)
			for _, e := range back.Events {
				if e.Unit != nil && !e.Unit.Redacted.IsZero() {
					hiddenIn["live view save"]++ // what the registry said each unit hides
				}
			}

			rec := transcripts.NewRecorder(transcripts.Meta{Live: true, ID: "x"})
			for _, e := range lessonEvents(c, units) {
				rec.Event(e)
			}
			text, back = saved(t, rec.Transcript(), filepath.Join(dir, "saved.yaml"), transcripts.SaveOptions{})
			outputs["saved live transcript"] = text
			keptIn["saved live transcript"] = clientTexts(t, back, c.secrets)
			whats := []string{}
			for _, e := range back.Events {
				if e.Unit != nil && !e.Unit.Redacted.IsZero() {
					hiddenIn["saved live transcript"]++
					whats = append(whats, e.Unit.Redacted.In("en"))
				}
			}
			twice := transcripts.Redact(back)
			for i, e := range twice.Events {
				if e.Unit == nil {
					continue
				}
				if was := back.Events[i].Unit; e.Unit.Text != was.Text || !reflect.DeepEqual(e.Unit.Redacted, was.Redacted) {
					t.Errorf("redacting again changed %q (%q) into %q (%q)", was.Text, was.Redacted, e.Unit.Text, e.Unit.Redacted)
				}
			}

			sandbox := transcripts.NewRecorder(transcripts.Meta{ID: "x"})
			for _, e := range lessonEvents(c, units) {
				sandbox.StudentEvent(e)
			}
			text, back = saved(t, sandbox.Transcript(), filepath.Join(dir, "sandbox.yaml"), transcripts.SaveOptions{Redact: true})
			outputs["lesson sandbox save"] = text
			keptIn["lesson sandbox save"] = clientTexts(t, back, c.secrets)

			for out, text := range outputs {
				for _, s := range c.secrets {
					if strings.Contains(text, s) {
						t.Errorf("%s shows %q:\n%s", out, s, text)
					}
				}
			}
			for out, n := range hiddenIn {
				if n != c.hidden {
					t.Errorf("%s: %d client units redacted, want %d (%q)", out, n, c.hidden, whats)
				}
			}
			for out, lines := range keptIn {
				for _, k := range c.keep {
					if !strings.Contains("\n"+strings.Join(lines, "\n")+"\n", "\n"+k+"\n") {
						t.Errorf("%s lost the line %q: %q", out, k, lines)
					}
				}
			}
		})
	}
}
