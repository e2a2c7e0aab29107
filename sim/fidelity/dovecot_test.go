package fidelity

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mailsim/sim/mailstore"
)

// dovecot is a private Dovecot instance: one provider's users and their
// Maildirs, in a temporary directory, listening on 127.0.0.1.
type dovecot struct {
	dir        string
	imap, pop3 string // host:port
	uid, gid   int    // who owns the mail files
	cmd        *exec.Cmd
	seq        int // names delivered files
}

// mailUser is a user to create, with the mailboxes and messages of the
// mailsim store at the lesson's start.
type mailUser struct {
	name, password string
	quota          int64                           // octets; 0 = none
	boxes          map[string][]*mailstore.Message // mailbox name -> messages, in UID order
	validity       map[string]uint32
}

// startDovecot writes a throwaway configuration (as bench/dovecot.sh does)
// and runs `dovecot -F` until the test ends.
func startDovecot(t *testing.T, bin string, users []mailUser) *dovecot {
	t.Helper()
	dir, err := os.MkdirTemp("", "mailsim-fid") // short: Dovecot's sockets live here
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	must(t, os.Chmod(dir, 0o755))
	d := &dovecot{dir: dir, uid: os.Getuid(), gid: os.Getgid()}
	internal, login := currentUser(t), currentUser(t)
	if os.Getuid() == 0 { // Dovecot refuses to run mail as root
		internal, login = existingUser("dovecot"), existingUser("dovenull")
		nobody, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("running as root needs a 'nobody' user for the mail files: %v", err)
		}
		d.uid, _ = strconv.Atoi(nobody.Uid)
		d.gid, _ = strconv.Atoi(nobody.Gid)
	}
	var passwd strings.Builder
	for _, u := range users {
		home := filepath.Join(dir, "mail", u.name)
		extra := ""
		if u.quota > 0 { // the quota plugin, per user
			extra = fmt.Sprintf("userdb_quota_rule=*:storage=%dB", u.quota)
		}
		fmt.Fprintf(&passwd, "%s:{PLAIN}%s:%d:%d::%s::%s\n", u.name, u.password, d.uid, d.gid, home, extra)
		for box, msgs := range u.boxes {
			d.seedMailbox(t, home, box, msgs, u.validity[box])
		}
		if _, ok := u.boxes[mailstore.Inbox]; !ok {
			d.seedMailbox(t, home, mailstore.Inbox, nil, 1)
		}
	}
	must(t, os.WriteFile(filepath.Join(dir, "passwd"), []byte(passwd.String()), 0o644))
	must(t, filepath.Walk(filepath.Join(dir, "mail"), func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, d.uid, d.gid)
	}))
	d.imap, d.pop3 = freePort(t), freePort(t)
	conf := fmt.Sprintf(`# Throwaway configuration written by mailsim's fidelity test.
protocols = imap pop3
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = mailsim-fid-%[2]d
log_path = %[1]s/dovecot.log
default_internal_user = %[3]s
default_login_user = %[4]s
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~
first_valid_uid = 1
mail_max_userip_connections = 100
mail_plugins = $mail_plugins quota
plugin {
  quota = maildir:User quota
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN %[1]s/passwd
}
userdb {
  driver = passwd-file
  args = %[1]s/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[5]s
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  chroot =
  inet_listener pop3 {
    address = 127.0.0.1
    port = %[6]s
  }
  inet_listener pop3s {
    port = 0
  }
}
service anvil {
  chroot =
}
service submission-login {
  chroot =
}
`, dir, time.Now().UnixNano()%1e9, internal, login, portOf(d.imap), portOf(d.pop3))
	for _, sub := range []string{"run", "state"} {
		must(t, os.MkdirAll(filepath.Join(dir, sub), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(dir, "dovecot.conf"), []byte(conf), 0o644))
	d.cmd = exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, d.cmd.Start())
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { d.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			syscall.Kill(-d.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dir, "dovecot.log")); err == nil {
				t.Logf("dovecot.log:\n%s", log)
			}
		}
	})
	for _, addr := range []string{d.imap, d.pop3} {
		if err := waitListening(addr); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot does not listen on %s: %v\n%s", addr, err, log)
		}
	}
	return d
}

// maildir is where a mailbox's Maildir is: the home for INBOX, ".Name"
// (Maildir++) for the others.
func maildir(home, box string) string {
	if box == mailstore.Inbox {
		return home
	}
	return filepath.Join(home, "."+strings.ReplaceAll(box, string(mailstore.Delimiter), "."))
}

// seedMailbox writes msgs into cur/ with their flags, and a dovecot-uidlist
// that gives them mailsim's UIDs, so both servers number them alike.
func (d *dovecot) seedMailbox(t *testing.T, home, box string, msgs []*mailstore.Message, validity uint32) {
	t.Helper()
	md := maildir(home, box)
	for _, sub := range []string{"cur", "new", "tmp"} {
		must(t, os.MkdirAll(filepath.Join(md, sub), 0o700))
	}
	var uidlist strings.Builder
	next := uint32(1)
	for _, m := range msgs {
		d.seq++
		base := fmt.Sprintf("%d.M%dP1.mailsim", 1700000000+d.seq, d.seq)
		// Maildir's new/ is mail no session has seen (\Recent); a message
		// with flags has been seen, and lives in cur/ with them.
		if info := maildirFlags(m.Flags); info == "" {
			must(t, os.WriteFile(filepath.Join(md, "new", base), m.Raw, 0o600))
		} else {
			must(t, os.WriteFile(filepath.Join(md, "cur", base+":2,"+info), m.Raw, 0o600))
		}
		fmt.Fprintf(&uidlist, "%d :%s\n", m.UID, base)
		next = m.UID + 1
	}
	if validity == 0 {
		validity = 1
	}
	must(t, os.WriteFile(filepath.Join(md, "dovecot-uidlist"),
		[]byte(fmt.Sprintf("3 V%d N%d\n%s", validity, next, uidlist.String())), 0o600))
	if box != mailstore.Inbox {
		f, err := os.OpenFile(filepath.Join(home, "subscriptions"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
		must(t, err)
		fmt.Fprintln(f, box)
		f.Close()
	}
}

// deliver drops a message into the user's mailbox (new/), as an MDA does.
func (d *dovecot) deliver(t *testing.T, userName, box string, raw []byte) {
	t.Helper()
	md := maildir(filepath.Join(d.dir, "mail", userName), box)
	d.seq++
	name := fmt.Sprintf("%d.M%dP2.mailsim", 1700000000+d.seq, d.seq)
	tmp := filepath.Join(md, "tmp", name)
	must(t, os.WriteFile(tmp, raw, 0o600))
	must(t, os.Lchown(tmp, d.uid, d.gid))
	must(t, os.Rename(tmp, filepath.Join(md, "new", name)))
}

// maildirFlags spells IMAP system flags as Maildir info letters, sorted.
func maildirFlags(flags []string) string {
	letters := map[string]string{mailstore.FlagDraft: "D", mailstore.FlagFlagged: "F", mailstore.FlagAnswered: "R", mailstore.FlagSeen: "S", mailstore.FlagDeleted: "T"}
	var out []string
	for _, f := range flags {
		if l, ok := letters[f]; ok {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "")
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

func existingUser(name string) string {
	if _, err := user.Lookup(name); err != nil {
		return "root"
	}
	return name
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func waitListening(addr string) error {
	var err error
	for i := 0; i < 100; i++ {
		var c net.Conn
		if c, err = net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return err
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
