package mailstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"time"
)

// Seed is the initial content of a store, as lessons and `mailsim serve
// --accounts` give it in YAML.
//
//	users:
//	  - name: alice
//	    password: wonderland
//	    mailboxes:
//	      INBOX:
//	        - from: Bob <bob@example.org>
//	          subject: Lunch?
//	          body: Noon at the usual place?
//	          attachments:
//	            - {name: menu.txt, type: text/plain, content: "Pho, 45k"}
//	        - file: mail/invoice.eml
//	      Sent: []
type Seed struct {
	Users []SeedUser `yaml:"users"`
}

// SeedUser is one user of a Seed.
type SeedUser struct {
	Name      string                   `yaml:"name"`
	Password  string                   `yaml:"password"`
	Quota     int64                    `yaml:"quota,omitempty"` // octets; 0 = none
	Mailboxes map[string][]SeedMessage `yaml:"mailboxes,omitempty"`
}

// SeedMessage is a message given inline (header fields and body) or as a
// file holding RFC 5322 text.
type SeedMessage struct {
	File        string           `yaml:"file,omitempty"`
	From        string           `yaml:"from,omitempty"`
	To          string           `yaml:"to,omitempty"`
	Cc          string           `yaml:"cc,omitempty"`
	Subject     string           `yaml:"subject,omitempty"`
	Date        string           `yaml:"date,omitempty"` // RFC 3339 or RFC 5322; empty = the store's clock
	MessageID   string           `yaml:"message-id,omitempty"`
	Body        string           `yaml:"body,omitempty"`
	Flags       []string         `yaml:"flags,omitempty"`
	Attachments []SeedAttachment `yaml:"attachments,omitempty"`
	// Repeat makes this many numbered copies ("Subject #1", ...); 0 or 1
	// means one. It lets a lesson fill a mailbox of thousands.
	Repeat int `yaml:"repeat,omitempty"`
	// Vary makes the copies of a repeated message differ, as the mail of
	// years does; nil: every copy is the same but for its number.
	Vary *SeedVary `yaml:"vary,omitempty"`
}

// SeedVary varies the copies of a repeated message. Copy n (1, 2, ...)
// takes a sender and a subject from the lists, a body of some number of
// lines in the range, and a date Every after copy n-1's. The choices come
// from n alone (a fixed hash), so the same seed always gives the same
// mailbox:
//
//	INBOX:
//	  - subject: Newsletter
//	    date: "2016-12-01T08:00:00+07:00"
//	    body: |
//	      A line of text.
//	      Another line.
//	    repeat: 10000
//	    vary:
//	      from: ["Bob <bob@example.org>", "Da Lat Photo Club <club@example.net>"]
//	      subjects: [Lunch?, Photos from Da Lat, Your invoice]
//	      lines: [2, 16]
//	      every: 8h45m
type SeedVary struct {
	From     []string `yaml:"from,omitempty"`     // senders; empty: the message's From
	Subjects []string `yaml:"subjects,omitempty"` // subjects, each copy's number added; empty: the message's Subject
	// Lines is [min, max]: the body's lines are cycled, from a place that
	// also varies, to this many lines. Empty: the body as written.
	Lines []int  `yaml:"lines,omitempty"`
	Every string `yaml:"every,omitempty"` // a Go duration ("8h45m"); needs Date; empty: every copy has Date
}

// MaxVaryLines bounds the lines of a varied body.
const MaxVaryLines = 1000

// Check reports what is wrong with v, if anything.
func (v *SeedVary) Check() error {
	if v == nil {
		return nil
	}
	for _, l := range [][]string{v.From, v.Subjects} {
		for _, x := range l {
			if strings.TrimSpace(x) == "" {
				return fmt.Errorf("vary: an empty sender or subject")
			}
		}
	}
	if len(v.Lines) > 0 && (len(v.Lines) != 2 || v.Lines[0] < 1 || v.Lines[0] > v.Lines[1] || v.Lines[1] > MaxVaryLines) {
		return fmt.Errorf("vary: lines must be [min, max] with 1 <= min <= max <= %d", MaxVaryLines)
	}
	if v.Every != "" {
		if d, err := time.ParseDuration(v.Every); err != nil || d <= 0 {
			return fmt.Errorf("vary: every %q: want a positive duration such as 8h45m", v.Every)
		}
	}
	return nil
}

// copyN is copy n (1-based) of a repeated message: numbered, and varied.
func (sm SeedMessage) copyN(n int) (SeedMessage, error) {
	m := sm
	m.Repeat, m.Vary = 0, nil
	if sm.Repeat <= 1 {
		return m, nil
	}
	if v := sm.Vary; v != nil {
		if err := v.Check(); err != nil {
			return m, err
		}
		if len(v.From) > 0 {
			m.From = v.From[pick(n, 1, len(v.From))]
		}
		if len(v.Subjects) > 0 {
			m.Subject = v.Subjects[pick(n, 2, len(v.Subjects))]
		}
		if len(v.Lines) == 2 {
			lines := strings.Split(strings.TrimRight(sm.Body, "\n"), "\n")
			k := v.Lines[0] + pick(n, 3, v.Lines[1]-v.Lines[0]+1)
			from := pick(n, 4, len(lines))
			var b strings.Builder
			for j := range k {
				b.WriteString(lines[(from+j)%len(lines)])
				b.WriteString("\n")
			}
			m.Body = b.String()
		}
		if v.Every != "" {
			if sm.Date == "" {
				return m, fmt.Errorf("vary: every needs the message's date (the first copy's)")
			}
			first, err := sm.date(nil)
			if err != nil {
				return m, err
			}
			every, _ := time.ParseDuration(v.Every)
			m.Date = first.Add(time.Duration(n-1) * every).Format(time.RFC3339)
		}
	}
	m.Subject = fmt.Sprintf("%s #%d", m.Subject, n)
	if m.MessageID != "" {
		m.MessageID = strings.Replace(m.MessageID, "@", fmt.Sprintf(".%d@", n), 1)
	}
	return m, nil
}

// pick is a choice in [0, n) for copy i, the same on every run: salt
// makes the choices of one copy (sender, subject, ...) independent.
func pick(i, salt, n int) int {
	x := uint64(i)*0x9E3779B97F4A7C15 + uint64(salt)*0xBF58476D1CE4E5B9
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return int(x % uint64(n))
}

// SeedAttachment is an attachment of an inline SeedMessage: Content given
// as text, or File read from disk.
type SeedAttachment struct {
	Name    string `yaml:"name"`
	Type    string `yaml:"type,omitempty"` // MIME type; default application/octet-stream
	Content string `yaml:"content,omitempty"`
	File    string `yaml:"file,omitempty"`
}

// Limits of what one seed (a lesson's, an accounts file's) may put in the
// store: MaxSeedRepeat bounds SeedMessage.Repeat, and MaxSeedMessages and
// MaxSeedBytes the whole seed, repeats included, so that a 7 KB file cannot
// ask for half a gigabyte.
const (
	MaxSeedRepeat   = 100000
	MaxSeedMessages = 20000
	MaxSeedBytes    = 64 << 20
)

// ErrSeedTooLarge refuses a seed over MaxSeedMessages or MaxSeedBytes.
var ErrSeedTooLarge = errors.New("the seed is too large")

// Load adds a Seed's users, mailboxes and messages to the store. Files are
// read from fsys, which may be nil when the seed names no files. Mailboxes
// are filled in name order (INBOX first), so UIDs are deterministic.
func (s *Store) Load(seed Seed, fsys fs.FS) error {
	budget := &seedBudget{}
	for _, su := range seed.Users {
		if !s.HasUser(su.Name) {
			if err := s.AddUser(su.Name, su.Password); err != nil {
				return err
			}
		}
		if su.Quota > 0 {
			if err := s.SetQuota(su.Name, su.Quota); err != nil {
				return err
			}
		}
		names := make([]string, 0, len(su.Mailboxes))
		for n := range su.Mailboxes {
			names = append(names, n)
		}
		sortMailboxes(names, func(i int) string { return mailboxKey(names[i]) })
		for _, name := range names {
			if mailboxKey(name) != Inbox {
				if err := s.CreateMailbox(su.Name, name); err != nil && !isExists(err) {
					return fmt.Errorf("user %s: %w", su.Name, err)
				}
			}
			for i, sm := range su.Mailboxes[name] {
				if err := s.loadMessage(su.Name, name, sm, fsys, budget); err != nil {
					return fmt.Errorf("user %s, mailbox %s, message %d: %w", su.Name, name, i+1, err)
				}
			}
		}
	}
	return nil
}

func isExists(err error) bool { return errors.Is(err, ErrMailboxExists) }

// seedBudget counts what a seed has loaded so far.
type seedBudget struct {
	messages int
	bytes    int64
}

func (b *seedBudget) spend(raw []byte) error {
	b.messages++
	b.bytes += int64(len(raw))
	if b.messages > MaxSeedMessages {
		return fmt.Errorf("%w: over %d messages", ErrSeedTooLarge, MaxSeedMessages)
	}
	if b.bytes > MaxSeedBytes {
		return fmt.Errorf("%w: over %d MB of messages", ErrSeedTooLarge, MaxSeedBytes>>20)
	}
	return nil
}

func (s *Store) loadMessage(userName, mailbox string, sm SeedMessage, fsys fs.FS, budget *seedBudget) error {
	n := sm.Repeat
	if n > MaxSeedRepeat {
		return fmt.Errorf("repeat %d is over the limit of %d", n, MaxSeedRepeat)
	}
	if n < 1 {
		n = 1
	}
	if sm.Vary != nil && sm.Repeat <= 1 {
		return fmt.Errorf("vary needs repeat: of 2 or more")
	}
	for i := 1; i <= n; i++ {
		m, err := sm.copyN(i)
		if err != nil {
			return err
		}
		raw, date, err := m.Build(fsys, s.clock)
		if err != nil {
			return err
		}
		if err := budget.spend(raw); err != nil {
			return err
		}
		if _, err := s.Append(userName, mailbox, raw, m.Flags, date, nil); err != nil {
			return err
		}
	}
	return nil
}

// Build returns the message's RFC 5322 octets and its date. Inline messages
// with attachments become multipart/mixed with a boundary derived from the
// content, so the same seed always gives the same octets.
func (sm SeedMessage) Build(fsys fs.FS, clock func() time.Time) ([]byte, time.Time, error) {
	date, err := sm.date(clock)
	if err != nil {
		return nil, time.Time{}, err
	}
	if sm.File != "" {
		if sm.From != "" || sm.Subject != "" || sm.Body != "" || len(sm.Attachments) > 0 {
			return nil, date, fmt.Errorf("a message from file %q cannot also have inline fields", sm.File)
		}
		raw, err := readFile(fsys, sm.File)
		return toCRLF(raw), date, err
	}
	var b bytes.Buffer
	hdr := func(k, v string) {
		if v != "" {
			if k == "From" || k == "To" || k == "Cc" {
				fmt.Fprintf(&b, "%s: %s\r\n", k, v)
			} else {
				fmt.Fprintf(&b, "%s: %s\r\n", k, encodeHeader(v))
			}
		}
	}
	hdr("From", encodeAddresses(sm.From))
	hdr("To", encodeAddresses(sm.To))
	hdr("Cc", encodeAddresses(sm.Cc))
	hdr("Subject", sm.Subject)
	b.WriteString("Date: " + date.Format(time.RFC1123Z) + "\r\n")
	if sm.MessageID != "" {
		hdr("Message-ID", sm.MessageID)
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	body := string(toCRLF([]byte(sm.Body)))
	if len(sm.Attachments) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
		b.WriteString("Content-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(body)
		return b.Bytes(), date, nil
	}
	parts := make([][]byte, len(sm.Attachments))
	h := sha256.New()
	h.Write([]byte(body))
	for i, a := range sm.Attachments {
		p, err := a.part(fsys)
		if err != nil {
			return nil, date, err
		}
		parts[i] = p
		h.Write(p)
	}
	boundary := fmt.Sprintf("mailsim-%x", h.Sum(nil)[:8])
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s", boundary, body)
	if !strings.HasSuffix(body, "\r\n") {
		b.WriteString("\r\n")
	}
	for _, p := range parts {
		fmt.Fprintf(&b, "--%s\r\n", boundary)
		b.Write(p)
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), date, nil
}

func (a SeedAttachment) part(fsys fs.FS) ([]byte, error) {
	if a.Name == "" {
		return nil, fmt.Errorf("an attachment needs a name")
	}
	data := []byte(a.Content)
	if a.File != "" {
		var err error
		if data, err = readFile(fsys, a.File); err != nil {
			return nil, err
		}
	}
	typ := a.Type
	if typ == "" {
		typ = "application/octet-stream"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Content-Type: %s; name=%q\r\n", typ, a.Name)
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=%q\r\n", a.Name)
	b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	if enc != "" {
		b.WriteString(enc + "\r\n")
	}
	return b.Bytes(), nil
}

func readFile(fsys fs.FS, name string) ([]byte, error) {
	if fsys == nil {
		return nil, fmt.Errorf("file %q: no directory to read it from", name)
	}
	return fs.ReadFile(fsys, filepath.ToSlash(name))
}

func (sm SeedMessage) date(clock func() time.Time) (time.Time, error) {
	if sm.Date == "" {
		if clock == nil {
			return time.Now(), nil
		}
		return clock(), nil
	}
	for _, layout := range []string{time.RFC3339, time.RFC1123Z, time.RFC1123, "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, sm.Date); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: want RFC 3339 (2026-11-20T09:00:00Z) or RFC 5322", sm.Date)
}

// encodeHeader MIME-encodes a header value that is not plain ASCII, so that
// Vietnamese subjects survive every client.
func encodeHeader(v string) string {
	for _, r := range v {
		if r >= 0x80 {
			return mime.QEncoding.Encode("utf-8", v)
		}
	}
	return v
}

// encodeAddresses formats an address list so that non-ASCII display names
// are MIME-encoded and the addresses stay readable.
func encodeAddresses(v string) string {
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return v
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return strings.Join(out, ", ")
}
