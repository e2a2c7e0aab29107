package record

import (
	"context"
	"fmt"
	"mailsim/sim/roles"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// A full-screen client (neomutt) runs in a detached tmux session of its
// own, on a tmux server of its own (-S, its socket in the recording's home), and is driven by keys; the
// screen is read back to know when it is ready for the next ones.

// tmuxArgs are the arguments of a tmux command on the recording's server,
// whose socket is in the recording's home (removed with it).
func (e *env) tmuxArgs(args ...string) []string {
	return append([]string{"-S", filepath.Join(e.home, "tmux.sock")}, args...)
}

func (e *env) tmuxRun(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tmux", e.tmuxArgs(args...)...)
	cmd.Env = e.environ()
	cmd.Dir = e.home
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// screen is what the tmux session shows.
func (e *env) screen() string {
	out, _ := e.tmuxRun("capture-pane", "-p", "-t", e.tmux)
	return out
}

// waitScreen waits until the screen shows want.
func (e *env) waitScreen(want string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		s := e.screen()
		if strings.Contains(s, want) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the screen never showed %q; it shows:\n%s", want, s)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// keys waits for the screen to show ready ("" = no wait), then sends the
// keys (tmux key names) one by one, waiting for the lines they cause to
// cross before the next.
func (e *env) keys(ready string, keys ...string) error {
	if ready != "" {
		if err := e.waitScreen(ready, 20*time.Second); err != nil {
			return err
		}
	}
	for _, k := range keys {
		if _, err := e.tmuxRun("send-keys", "-t", e.tmux, k); err != nil {
			return err
		}
		if err := e.quiet(); err != nil {
			return err
		}
	}
	return nil
}

// quiet waits until no line has crossed for 600 ms.
func (e *env) quiet() error {
	deadline := time.Now().Add(15 * time.Second)
	for {
		e.mu.Lock()
		n := len(e.events)
		e.mu.Unlock()
		time.Sleep(600 * time.Millisecond)
		e.mu.Lock()
		same := len(e.events) == n
		e.mu.Unlock()
		if same {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the client kept talking for 15 s")
		}
	}
}

// neomuttStart starts neomutt on alice's INBOX over IMAP with STARTTLS,
// idling on it, with no caches (so that every run says the same), and
// waits until it lists the messages.
func (e *env) neomuttStart() error {
	rc, err := e.file("neomuttrc", fmt.Sprintf(`set folder = "imap://alice@localhost:%s/"
set spoolfile = "+INBOX"
set imap_user = "alice"
set imap_pass = "%s"
set ssl_starttls = yes
set ssl_force_tls = yes
set certificate_file = "%s"
set imap_idle = yes
set imap_keepalive = 300
set mail_check = 1
set timeout = 1
set header_cache = ""
set message_cachedir = ""
set delete = yes
set quit = yes
set confirmappend = no
set move = no
set mbox_type = Maildir
set sort = date
set pager_stop = yes
set help = no
set wait_key = no
set sleep_time = 0
set imap_check_subscribed = no
set hostname = "client.example"
`, e.com(roles.IMAP), alicePass, e.ca))
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.tmux = "neomutt"
	e.mu.Unlock()
	if _, err := e.tmuxRun("new-session", "-d", "-s", e.tmux, "-x", "100", "-y", "30",
		"neomutt -n -F "+rc); err != nil {
		return err
	}
	if err := e.waitScreen("POP or IMAP?", 30*time.Second); err != nil {
		return err
	}
	return e.quiet()
}

// neomuttQuit quits neomutt (it logs out) and stops the tmux server.
func (e *env) neomuttQuit() error {
	if _, err := e.tmuxRun("send-keys", "-t", e.tmux, "q"); err != nil {
		return err
	}
	e.mu.Lock()
	e.tmux = ""
	e.mu.Unlock()
	return nil
}

// stopTmux ends the recording's tmux server, if one runs.
func (e *env) stopTmux() {
	exec.Command("tmux", e.tmuxArgs("kill-server")...).Run()
}
