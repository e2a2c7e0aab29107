package classroom

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"mailsim/internal/folder"
	"mailsim/lessons"
	"mailsim/sim/mailstore"
	"mailsim/sim/network"
)

// Account is one login of the classroom.
type Account struct {
	Domain    string // "example.com"
	Password  string
	Generated bool // the password was generated, not given
	Student   bool // made by Students
	Shared    bool // the class mailbox everyone may log in to
	// Starter is the user with the mailboxes it starts with (and gets back
	// on ResetMailbox). Starter.Name is the login name.
	Starter mailstore.SeedUser
}

// Name is the login name.
func (a Account) Name() string { return a.Starter.Name }

// Address is the mail address.
func (a Account) Address() string { return a.Starter.Name + "@" + a.Domain }

// AccountsFile is the YAML of `mailsim serve --accounts`: mailstore.Seed
// users with a domain (default example.com); an empty password is
// generated.
//
//	users:
//	  - name: alice
//	    domain: example.com
//	    password: wonderland
//	    mailboxes:
//	      INBOX:
//	        - {from: "Bob <bob@example.org>", subject: "Lunch?", body: "Noon?"}
//	  - name: bob
//	    domain: example.org   # password generated
type AccountsFile struct {
	Users []AccountUser `yaml:"users"`
}

// AccountUser is a mailstore.SeedUser with its domain.
type AccountUser struct {
	Domain             string `yaml:"domain,omitempty"`
	mailstore.SeedUser `yaml:",inline"`
}

// LoadAccounts reads an accounts file. Message files it names are read
// from fsys, the file's directory.
func LoadAccounts(path string) (accts []Account, fsys fs.FS, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	accts, err = ParseAccounts(data)
	var ye *yaml.TypeError
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "yaml: ") || errors.As(err, &ye):
		// at the problem's own line and column, as for lessons
		return nil, nil, lessons.YAMLError(path, data, err)
	case err != nil:
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return accts, folder.FS(filepath.Dir(path)), nil
}

// ParseAccounts decodes an accounts file, rejecting unknown keys,
// duplicate addresses and bad names.
func ParseAccounts(data []byte) ([]Account, error) {
	var f AccountsFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []Account
	for i, u := range f.Users {
		if u.Domain == "" {
			u.Domain = network.DomainCom
		}
		u.Domain = strings.ToLower(u.Domain)
		if u.Name == "" || strings.ContainsAny(u.Name, " \t\r\n\x00@\"\\") {
			return nil, fmt.Errorf("user %d: invalid name %q", i+1, u.Name)
		}
		a := Account{Domain: u.Domain, Password: u.Password, Starter: u.SeedUser}
		if a.Password == "" {
			a.Password, a.Generated = Password(), true
		}
		a.Starter.Password = a.Password
		key := strings.ToLower(a.Address())
		if seen[key] {
			return nil, fmt.Errorf("user %d: %s listed twice", i+1, a.Address())
		}
		seen[key] = true
		out = append(out, a)
	}
	return out, nil
}

// passwordAlphabet has no look-alikes (no 0/o, 1/l/i): easy to read off a
// projector and to type on a phone.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// Password returns a random 10-character password from passwordAlphabet
// (about 50 bits).
func Password() string {
	var b strings.Builder
	max := big.NewInt(int64(len(passwordAlphabet)))
	for i := 0; i < 10; i++ {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b.WriteByte(passwordAlphabet[n.Int64()])
	}
	return b.String()
}

// Students makes student01..studentN at domain, with random passwords and
// a starter INBOX of three welcome messages.
func Students(n int, domain string) []Account {
	width := max(2, len(fmt.Sprint(n)))
	out := make([]Account, 0, n)
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("student%0*d", width, i)
		pw := Password()
		out = append(out, Account{Domain: domain, Password: pw, Generated: true, Student: true,
			Starter: mailstore.SeedUser{Name: name, Password: pw, Mailboxes: starterMailboxes(name, domain)}})
	}
	return out
}

// ClassAccount is the shared class@domain mailbox: everyone gets its
// password, so a whole class can watch one mailbox change.
func ClassAccount(domain string) Account {
	pw := Password()
	return Account{Domain: domain, Password: pw, Generated: true, Shared: true,
		Starter: mailstore.SeedUser{Name: "class", Password: pw, Mailboxes: map[string][]mailstore.SeedMessage{
			mailstore.Inbox: {{
				From: "Trainer <trainer@" + domain + ">", To: "class@" + domain,
				Subject: "The class mailbox",
				Body: "Everyone in the class can log in to this mailbox.\n\n" +
					"Flag this message, or delete it, and watch the other students' mail apps\n" +
					"show the change: with IMAP the state lives on the server.\n",
			}},
		}}}
}

func starterMailboxes(name, domain string) map[string][]mailstore.SeedMessage {
	to := name + "@" + domain
	from := "Trainer <trainer@" + domain + ">"
	return map[string][]mailstore.SeedMessage{mailstore.Inbox: {
		{From: from, To: to, Subject: "Welcome to the mail class",
			Body: "Hello " + name + ",\n\nthis is your own mailbox on the class's simulated mail provider " + domain + ".\n" +
				"Everything you do here is seen by the servers on the trainer's machine, line by line.\n"},
		{From: from, To: to, Subject: "Try this: send me a reply",
			Body: "Reply to this message. Your mail app hands it to smtp." + domain + " (submission),\n" +
				"which delivers it at once: the trainer will see the SMTP dialogue on the screen.\n"},
		{From: "Bob <bob@example.org>", To: to, Subject: "POP or IMAP?",
			Body: "Read this message with POP3 and then with IMAP.\n" +
				"With POP3 your app downloads it (and may delete it); with IMAP it stays on the server.\n"},
	}}
}

// Install creates the accounts in the providers' stores, with their
// starter mail. quota (octets, 0 = none) applies to accounts that set none.
func Install(n *network.Network, accts []Account, fsys fs.FS, quota int64) error {
	for _, a := range accts {
		p, ok := n.Provider(a.Domain)
		if !ok {
			return fmt.Errorf("account %s: no provider for %s (the simulated providers are %s)", a.Address(), a.Domain, providerList(n))
		}
		su := a.Starter
		if su.Quota == 0 {
			su.Quota = quota
		}
		if err := p.Store.Load(mailstore.Seed{Users: []mailstore.SeedUser{su}}, fsys); err != nil {
			return fmt.Errorf("account %s: %w", a.Address(), err)
		}
	}
	return nil
}

func providerList(n *network.Network) string {
	var d []string
	for _, p := range n.Providers {
		d = append(d, p.Domain)
	}
	return strings.Join(d, ", ")
}
