package pop3

import "mailsim/sim/mailstore"

// quit answers QUIT. From TRANSACTION it enters UPDATE: the messages
// marked by DELE are removed from the store, the maildrop lock is released,
// and then the reply goes out. From AUTHORIZATION it only says goodbye.
func (c *conn) quit(string) {
	c.over = true
	if c.state == authorization {
		c.ok("%s POP3 server signing off", c.o.Hostname)
		return
	}
	d := c.drop
	var uids []uint32
	for _, e := range d.msgs {
		if e.deleted {
			uids = append(uids, e.uid)
		}
	}
	var err error
	if len(uids) > 0 {
		var removed []uint32
		removed, err = c.o.Store.Remove(d.user, mailstore.Inbox, uids, c.origin)
		c.logf("UPDATE: removed %d of %d marked messages of %s", len(removed), len(uids), d.user)
	}
	info, ierr := c.o.Store.Mailbox(d.user, mailstore.Inbox)
	c.unlock()
	c.unlock = nil
	switch {
	case err != nil:
		c.fail("[SYS/TEMP] some deleted messages were not removed: %v", err)
	case ierr != nil:
		c.ok("%s POP3 server signing off", c.o.Hostname)
	default:
		c.ok("%s POP3 server signing off (%s left)", c.o.Hostname, messages(info.Messages))
	}
}
