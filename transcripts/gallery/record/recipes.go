package record

import (
	"bytes"
	"fmt"
	"mailsim/sim/roles"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// recipe is what a sample runs: one function per step of the catalog,
// the programs it needs, and who the actor is.
type recipe struct {
	programs []string
	client   string // the actor's name: the program
	// version is the command that prints the client's version on its
	// first line of output.
	version []string
	phases  []func(*env) error
}

// actor names the actor of a connection: the client, or the sending
// provider's MTA on the relay hop to an MX.
func (rc recipe) actor(role roles.Role) string {
	if role == roles.MX {
		return "MTA smtp.example.com"
	}
	return rc.client
}

// recipes are the samples' scripts, by name. catalog.yaml has their texts.
var recipes = map[string]recipe{
	// ---- POP3
	"fetchmail-delete": {programs: []string{"fetchmail"}, client: "fetchmail", version: []string{"fetchmail", "--version"},
		phases: []func(*env) error{func(e *env) error { return e.fetchmail("", "") }}},
	"fetchmail-keep-uidl": {programs: []string{"fetchmail"}, client: "fetchmail", version: []string{"fetchmail", "--version"},
		phases: []func(*env) error{
			func(e *env) error { return e.fetchmail("uidl", "keep") },
			func(e *env) error {
				return e.deliver("example.com", "alice", "Bob <bob@example.org>", "Tickets for Saturday", "<tickets.4@example.org>", "Two tickets for the concert, see you there!\n")
			},
			func(e *env) error { return e.fetchmail("uidl", "keep") },
		}},
	"getmail-keep-then-delete": {programs: []string{"getmail"}, client: "getmail", version: []string{"getmail", "--version"},
		phases: []func(*env) error{
			func(e *env) error { return e.getmail(false) },
			func(e *env) error { return e.getmail(true) },
		}},
	"python-poplib": {programs: []string{"python3"}, client: "python3 poplib", version: []string{"python3", "--version"},
		phases: []func(*env) error{func(e *env) error {
			return e.python(`import poplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
p = poplib.POP3("127.0.0.1", int(sys.argv[1]))
p.capa()
p.stls(ctx)
p.user("alice")
p.pass_(sys.argv[3])
p.stat()
p.list()
p.uidl()
p.top(1, 0)
p.retr(2)
p.quit()
`, e.com(roles.POP3), e.ca, alicePass)
		}}},

	// ---- IMAP
	"mbsync-two-syncs": {programs: []string{"mbsync"}, client: "mbsync", version: []string{"mbsync", "--version"},
		phases: []func(*env) error{
			func(e *env) error { return e.mbsync() },
			func(e *env) error {
				if err := e.flag(2, `\Flagged`); err != nil {
					return err
				}
				return e.deliver("example.com", "alice", "Bob <bob@example.org>", "Tickets for Saturday", "<tickets.4@example.org>", "Two tickets for the concert, see you there!\n")
			},
			func(e *env) error { return e.mbsync() },
		}},
	"offlineimap-sync": {programs: []string{"offlineimap"}, client: "offlineimap", version: []string{"offlineimap", "--version"},
		phases: []func(*env) error{
			func(e *env) error { return e.offlineimap() },
			func(e *env) error {
				if err := e.maildirFlag(filepath.Join("OfflineMail", "INBOX"), "Lunch on Friday?", "FS"); err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Join(e.home, "OfflineMail", "Projects", "cur"), 0o700); err != nil {
					return err
				}
				for _, d := range []string{"new", "tmp"} {
					if err := os.MkdirAll(filepath.Join(e.home, "OfflineMail", "Projects", d), 0o700); err != nil {
						return err
					}
				}
				return e.offlineimap()
			},
		}},
	"neomutt-session": {programs: []string{"neomutt", "tmux"}, client: "neomutt", version: []string{"neomutt", "-v"},
		phases: []func(*env) error{
			func(e *env) error { return e.neomuttStart() },
			func(e *env) error { return e.keys("Lunch on Friday?", "Enter") },
			func(e *env) error {
				if err := e.keys("", "i", "Down", "d"); err != nil {
					return err
				}
				return e.keys("", "$")
			},
			func(e *env) error {
				if err := e.deliver("example.com", "alice", "Bob <bob@example.org>", "Tickets for Saturday", "<tickets.4@example.org>", "Two tickets for the concert, see you there!\n"); err != nil {
					return err
				}
				return e.waitScreen("Tickets for Saturday", 20*time.Second)
			},
			func(e *env) error { return e.neomuttQuit() },
		}},
	"curl-imap": {programs: []string{"curl"}, client: "curl", version: []string{"curl", "--version"},
		phases: []func(*env) error{func(e *env) error {
			base := "imap://127.0.0.1:" + e.com(roles.IMAP)
			return e.run("", nil, "curl", "-sS", "--ssl-reqd", "--cacert", e.ca, "-u", "alice:"+alicePass,
				base+"/", base+"/INBOX?UNSEEN", base+"/INBOX;UID=2;SECTION=HEADER.FIELDS%20(SUBJECT%20FROM)", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null")
		}}},
	"python-imaplib": {programs: []string{"python3"}, client: "python3 imaplib", version: []string{"python3", "--version"},
		phases: []func(*env) error{func(e *env) error {
			return e.python(`import imaplib, random, ssl, sys
random.seed(18)  # imaplib draws its tag prefix at random: a fixed seed makes the tags repeat
ctx = ssl.create_default_context(cafile=sys.argv[2])
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.starttls(ctx)
m.login("alice", sys.argv[3])
m.list()
m.select("INBOX")
typ, data = m.uid("SEARCH", None, "UNSEEN")
m.uid("FETCH", "1:*", "(FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
m.uid("STORE", "3", "+FLAGS", "(\\Seen)")
m.close()
m.logout()
`, e.com(roles.IMAP), e.ca, alicePass)
		}}},

	// ---- SMTP
	"swaks-submission": {programs: []string{"swaks"}, client: "swaks", version: []string{"swaks", "--version"},
		phases: []func(*env) error{func(e *env) error { return e.swaks("alice@example.com") }}},
	"msmtp-submission": {programs: []string{"msmtp"}, client: "msmtp", version: []string{"msmtp", "--version"},
		phases: []func(*env) error{func(e *env) error {
			rc, err := e.file("msmtprc", fmt.Sprintf(`account sim
host 127.0.0.1
port %s
domain client.example
tls on
tls_starttls on
tls_trust_file %s
auth on
user alice
password %s
from alice@example.com
account default : sim
`, e.com(roles.Submission), e.ca, alicePass))
			if err != nil {
				return err
			}
			return e.run(message("msmtp"), nil, "msmtp", "-C", rc, "-t")
		}}},
	"s-nail-submission": {programs: []string{"s-nail"}, client: "s-nail", version: []string{"s-nail", "-V"},
		phases: []func(*env) error{func(e *env) error {
			return e.run("Hello Alice,\n\nsent with s-nail.\n", nil, "s-nail", "-:/",
				"-S", "v15-compat", "-S", "sendwait", "-S", "from=alice@example.com",
				"-S", "mta=smtp://alice:"+alicePass+"@localhost:"+e.com(roles.Submission), "-S", "smtp-use-starttls",
				"-S", "smtp-auth=plain", "-S", "DEAD="+filepath.Join(e.home, "dead.letter"), "-S", "nosave",
				"-S", "tls-ca-file="+e.ca, "-S", "tls-ca-no-defaults", "-S", "hostname=client.example",
				"-S", "smtp-hostname=client.example",
				"-s", "Sent with s-nail", "alice@example.com")
		}}},
	"curl-smtps": {programs: []string{"curl"}, client: "curl", version: []string{"curl", "--version"},
		phases: []func(*env) error{func(e *env) error {
			msg, err := e.file("curl-message.txt", message("curl"))
			if err != nil {
				return err
			}
			return e.run("", nil, "curl", "-sS", "--cacert", e.ca, "-u", "alice:"+alicePass,
				"smtps://127.0.0.1:"+e.com(roles.SMTPS)+"/client.example",
				"--mail-from", "alice@example.com", "--mail-rcpt", "alice@example.com", "-T", msg)
		}}},
	"swaks-relay": {programs: []string{"swaks"}, client: "swaks", version: []string{"swaks", "--version"},
		phases: []func(*env) error{func(e *env) error { return e.swaks("bob@example.org") }, (*env).relay}},
}

// message is a small message with fixed headers, sent by program.
func message(program string) string {
	return "From: Alice <alice@example.com>\r\nTo: Alice <alice@example.com>\r\nSubject: Sent with " + program +
		"\r\nDate: Wed, 25 Nov 2026 09:00:00 +0700\r\nMessage-ID: <" + program + ".1@client.example>\r\n\r\nHello Alice,\r\n\r\nsent with " + program + ".\r\n"
}

// fetchmail polls alice's POP3 mailbox over STLS; server and user are
// fetchmail's server and user options ("uidl", "keep"; "" = its default:
// download, then delete).
func (e *env) fetchmail(server, user string) error {
	rc, err := e.file("fetchmailrc", fmt.Sprintf(`set no syslog
poll 127.0.0.1 service %s protocol pop3 %s
  user "alice" password "%s" is "alice" here %s
  sslproto TLS1.2+ sslcertck sslcertfile "%s" sslcommonname pop.example.com
  mda "/bin/sh -c 'cat >> %s/fetched.mbox'"
`, e.com(roles.POP3), server, alicePass, user, e.ca, e.home))
	if err != nil {
		return err
	}
	// 1 is "no mail": the second poll of the keep sample.
	return e.run("", []int{1}, "fetchmail", "-f", rc, "--nodetach", "--idfile", filepath.Join(e.home, "fetchids"))
}

// getmail fetches alice's mail over POP3S into an mbox, deleting it from
// the server or not.
func (e *env) getmail(del bool) error {
	dir := filepath.Join(e.home, ".getmail")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	mbox := filepath.Join(e.home, "getmail.mbox")
	rc, err := e.file(".getmail/getmailrc", fmt.Sprintf(`[retriever]
type = SimplePOP3SSLRetriever
server = 127.0.0.1
port = %s
username = alice
password = %s
ca_certs = %s

[destination]
type = MDA_external
path = /bin/sh
arguments = ("-c", "cat >> %s")
# the recording may run as root (a container): let getmail deliver anyway
allow_root_commands = true

[options]
read_all = false
delete = %t
verbose = 1
`, e.com(roles.POP3S), alicePass, e.ca, mbox, del))
	if err != nil {
		return err
	}
	return e.run("", nil, "getmail", "-g", dir, "-r", rc)
}

// python runs a python3 script with arguments.
func (e *env) python(script string, args ...string) error {
	p, err := e.file("script.py", script)
	if err != nil {
		return err
	}
	return e.run("", nil, "python3", append([]string{p}, args...)...)
}

// mbsync syncs every mailbox of alice's (STARTTLS) into a maildir.
func (e *env) mbsync() error {
	mail := filepath.Join(e.home, "Mail")
	if err := os.MkdirAll(mail, 0o700); err != nil {
		return err
	}
	// localhost: mbsync checks the certificate's names, not its addresses.
	rc, err := e.file("mbsyncrc", fmt.Sprintf(`IMAPAccount sim
Host localhost
Port %s
User alice
Pass %s
SSLType STARTTLS
CertificateFile %s
AuthMechs LOGIN

IMAPStore sim-remote
Account sim

MaildirStore sim-local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel sim
Far :sim-remote:
Near :sim-local:
Patterns *
Create Both
Expunge Both
Sync All
SyncState *
`, e.com(roles.IMAP), alicePass, e.ca, mail, mail))
	if err != nil {
		return err
	}
	return e.run("", nil, "mbsync", "-c", rc, "-a")
}

// offlineimap syncs alice's mailboxes (IMAPS) with a maildir, once.
func (e *env) offlineimap() error {
	rc, err := e.file("offlineimaprc", fmt.Sprintf(`[general]
accounts = sim
metadata = %s/.offlineimap
ui = quiet

[Account sim]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = %s/OfflineMail

[Repository remote]
type = IMAP
remotehost = localhost
remoteport = %s
remoteuser = alice
remotepass = %s
# IMAPS (TLS from the first byte): with starttls = yes, offlineimap (its
# imaplib2) now and then sent no TLS handshake after the server's OK, and
# the server logged it out 30 s later.
ssl = yes
sslcacertfile = %s
`, e.home, e.home, e.com(roles.IMAPS), alicePass, e.ca))
	if err != nil {
		return err
	}
	// imaplib2, under offlineimap, draws its tag prefix at random: run it
	// with python's random seeded, so that the tags repeat.
	bin, err := exec.LookPath("offlineimap")
	if err != nil {
		return err
	}
	return e.run("", nil, interpreter(bin), "-c",
		"import os, random, runpy, sys; random.seed(18); sys.argv = sys.argv[1:]; sys.path.insert(0, os.path.dirname(os.path.realpath(sys.argv[0]))); runpy.run_path(sys.argv[0], run_name='__main__')",
		bin, "-c", rc, "-o", "-1")
}

// interpreter is the program named on a script's #! line ("python3" when
// it cannot be read): Debian's python scripts need Debian's python, which
// may not be the first python3 on PATH.
func interpreter(script string) string {
	b, err := os.ReadFile(script)
	if err != nil || !bytes.HasPrefix(b, []byte("#!")) {
		return "python3"
	}
	line, _, _ := strings.Cut(string(b[2:]), "\n")
	f := strings.Fields(line)
	if len(f) == 0 {
		return "python3"
	}
	if filepath.Base(f[0]) == "env" && len(f) > 1 {
		return f[1]
	}
	return f[0]
}

// maildirFlag gives the message whose Subject is subject, in maildir dir
// (under home), the maildir flags flags, as a mail program does when the
// user reads or flags it.
func (e *env) maildirFlag(dir, subject, flags string) error {
	files, _ := filepath.Glob(filepath.Join(e.home, dir, "cur", "*"))
	news, _ := filepath.Glob(filepath.Join(e.home, dir, "new", "*"))
	for _, f := range append(files, news...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "\nSubject: "+subject+"\r\n") && !strings.Contains(string(b), "\nSubject: "+subject+"\n") {
			continue
		}
		base := filepath.Base(f)
		if i := strings.Index(base, ":2,"); i >= 0 {
			base = base[:i]
		}
		return os.Rename(f, filepath.Join(e.home, dir, "cur", base+":2,"+flags))
	}
	return fmt.Errorf("no message %q in %s", subject, dir)
}

// swaks submits a message for to over STARTTLS with AUTH.
func (e *env) swaks(to string) error {
	return e.run("", nil, "swaks", "--server", "127.0.0.1:"+e.com(roles.Submission), "--tls", "--tls-verify", "--tls-ca-path", e.ca,
		"--auth", "PLAIN", "--auth-user", "alice", "--auth-password", alicePass, "--ehlo", "client.example",
		"--from", "alice@example.com", "--to", to,
		"--header", "Subject: Sent with swaks", "--header", "Date: Wed, 25 Nov 2026 09:00:00 +0700",
		"--header", "Message-Id: <swaks.1@client.example>", "--header", "X-Mailer: swaks",
		"--body", "Hello,\n\nsent with swaks.\n")
}
