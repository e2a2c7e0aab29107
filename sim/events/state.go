package events

import (
	"fmt"
	"slices"

	"mailsim/internal/i18n"
	"mailsim/sim/mailstore"
)

// State is the whole simulated world at one moment: every provider's
// mailboxes and every device's local copy. It is immutable once emitted.
type State struct {
	Providers []ProviderState
	Devices   []DeviceState
}

// ProviderState is a provider's store, snapshotted.
type ProviderState struct {
	Domain   string
	Snapshot *mailstore.Snapshot
	// Marked lists messages a POP3 session has DELEted but not yet removed
	// (that happens at QUIT), as "user/UID" keys.
	Marked map[string]bool
}

// DeviceState is one actor's view of its mail. The yaml tags are the
// keys a saved transcript writes it under (transcripts stores it as it is).
type DeviceState struct {
	Name      string         `yaml:"name"`
	Protocol  string         `yaml:"protocol,omitempty"`
	User      string         `yaml:"user,omitempty"` // user@domain
	Client    i18n.Text      `yaml:"client,omitempty"`
	Connected bool           `yaml:"connected,omitempty"`
	Host      string         `yaml:"host,omitempty"` // where it is connected, "pop.example.com:110"
	Local     []LocalMessage `yaml:"local,omitempty"`
	// Sent and Received count the octets the device's connections have
	// moved so far, as the protocol sees them (inside TLS), every account
	// of its mail app together: the same count as a stats check's.
	Sent     int `yaml:"sent,omitempty"`
	Received int `yaml:"received,omitempty"`
}

// LocalMessage is a message as a device holds it: a POP3 client's
// downloaded copy, or an IMAP client's cached summary (and body, once
// fetched). The yaml tags are its keys in a saved transcript.
type LocalMessage struct {
	UID     uint32   `yaml:"uid"` // the server UID it came from
	Subject string   `yaml:"subject,omitempty"`
	From    string   `yaml:"from,omitempty"`
	Size    int      `yaml:"size,omitempty"`
	Flags   []string `yaml:"flags,omitempty"`
	Body    bool     `yaml:"body,omitempty"` // the whole message is held locally (not just headers)
	// Account is the account a POP3 device downloaded it with, or sent it
	// from, "alice@example.org": a device can hold several (lessons'
	// Actor.Device). Empty for IMAP caches.
	Account string `yaml:"account,omitempty"`

	// IMAP devices only.
	Mailbox   string `yaml:"mailbox,omitempty"`   // the server mailbox it mirrors ("INBOX")
	Parts     string `yaml:"parts,omitempty"`     // what was downloaded: "whole message", "headers, part 1"; "" = the summary only (flags, envelope)
	Bytes     int    `yaml:"bytes,omitempty"`     // message octets downloaded so far (body sections; the summary not counted)
	Structure string `yaml:"structure,omitempty"` // BODYSTRUCTURE summed up: "1 text/plain 212 B; 2 image/svg+xml dalat.svg 6120 B"
}

// MarkKey is the key of ProviderState.Marked.
func MarkKey(user string, uid uint32) string { return fmt.Sprintf("%s/%d", user, uid) }

// Provider finds a provider's state.
func (s *State) Provider(domain string) (*ProviderState, bool) {
	for i := range s.Providers {
		if s.Providers[i].Domain == domain {
			return &s.Providers[i], true
		}
	}
	return nil, false
}

// Device finds a device's state.
func (s *State) Device(name string) (*DeviceState, bool) {
	for i := range s.Devices {
		if s.Devices[i].Name == name {
			return &s.Devices[i], true
		}
	}
	return nil, false
}

// ChangeKind says how something differs between two states.
type ChangeKind int

// What a Change can be.
const (
	Added        ChangeKind = iota // a message appeared
	Removed                        // a message went away
	FlagsChanged                   // a message's flags changed
	Marked                         // a message was marked for deletion (POP3 DELE)
	Unmarked                       // a mark was taken back (RSET, or the session ended)
	Downloaded                     // a device downloaded (more of) a message: Detail says what
)

func (k ChangeKind) String() string {
	return [...]string{"new", "deleted", "flags changed", "marked for deletion", "unmarked", "downloaded"}[k]
}

// changeKindNames are the kinds' names in a saved transcript.
var changeKindNames = [...]string{"added", "removed", "flags", "marked", "unmarked", "downloaded"}

// MarshalText gives the kind's name in a saved transcript: added, removed,
// flags, marked, unmarked or downloaded.
func (k ChangeKind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(changeKindNames) {
		return nil, fmt.Errorf("change kind %d has no name", int(k))
	}
	return []byte(changeKindNames[k]), nil
}

// UnmarshalText reads a kind's name (MarshalText).
func (k *ChangeKind) UnmarshalText(b []byte) error {
	for i, n := range changeKindNames {
		if n == string(b) {
			*k = ChangeKind(i)
			return nil
		}
	}
	return fmt.Errorf("change kind %q: want added, removed, flags, marked, unmarked or downloaded", b)
}

// Change is one difference between two states, for the "what changed"
// highlight. The yaml tags are its keys in a saved transcript.
type Change struct {
	Kind    ChangeKind `yaml:"kind"`
	Where   string     `yaml:"where"` // "example.com alice/INBOX" or "device laptop"
	UID     uint32     `yaml:"uid"`
	Subject string     `yaml:"subject,omitempty"`
	Flags   []string   `yaml:"flags,omitempty"`  // FlagsChanged: the flags now
	Detail  string     `yaml:"detail,omitempty"` // Downloaded: what the device holds now and the octets this step moved, "part 1 (+212 B)"
}

// Diff lists what changed from a to b.
func Diff(a, b *State) []Change {
	if a == nil || b == nil {
		return nil
	}
	var out []Change
	for _, pb := range b.Providers {
		pa, _ := a.Provider(pb.Domain)
		for _, ub := range pb.Snapshot.Users {
			for _, mb := range ub.Mailboxes {
				where := fmt.Sprintf("%s %s/%s", pb.Domain, ub.Name, mb.Name)
				var old []*mailstore.Message
				if pa != nil {
					if ma, ok := pa.Snapshot.Mailbox(ub.Name, mb.Name); ok {
						old = ma.Messages
					}
				}
				out = append(out, diffMessages(where, old, mb.Messages)...)
				for _, m := range mb.Messages {
					k := MarkKey(ub.Name, m.UID)
					was := pa != nil && pa.Marked[k]
					if pb.Marked[k] && !was {
						out = append(out, Change{Kind: Marked, Where: where, UID: m.UID, Subject: m.Subject})
					} else if was && !pb.Marked[k] {
						out = append(out, Change{Kind: Unmarked, Where: where, UID: m.UID, Subject: m.Subject})
					}
				}
			}
		}
	}
	for _, db := range b.Devices {
		where := "device " + db.Name
		da, _ := a.Device(db.Name)
		have := map[LocalKey]LocalMessage{}
		if da != nil {
			for _, m := range da.Local {
				have[m.Key()] = m
			}
		}
		now := map[LocalKey]bool{}
		for _, m := range db.Local {
			now[m.Key()] = true
			old, ok := have[m.Key()]
			if !ok {
				out = append(out, Change{Kind: Added, Where: where, UID: m.UID, Subject: m.Subject})
			}
			if m.Bytes != old.Bytes || m.Parts != old.Parts {
				out = append(out, Change{Kind: Downloaded, Where: where, UID: m.UID, Subject: m.Subject,
					Detail: fmt.Sprintf("%s (+%d B)", m.Parts, m.Bytes-old.Bytes)})
			}
			if ok && !slices.Equal(old.Flags, m.Flags) {
				out = append(out, Change{Kind: FlagsChanged, Where: where, UID: m.UID, Subject: m.Subject, Flags: m.Flags})
			}
		}
		if da != nil {
			for _, m := range da.Local {
				if !now[m.Key()] {
					out = append(out, Change{Kind: Removed, Where: where, UID: m.UID, Subject: m.Subject})
				}
			}
		}
	}
	return out
}

// LocalKey names a message in a device's local mail: UIDs repeat across
// the accounts and mailboxes one device holds.
type LocalKey struct {
	mailbox, account string
	uid              uint32
}

func (m LocalMessage) Key() LocalKey { return LocalKey{m.Mailbox, m.Account, m.UID} }

func diffMessages(where string, old, now []*mailstore.Message) []Change {
	var out []Change
	byUID := make(map[uint32]*mailstore.Message, len(old))
	for _, m := range old {
		byUID[m.UID] = m
	}
	seen := make(map[uint32]bool, len(now))
	for _, m := range now {
		seen[m.UID] = true
		o, ok := byUID[m.UID]
		switch {
		case !ok:
			out = append(out, Change{Kind: Added, Where: where, UID: m.UID, Subject: m.Subject})
		case o != m && !slices.Equal(o.Flags, m.Flags):
			out = append(out, Change{Kind: FlagsChanged, Where: where, UID: m.UID, Subject: m.Subject, Flags: m.Flags})
		}
	}
	for _, m := range old {
		if !seen[m.UID] {
			out = append(out, Change{Kind: Removed, Where: where, UID: m.UID, Subject: m.Subject})
		}
	}
	return out
}
