package classroom

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"strings"
	"time"

	"mailsim/sim/mailstore"
	"mailsim/sim/network"
)

// Classroom is a running class: the network, its accounts, the registry
// of connections, and the trainer's actions.
type Classroom struct {
	Net      *network.Network
	Registry *Registry
	Accounts []Account
	files    fs.FS
}

// New installs the accounts in the network's stores (quota in octets for
// accounts that set none; 0 = none) and attaches the registry, which
// should be the network's ServerTap.
func New(n *network.Network, reg *Registry, accts []Account, fsys fs.FS, quota int64) (*Classroom, error) {
	if err := Install(n, accts, fsys, quota); err != nil {
		return nil, err
	}
	if reg != nil {
		reg.Attach(n)
	}
	return &Classroom{Net: n, Registry: reg, Accounts: accts, files: fsys}, nil
}

// Account finds an account by address ("student01@example.com"); a bare
// name means example.com.
func (c *Classroom) Account(address string) (Account, bool) {
	name, domain, ok := strings.Cut(address, "@")
	if !ok {
		domain = network.DomainCom
	}
	for _, a := range c.Accounts {
		if strings.EqualFold(a.Name(), name) && strings.EqualFold(a.Domain, domain) {
			return a, true
		}
	}
	return Account{}, false
}

// Broadcast delivers a message from the trainer to every user of every
// provider, one copy each: IMAP clients in IDLE see it arrive (EXISTS) at
// once. It returns how many copies were delivered; users it could not
// deliver to (a full mailbox) are reported in the error.
func (c *Classroom) Broadcast(subject, body string) (int, error) {
	delivered := 0
	var errs []error
	for _, p := range c.Net.Providers {
		for _, user := range p.Store.Users() {
			raw := trainerMessage(user+"@"+p.Domain, subject, body, p.Store.Now())
			if _, err := p.Store.Deliver(user, raw); err != nil {
				errs = append(errs, fmt.Errorf("%s@%s: %w", user, p.Domain, err))
				continue
			}
			delivered++
		}
	}
	return delivered, errors.Join(errs...)
}

func trainerMessage(to, subject, body string, now time.Time) []byte {
	var id [8]byte
	rand.Read(id[:])
	_, domain, _ := strings.Cut(to, "@")
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	if !strings.HasSuffix(body, "\r\n") {
		body += "\r\n"
	}
	return []byte(fmt.Sprintf("From: Trainer <trainer@%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\n"+
		"Message-ID: <%x.trainer@%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Transfer-Encoding: 8bit\r\n\r\n%s",
		domain, to, mime.QEncoding.Encode("utf-8", subject), now.Format(time.RFC1123Z), id, domain, body))
}

// ResetMailbox puts an account back in its starter state: every mailbox
// emptied, mailboxes it did not start with removed (special-use ones such
// as Sent and Trash are kept, empty), the starter messages delivered again.
// Open IMAP sessions see the expunges and the new messages; UIDs go on
// increasing, so their caches stay valid.
func (c *Classroom) ResetMailbox(address string) error {
	a, ok := c.Account(address)
	if !ok {
		return fmt.Errorf("no account %s", address)
	}
	p, ok := c.Net.Provider(a.Domain)
	if !ok {
		return fmt.Errorf("no provider for %s", a.Domain)
	}
	st := p.Store
	boxes, err := st.Mailboxes(a.Name())
	if err != nil {
		return err
	}
	keep := map[string]bool{mailstore.Inbox: true}
	for name := range a.Starter.Mailboxes {
		keep[strings.ToUpper(name)] = true
		keep[name] = true
	}
	for _, mb := range boxes {
		msgs, _, err := st.Messages(a.Name(), mb.Name)
		if err != nil {
			return err
		}
		uids := make([]uint32, len(msgs))
		for i, m := range msgs {
			uids[i] = m.UID
		}
		if len(uids) > 0 {
			if _, err := st.Remove(a.Name(), mb.Name, uids, nil); err != nil {
				return err
			}
		}
		if !keep[mb.Name] && mb.SpecialUse == "" {
			if err := st.DeleteMailbox(a.Name(), mb.Name); err != nil && !errors.Is(err, mailstore.ErrNoMailbox) {
				return err
			}
		}
	}
	su := a.Starter
	su.Quota = 0 // unchanged
	return st.Load(mailstore.Seed{Users: []mailstore.SeedUser{su}}, c.files)
}

// Kick closes a connection at once, as if its network went away: a POP3
// session deletes nothing, an SMTP transaction delivers nothing. It
// reports whether the connection was open.
func (c *Classroom) Kick(id uint64) bool {
	if c.Registry == nil {
		return false
	}
	cs, ok := c.Registry.Conn(id)
	if !ok || !cs.Open {
		return false
	}
	return c.Net.CloseConn(cs.Local, cs.Remote)
}
