package sim

import (
	"sort"
	"strings"

	"mailsim/sim/events"
)

// A device's local mail: the copies its POP3 downloads and its sent mail
// leave on its disk, shared by the actors that are one mail app
// (lessons' Actor.Device: a second POP3 account, or the SMTP side that
// keeps sent mail).

// device is the actor whose local mail a's downloads and sent copies go
// to: a itself, or the device it shares.
func (a *actor) device() *actor {
	if a.dev != nil {
		return a.dev
	}
	return a
}

// account is the account the actor logs in as, "alice@example.com".
func (a *actor) account() string {
	return a.spec.User + "@" + domainOr(a.spec.Domain)
}

// keepRaw remembers the octets of a message the device holds whole.
func (a *actor) keepRaw(m events.LocalMessage, raw []byte) {
	if a.raw == nil {
		a.raw = map[events.LocalKey][]byte{}
	}
	a.raw[m.Key()] = append([]byte(nil), raw...)
}

// localLess orders a POP3 device's local mail: the inbox first, then the
// other folders by name; by account, then by number, within a folder.
func localLess(x, y events.LocalMessage) bool {
	if x.Mailbox != y.Mailbox {
		return x.Mailbox < y.Mailbox
	}
	if x.Account != y.Account {
		return x.Account < y.Account
	}
	return x.UID < y.UID
}

// sentFolder is the local folder a device keeps the mail it sent in.
const sentFolder = "Sent"

// keepSent files a copy of a message the actor sent in its device's local
// Sent folder, as a POP3 mail app does: the server keeps none. Only actors
// that fill a device's local mail (Actor.Device) do it.
func (a *actor) keepSent(body string) {
	if a.spec.Device == "" {
		return
	}
	d := a.device()
	raw := []byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
	d.sent++
	m := parseLocal(d.sent, raw)
	m.Mailbox, m.Body, m.Account = sentFolder, true, a.account()
	d.keepRaw(m, raw)
	d.local = append(d.local, m)
	sort.SliceStable(d.local, func(i, j int) bool { return localLess(d.local[i], d.local[j]) })
}
