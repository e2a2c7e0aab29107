package imap

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"

	"mailsim/sim/mailstore"
)

// This file holds the authenticated-state commands that work on mailboxes
// as a whole: CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST/LSUB, STATUS and
// APPEND.

const delim = mailstore.Delimiter

func (sess *session) Create(name string, _ *imap.CreateOptions) error {
	// A trailing delimiter only says the client means to create children.
	name = strings.TrimRight(name, string(delim))
	if canonicalMailbox(name) == mailstore.Inbox {
		return storeError(mailstore.ErrMailboxExists, name, false)
	}
	if err := mailstore.ValidMailboxName(name); err != nil {
		return storeError(err, name, false)
	}
	// RFC 9051 section 6.3.4: create the superior levels that are needed.
	levels := strings.Split(name, string(delim))
	for i := 1; i < len(levels); i++ {
		parent := strings.Join(levels[:i], string(delim))
		if err := sess.srv.store.CreateMailbox(sess.user, parent); err != nil && !errors.Is(err, mailstore.ErrMailboxExists) {
			return storeError(err, parent, false)
		}
	}
	return storeError(sess.srv.store.CreateMailbox(sess.user, name), name, false)
}

func (sess *session) Delete(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return storeError(sess.srv.store.DeleteMailbox(sess.user, name), name, false)
}

func (sess *session) Rename(oldName, newName string, _ *imap.RenameOptions) error {
	newName = strings.TrimRight(newName, string(delim))
	if err := checkName(oldName); err != nil {
		return err
	}
	if canonicalMailbox(newName) == mailstore.Inbox {
		return storeError(mailstore.ErrMailboxExists, newName, false)
	}
	if err := checkName(newName); err != nil {
		return err
	}
	err := sess.srv.store.RenameMailbox(sess.user, oldName, newName)
	if errors.Is(err, mailstore.ErrMailboxExists) {
		return storeError(err, newName, false)
	}
	return storeError(err, oldName, false)
}

func (sess *session) Subscribe(name string) error   { return sess.setSubscribed(name, true) }
func (sess *session) Unsubscribe(name string) error { return sess.setSubscribed(name, false) }

func (sess *session) setSubscribed(name string, on bool) error {
	if err := checkName(name); err != nil {
		return err
	}
	return storeError(sess.srv.store.SetSubscribed(sess.user, name, on), name, false)
}

// foldInbox spells a leading INBOX level in upper case, so that patterns
// and references match INBOX case-insensitively.
func foldInbox(s string) string {
	if len(s) >= 5 && strings.EqualFold(s[:5], mailstore.Inbox) && (len(s) == 5 || s[5] == delim) {
		return mailstore.Inbox + s[5:]
	}
	return s
}

func (sess *session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if len(patterns) == 0 {
		// LIST "" "": the hierarchy delimiter and root.
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: delim})
	}
	infos, err := sess.srv.store.Mailboxes(sess.user)
	if err != nil {
		return storeError(err, "", false)
	}
	ref = foldInbox(ref)
	for i := range patterns {
		patterns[i] = foldInbox(patterns[i])
	}

	// Every existing mailbox, plus the superior levels that do not exist
	// themselves ("Archive" for "Archive/2026"), which are listed \Noselect.
	byName := map[string]*mailstore.MailboxInfo{}
	children := map[string]bool{}
	names := make([]string, 0, len(infos))
	for i := range infos {
		byName[infos[i].Name] = &infos[i]
		names = append(names, infos[i].Name)
	}
	for _, in := range infos {
		name := in.Name
		for j := strings.LastIndexByte(name, delim); j > 0; j = strings.LastIndexByte(name, delim) {
			name = name[:j]
			children[name] = true
			if _, ok := byName[name]; !ok && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == mailstore.Inbox) != (b == mailstore.Inbox) {
			if a == mailstore.Inbox {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})

	for _, name := range names {
		if !slices.ContainsFunc(patterns, func(p string) bool { return imapserver.MatchList(name, delim, ref, p) }) {
			continue
		}
		in := byName[name]
		if in == nil {
			if options.SelectSubscribed || options.SelectSpecialUse {
				continue
			}
			if err := w.WriteList(&imap.ListData{Mailbox: name, Delim: delim,
				Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect, imap.MailboxAttrHasChildren}}); err != nil {
				return err
			}
			continue
		}
		if options.SelectSubscribed && !in.Subscribed || options.SelectSpecialUse && in.SpecialUse == "" {
			continue
		}
		data := &imap.ListData{Mailbox: name, Delim: delim}
		if children[name] {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasChildren)
		} else {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasNoChildren)
		}
		if in.Subscribed && options.ReturnSubscribed {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		if in.SpecialUse != "" {
			data.Attrs = append(data.Attrs, imap.MailboxAttr(in.SpecialUse))
		}
		if options.ReturnStatus != nil {
			data.Status = sess.statusData(*in, options.ReturnStatus)
		}
		if err := w.WriteList(data); err != nil {
			return err
		}
	}
	return nil
}

func (sess *session) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	info, err := sess.srv.store.Mailbox(sess.user, name)
	if err != nil {
		return nil, storeError(err, name, false)
	}
	return sess.statusData(info, options), nil
}

func (sess *session) statusData(info mailstore.MailboxInfo, o *imap.StatusOptions) *imap.StatusData {
	d := &imap.StatusData{Mailbox: info.Name, UIDValidity: info.UIDValidity}
	u32 := func(n int) *uint32 { v := uint32(n); return &v }
	if o.NumMessages {
		d.NumMessages = u32(info.Messages)
	}
	if o.UIDNext {
		d.UIDNext = imap.UID(info.UIDNext)
	}
	if o.NumUnseen {
		d.NumUnseen = u32(info.Unseen)
	}
	if o.NumDeleted {
		d.NumDeleted = u32(info.Deleted)
	}
	if o.Size {
		size := info.Size
		d.Size = &size
	}
	if o.AppendLimit {
		limit := sess.srv.opts.AppendLimit
		d.AppendLimit = &limit
	}
	if o.NumRecent {
		// Messages at or past the mark have not been \Recent to anyone.
		mark := sess.srv.reg.recentMark(keyOf(sess.user, info.Name))
		n := 0
		if msgs, _, err := sess.srv.store.Messages(sess.user, info.Name); err == nil {
			for _, m := range msgs {
				if m.UID >= mark {
					n++
				}
			}
		}
		d.NumRecent = u32(n)
	}
	return d
}

func (sess *session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	if err := checkName(mailbox); err != nil {
		return nil, err
	}
	info, err := sess.srv.store.Mailbox(sess.user, mailbox)
	if err != nil {
		return nil, storeError(err, mailbox, true)
	}
	limit := int64(sess.srv.opts.AppendLimit)
	raw, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(raw)) > limit {
		return nil, storeError(mailstore.ErrTooBig, mailbox, false)
	}
	if int64(len(raw)) != r.Size() {
		// The connection ended inside the literal: deliver nothing.
		return nil, io.ErrUnexpectedEOF
	}
	uid, err := sess.srv.store.Append(sess.user, mailbox, raw, fromIMAPFlags(options.Flags), options.Time, sess.origin())
	if err != nil {
		return nil, storeError(err, mailbox, true)
	}
	return &imap.AppendData{UID: imap.UID(uid), UIDValidity: info.UIDValidity}, nil
}

// origin is what this session passes to the store as the author of a
// change: its SessionTracker when a mailbox is selected, so that the
// tracker does not echo the session's own flag changes back to it.
func (sess *session) origin() any {
	if sess.sel != nil && sess.sel.tracker != nil {
		return sess.sel.tracker
	}
	return sess
}

// fromIMAPFlags turns client flags into store flags, dropping \Recent,
// which no client may set.
func fromIMAPFlags(flags []imap.Flag) []string {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		if strings.EqualFold(string(f), string(flagRecent)) {
			continue
		}
		out = append(out, string(f))
	}
	return out
}

const flagRecent imap.Flag = `\Recent`

// toIMAPFlags turns store flags (canonical already) into IMAP flags,
// adding \Recent when asked.
func toIMAPFlags(flags []string, recent bool) []imap.Flag {
	return appendIMAPFlags(make([]imap.Flag, 0, len(flags)+1), flags, recent)
}

// appendIMAPFlags is toIMAPFlags into dst, so that a FETCH of many
// messages can use one slice for all.
func appendIMAPFlags(dst []imap.Flag, flags []string, recent bool) []imap.Flag {
	for _, f := range flags {
		dst = append(dst, imap.Flag(f))
	}
	if recent {
		dst = append(dst, flagRecent)
	}
	return dst
}
