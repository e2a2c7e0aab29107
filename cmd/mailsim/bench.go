package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"mailsim/sim/loadgen"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

const benchSummary = `Load-test a POP3, IMAP or SMTP server and print wall time, commands/s,
bytes/s, latency percentiles per command and every error.

Workloads (--sessions is per connection):
  imap  LOGIN, SELECT INBOX, [SEARCH TEXT --search], FETCH 1:* (FLAGS ENVELOPE)
        (unless --envelopes=false), --fetches x FETCH n BODY[], LOGOUT
  pop3  USER/PASS, STAT, RETR every message, QUIT (nothing deleted)
  smtp  EHLO, [STARTTLS], AUTH PLAIN, --sessions x (MAIL, RCPT, DATA), QUIT

Without --addr, mailsim's own servers start in this process with --messages
small messages for each user, and the CPU the process used (load generator
and servers together) is printed. A "%d" in --user is the connection's
number, so each connection can log in as its own user (mailsim's POP3
locks a maildrop to one session). --serve only starts the seeded servers,
prints their addresses and runs until interrupted, so that another process
can load them. --fill-maildir DIR writes the same messages as a Maildir.

Any protocol error (-ERR, NO, BAD, 4xx, 5xx) is counted and reported, and
makes the command exit 1.`

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "--proto imap|pop3|smtp [--addr HOST:PORT --user U --pass P] [flags]", benchSummary, stdout)
	proto := fs.String("proto", "", "protocol: `imap`, pop3 or smtp")
	addr := fs.String("addr", "", "server `HOST:PORT`; empty starts mailsim's servers in this process")
	user := fs.String("user", "", "user name; a %d becomes the connection number (default bench%d in-process)")
	pass := fs.String("pass", "", "password (default bench in-process)")
	conns := fs.Int("conns", 20, "concurrent connections")
	sessions := fs.Int("sessions", 0, "sessions per connection, or messages per connection for smtp (default imap 5, pop3 2, smtp 5)")
	fetches := fs.Int("fetches", 100, "imap: FETCH n BODY[] per session")
	maxRetr := fs.Int("retr", 0, "pop3: RETR at most `N` messages per session (0 = all)")
	mailbox := fs.String("mailbox", "INBOX", "imap: mailbox to SELECT")
	search := fs.String("search", "", "imap: SEARCH TEXT this `TEXT` in each session, after SELECT")
	envelopes := fs.Bool("envelopes", true, "imap: FETCH 1:* (FLAGS ENVELOPE) in each session")
	from := fs.String("from", "", "smtp: MAIL FROM address (default the user's address)")
	to := fs.String("to", "", "smtp: RCPT TO address (default the user's address)")
	size := fs.Int("size", 1024, "smtp: message body `octets`")
	tlsMode := fs.String("tls", "none", "TLS: `implicit`, starttls or none")
	ca := fs.String("ca", "", "trust the CA certificates in this PEM `FILE`")
	insecure := fs.Bool("insecure", false, "do not verify the server's certificate")
	serverName := fs.String("server-name", "", "TLS server name (default the --addr host)")
	seed := fs.Uint64("seed", 1, "seed of the message numbers IMAP fetches")
	timeout := fs.Duration("timeout", 30*time.Second, "per-command timeout")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	messages := fs.Int("messages", 1000, "in-process: small messages seeded for each user")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this process to `FILE` (the run, or the --serve lifetime)")
	serve := fs.Bool("serve", false, "start the seeded servers, print their addresses and wait until interrupted")
	fill := fs.String("fill-maildir", "", "write --messages seed messages as a Maildir in `DIR` and exit")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	bad := func(format string, a ...any) error { return &exitError{2, "bench: " + fmt.Sprintf(format, a...)} }
	if len(pos) > 0 {
		return bad("unexpected argument %q", pos[0])
	}
	if *messages < 0 || *conns < 1 || *sessions < 0 || *fetches < 0 || *maxRetr < 0 || *size < 1 || *timeout <= 0 {
		return bad("--conns, --size and --timeout must be positive; --messages, --sessions, --fetches and --retr not negative")
	}
	if *fill != "" {
		if err := loadgen.WriteMaildir(*fill, *messages); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %d messages to %s\n", *messages, *fill)
		return nil
	}
	mode, err := loadgen.ParseTLSMode(*tlsMode)
	if err != nil {
		return bad("%v", err)
	}
	var p loadgen.Protocol
	if *proto != "" || !*serve {
		if *proto == "" {
			return bad("--proto is required (imap, pop3 or smtp)")
		}
		if p, err = loadgen.ParseProtocol(*proto); err != nil {
			return bad("%v", err)
		}
	}
	if *addr != "" {
		if *serve {
			return bad("--serve starts servers; it takes no --addr")
		}
		if _, _, err := net.SplitHostPort(*addr); err != nil {
			return bad("--addr %q: want HOST:PORT", *addr)
		}
		if *user == "" && p != loadgen.SMTP {
			return bad("--user is required with --addr")
		}
	}
	if (*ca != "" || *insecure || *serverName != "") && mode == loadgen.TLSNone && !*serve {
		return bad("--ca, --insecure and --server-name need --tls implicit or starttls")
	}
	if *user == "" && *addr == "" {
		*user, *pass = "bench%d", "bench"
	}

	cfg := loadgen.Config{Protocol: p, Addr: *addr, User: *user, Pass: *pass, Conns: *conns, Sessions: *sessions,
		Fetches: *fetches, Mailbox: *mailbox, Search: *search, NoEnvelopes: !*envelopes, MaxRetr: *maxRetr, Seed: *seed, From: *from, To: *to, MessageSize: *size,
		TLS: mode, CAFile: *ca, Insecure: *insecure, ServerName: *serverName, Timeout: *timeout}
	if *fetches == 0 {
		cfg.Fetches = -1
	}
	scope := "load generator"
	if *addr == "" {
		n, err := startBenchNetwork(*user, *pass, *conns, *messages)
		if err != nil {
			return err
		}
		defer n.Close()
		if *serve {
			return serveBench(ctx, n, *cpuprofile, stdout)
		}
		role := benchRole(p, mode)
		s, _ := n.Providers[0].Server(role)
		cfg.Addr = s.Addr
		if mode != loadgen.TLSNone && *ca == "" && !*insecure {
			cfg.TLSConfig = &tls.Config{RootCAs: n.CA.Pool(), ServerName: s.Host, MinVersion: tls.VersionTLS12}
		}
		scope = "load generator + in-process servers"
	}

	stopProfile, err := startProfile(*cpuprofile)
	if err != nil {
		return err
	}
	u0, s0, cpuOK := loadgen.ProcessCPU()
	res, err := loadgen.Run(ctx, cfg)
	u1, s1, _ := loadgen.ProcessCPU()
	stopProfile()
	if err != nil {
		return bad("%v", err)
	}
	cpuUser, cpuSys := u1-u0, s1-s0
	if *asJSON {
		out := struct {
			Result         *loadgen.Result `json:"result"`
			Server         string          `json:"server"`
			CPUScope       string          `json:"cpu_scope,omitempty"`
			CPUUserSeconds float64         `json:"cpu_user_seconds,omitempty"`
			CPUSysSeconds  float64         `json:"cpu_sys_seconds,omitempty"`
		}{Result: res, Server: map[bool]string{true: "in-process", false: cfg.Addr}[*addr == ""]}
		if cpuOK {
			out.CPUScope, out.CPUUserSeconds, out.CPUSysSeconds = scope, cpuUser.Seconds(), cpuSys.Seconds()
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		if *addr == "" {
			fmt.Fprintf(stdout, "server: mailsim in-process (%d messages per user)\n", *messages)
		}
		res.WriteTable(stdout)
		if cpuOK {
			total := cpuUser + cpuSys
			fmt.Fprintf(stdout, "cpu (%s): user %.2fs sys %.2fs total %.2fs (%.2f cores)\n", scope,
				cpuUser.Seconds(), cpuSys.Seconds(), total.Seconds(), total.Seconds()/max(res.Wall.Seconds(), 1e-9))
		}
	}
	if res.Errors() > 0 {
		return &exitError{1, fmt.Sprintf("bench: %d errors (%d protocol, %d I/O)", res.Errors(), res.ProtocolErrors, res.IOErrors)}
	}
	return nil
}

// benchRole is the server role a protocol and TLS mode talk to.
func benchRole(p loadgen.Protocol, mode loadgen.TLSMode) roles.Role {
	implicit := mode == loadgen.TLSImplicit
	switch {
	case p == loadgen.IMAP && implicit:
		return roles.IMAPS
	case p == loadgen.IMAP:
		return roles.IMAP
	case p == loadgen.POP3 && implicit:
		return roles.POP3S
	case p == loadgen.POP3:
		return roles.POP3
	case implicit:
		return roles.SMTPS
	}
	return roles.Submission
}

// startBenchNetwork starts mailsim's servers for example.com, with the
// user (conns users when its name holds %d) and messages seed messages
// in each INBOX.
func startBenchNetwork(user, pass string, conns, messages int) (*network.Network, error) {
	n, err := network.Start(network.Options{Domains: []string{network.DomainCom}})
	if err != nil {
		return nil, err
	}
	names := []string{user}
	if strings.Contains(user, "%d") {
		names = names[:0]
		for i := 1; i <= conns; i++ {
			names = append(names, strings.ReplaceAll(user, "%d", fmt.Sprint(i)))
		}
	}
	store := n.Providers[0].Store
	raws := make([][]byte, messages)
	for i := range raws {
		raws[i] = loadgen.SeedMessage(i + 1)
	}
	for _, name := range names {
		if err := store.AddUser(strings.TrimSuffix(name, "@"+network.DomainCom), pass); err != nil {
			n.Close()
			return nil, err
		}
		for _, raw := range raws {
			if _, err := store.Deliver(name, raw); err != nil {
				n.Close()
				return nil, err
			}
		}
	}
	return n, nil
}

// serveBench prints the servers' addresses and waits for ctx.
func serveBench(ctx context.Context, n *network.Network, cpuprofile string, stdout io.Writer) error {
	stop, err := startProfile(cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	for _, s := range n.Providers[0].Servers {
		fmt.Fprintf(stdout, "%s %s\n", s.Role, s.Addr)
	}
	// What the store holds, for RSS against the mail's own octets; the
	// seeding's garbage goes back to the OS before serving.
	var msgs int
	var octets int64
	store := n.Providers[0].Store
	for _, u := range store.Users() {
		boxes, _ := store.Mailboxes(u)
		for _, b := range boxes {
			msgs += b.Messages
			octets += b.Size
		}
	}
	debug.FreeOSMemory()
	fmt.Fprintf(stdout, "store messages %d octets %d\n", msgs, octets)
	fmt.Fprintf(stdout, "ready pid %d\n", os.Getpid())
	if f, ok := stdout.(*os.File); ok {
		f.Sync()
	}
	<-ctx.Done()
	return nil
}

func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
