package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gdamore/tcell/v2"
	"golang.org/x/term"
	"gopkg.in/yaml.v3"

	"mailsim/cmd/mailsim/tui/liveview"
	"mailsim/exercises"
	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/sim/authpolicy"
	"mailsim/sim/classroom"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

// defaultPorts are serve's ports for example.com: the standard ones plus
// 1000, so no privileges are needed. example.org gets each one plus 1000.
var defaultPorts = map[roles.Role]int{
	roles.POP3: 1110, roles.POP3S: 1995, roles.IMAP: 1143, roles.IMAPS: 1993,
	roles.MX: 1025, roles.Submission: 1587, roles.SMTPS: 1465,
}

// serveOptions is everything `mailsim serve` does, from flags and the
// config file; serve runs it.
type serveOptions struct {
	Listen       string
	Ports        map[roles.Role]int // 0 = an ephemeral port
	CertNames    []string
	CAFile       string
	AccountsFile string
	Students     int
	ClassMailbox bool
	SheetFile    string
	RecordDir    string
	Exercises    string // "builtin" or a directory of exercise files; "" = none
	ResultsFile  string // where the exercise results go (FILE.csv and FILE.md)
	Lang         string // the card's, the sheet's and the live view's language; "" = from the locale
	NoTUI        bool
	Verbose      bool

	Limits          network.Limits
	MaxMessageBytes int
	Quota           int64
	LoginDelay      time.Duration // first failed-login delay; it doubles per failure from one IP
	ShutdownGrace   time.Duration

	// ready, when set, is called once the servers run (tests).
	ready func(*classroom.Classroom)
	// tracked, when set, is given the exercise tracker (tests).
	tracked func(*exercises.Tracker)
	// screen, when set, runs the live view on it whatever stdout is (tests).
	screen tcell.Screen
}

func defaultServeOptions() serveOptions {
	return serveOptions{
		Listen: "127.0.0.1", Ports: clonePorts(defaultPorts), CAFile: "mailsim-ca.pem",
		Limits: network.Limits{MaxConns: network.DefaultMaxConns, MaxConnsPerIP: network.DefaultMaxConnsPerIP,
			IdleTimeout: network.DefaultIdleTimeout, CommandTimeout: network.DefaultCommandTimeout},
		MaxMessageBytes: 10 << 20, Quota: 50 << 20, LoginDelay: time.Second, ShutdownGrace: 5 * time.Second,
	}
}

func clonePorts(m map[roles.Role]int) map[roles.Role]int {
	out := make(map[roles.Role]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// serveConfig is the YAML of --config. Every key is optional; flags given
// on the command line win.
type serveConfig struct {
	Listen       string         `yaml:"listen"`
	Ports        map[string]int `yaml:"ports"`
	CertNames    []string       `yaml:"cert-names"`
	CA           string         `yaml:"ca"`
	Accounts     string         `yaml:"accounts"`
	Students     *int           `yaml:"students"`
	ClassMailbox *bool          `yaml:"class-mailbox"`
	Sheet        string         `yaml:"sheet"`
	Record       string         `yaml:"record"`
	Exercises    string         `yaml:"exercises"`
	Results      string         `yaml:"results"`
	Lang         string         `yaml:"lang"`
	Limits       struct {
		MaxConns       *int   `yaml:"max-conns"`
		MaxConnsPerIP  *int   `yaml:"max-conns-per-ip"`
		IdleTimeout    string `yaml:"idle-timeout"`
		CommandTimeout string `yaml:"command-timeout"`
		MaxMessage     string `yaml:"max-message"`
		Quota          string `yaml:"quota"`
		LoginDelay     string `yaml:"login-delay"`
	} `yaml:"limits"`
}

const serveHelp = `Run both simulated providers (example.com, example.org) on fixed ports so
that real mail clients (Thunderbird, phones, curl, fetchmail...) can connect:
a classroom, with the trainer's screen projected.

Ports for example.com (example.org: each plus 1000): pop3 1110, pop3s 1995,
imap 1143, imaps 1993, mx 1025, submission 1587, smtps 1465.

It prints a connection card (servers, TLS, accounts), saves the CA
certificate for the clients to trust, and runs until Ctrl-C, when every
open session is told the server is going away.

On a terminal it then opens the live view: every connection (who, which
server, session state, client software, TLS, bytes), the selected one's
transcript annotated as it happens, any user's mailboxes, and the trainer's
actions (deliver to everyone, reset a mailbox, kick, pause annotations);
press ? there for the keys, q to stop. When stdout is not a terminal, serve
prints one line per finished connection instead; --no-tui prints nothing but
the card. --record DIR writes every session's redacted transcript to DIR,
one file each.

--exercises builtin (or a DIR of exercise YAML files) has the servers check
small tasks for every student from their sessions and mailboxes: the live
view gains a scoreboard, the sheet lists the exercises, --results FILE
writes FILE.csv and FILE.md when serve stops. Each student also gets an
account with the same name and password at example.org.

Config file (--config), every key optional, flags win:
  listen: 127.0.0.1
  ports: {imap: 2143, pop3: 0}   # 0 = any free port
  cert-names: [trainer.local]
  ca: mailsim-ca.pem
  accounts: accounts.yaml
  students: 20
  class-mailbox: true
  sheet: sheet.md
  record: transcripts/
  exercises: builtin
  results: results/class
  lang: vi                       # the card, the sheet and the live view
  limits: {max-conns: 200, max-conns-per-ip: 20, idle-timeout: 30m,
           command-timeout: 2m, max-message: 10MB, quota: 50MB, login-delay: 1s}`

// portFlags collects repeated --port role=N.
type portFlags map[roles.Role]int

func (p portFlags) String() string { return "" }

func (p portFlags) Set(v string) error {
	name, num, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want ROLE=PORT, e.g. imap=2143")
	}
	role, err := roles.Parse(strings.TrimSpace(name))
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 0 || n > 65535-1000 {
		return fmt.Errorf("port %q: want 0 (any free port) or 1..%d", num, 65535-1000)
	}
	p[role] = n
	return nil
}

// sizeFlag is a size such as 50MB, 10MiB, 500kB or 1048576.
type sizeFlag struct{ n *int64 }

func (s sizeFlag) String() string {
	if s.n == nil {
		return ""
	}
	return formatSize(*s.n)
}

func (s sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s.n = n
	return nil
}

func parseSize(v string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suf) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suf)), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("size %q: want e.g. 50MB, 10MiB or a number of bytes", v)
	}
	return int64(n * float64(mult)), nil
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dMB", n/1e6)
	}
	return strconv.FormatInt(n, 10)
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseServeArgs(args, stdout)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serve(ctx, o, stdout, stderr)
}

func parseServeArgs(args []string, stdout io.Writer) (serveOptions, error) {
	fs := newFlags("serve", "[flags]", serveHelp, stdout)
	d := defaultServeOptions()
	config := fs.String("config", "", "read settings from the YAML `FILE` (flags win)")
	listen := fs.String("listen", d.Listen, "listen on `ADDR` (an IP of this machine, or 0.0.0.0 for all); off loopback, passwords need TLS")
	ports := portFlags{}
	fs.Var(ports, "port", "set a server's port for example.com, `ROLE=PORT` (repeatable; 0 = any free port; example.org gets PORT+1000)")
	var certNames stringList
	fs.Var(&certNames, "cert-name", "also make the certificates valid for `NAME` (a host name or IP; repeatable)")
	ca := fs.String("ca", d.CAFile, "save the CA certificate to `FILE`, for clients to trust")
	accounts := fs.String("accounts", "", "create the accounts in the YAML `FILE` (users with domain, password, mailboxes)")
	students := fs.Int("students", 0, "create student01..`N` at example.com with random passwords and a starter mailbox")
	classBox := fs.Bool("class-mailbox", false, "create the shared account class@example.com; everyone gets its password")
	sheet := fs.String("sheet", "", "write the connection sheet with every account's login to the Markdown `FILE`")
	record := fs.String("record", "", "record each session's redacted transcript into `DIR`, one file per connection")
	exercisesFlag := fs.String("exercises", "", "check exercises for every student: `builtin` or a DIR of exercise files (scoreboard in the live view)")
	results := fs.String("results", "", "with --exercises, write the results to `FILE`.csv and FILE.md when serve stops (and on R in the live view)")
	noTUI := fs.Bool("no-tui", false, "headless: print only the card (without it: the live view on a terminal, else one line per finished connection)")
	verbose := fs.Bool("verbose", false, "print the servers' diagnostics to stderr")
	maxConns := fs.Int("max-conns", d.Limits.MaxConns, "at most `N` connections open at once")
	perIP := fs.Int("max-conns-per-ip", d.Limits.MaxConnsPerIP, "at most `N` connections open at once from one IP")
	idle := fs.Duration("idle-timeout", d.Limits.IdleTimeout, "close a connection that sends no command for this `long`")
	cmdTimeout := fs.Duration("command-timeout", d.Limits.CommandTimeout, "close a connection that takes this `long` to send one command or message")
	msgSize := d.MaxMessageBytes64()
	fs.Var(sizeFlag{&msgSize}, "max-message", "largest message accepted, e.g. `10MB`")
	quota := d.Quota
	fs.Var(sizeFlag{&quota}, "quota", "mailbox quota of every account, e.g. `50MB` (0 = none)")
	loginDelay := fs.Duration("login-delay", d.LoginDelay, "first delay after a failed login; it doubles per failure for the same account, up to 30s")
	lang := langFlag(fs, "the card, the sheet and the live view")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return d, err
	}
	if len(pos) > 0 {
		return d, &exitError{2, fmt.Sprintf("serve: unexpected argument %q", pos[0])}
	}
	o := d
	if *config != "" {
		if err := applyServeConfig(&o, *config); err != nil {
			return o, &exitError{2, "serve: " + err.Error()}
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["listen"] {
		o.Listen = *listen
	}
	for r, p := range ports {
		o.Ports[r] = p
	}
	o.CertNames = append(o.CertNames, certNames...)
	str := func(name string, dst *string, v string) {
		if set[name] {
			*dst = v
		}
	}
	str("ca", &o.CAFile, *ca)
	str("accounts", &o.AccountsFile, *accounts)
	str("sheet", &o.SheetFile, *sheet)
	str("record", &o.RecordDir, *record)
	str("exercises", &o.Exercises, *exercisesFlag)
	str("results", &o.ResultsFile, *results)
	if set["lang"] {
		if _, err := pickLang(*lang); err != nil {
			return o, err
		}
		o.Lang = *lang
	}
	if set["students"] {
		o.Students = *students
	}
	if set["class-mailbox"] {
		o.ClassMailbox = *classBox
	}
	o.NoTUI, o.Verbose = *noTUI, *verbose
	if set["max-conns"] {
		o.Limits.MaxConns = *maxConns
	}
	if set["max-conns-per-ip"] {
		o.Limits.MaxConnsPerIP = *perIP
	}
	if set["idle-timeout"] {
		o.Limits.IdleTimeout = *idle
	}
	if set["command-timeout"] {
		o.Limits.CommandTimeout = *cmdTimeout
	}
	if set["max-message"] {
		o.MaxMessageBytes = int(msgSize)
	}
	if set["quota"] {
		o.Quota = quota
	}
	if set["login-delay"] {
		o.LoginDelay = *loginDelay
	}
	if err := o.check(); err != nil {
		return o, &exitError{2, "serve: " + err.Error()}
	}
	return o, nil
}

// MaxMessageBytes64 is MaxMessageBytes for a sizeFlag.
func (o serveOptions) MaxMessageBytes64() int64 { return int64(o.MaxMessageBytes) }

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func applyServeConfig(o *serveOptions, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var c serveConfig
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %v", path, err)
	}
	if c.Listen != "" {
		o.Listen = c.Listen
	}
	for name, p := range c.Ports {
		if err := (portFlags(o.Ports)).Set(name + "=" + strconv.Itoa(p)); err != nil {
			return fmt.Errorf("%s: ports: %v", path, err)
		}
	}
	o.CertNames = append(o.CertNames, c.CertNames...)
	for _, kv := range []struct {
		dst *string
		v   string
	}{{&o.CAFile, c.CA}, {&o.AccountsFile, c.Accounts}, {&o.SheetFile, c.Sheet}, {&o.RecordDir, c.Record}, {&o.Exercises, c.Exercises}, {&o.ResultsFile, c.Results}} {
		if kv.v != "" {
			*kv.dst = kv.v
		}
	}
	switch c.Lang {
	case "", "en", "vi":
		if c.Lang != "" {
			o.Lang = c.Lang
		}
	default:
		return fmt.Errorf("%s: lang: %q: want en or vi", path, c.Lang)
	}
	if c.Students != nil {
		o.Students = *c.Students
	}
	if c.ClassMailbox != nil {
		o.ClassMailbox = *c.ClassMailbox
	}
	l := c.Limits
	if l.MaxConns != nil {
		o.Limits.MaxConns = *l.MaxConns
	}
	if l.MaxConnsPerIP != nil {
		o.Limits.MaxConnsPerIP = *l.MaxConnsPerIP
	}
	for _, kv := range []struct {
		name string
		dst  *time.Duration
		v    string
	}{{"idle-timeout", &o.Limits.IdleTimeout, l.IdleTimeout}, {"command-timeout", &o.Limits.CommandTimeout, l.CommandTimeout}, {"login-delay", &o.LoginDelay, l.LoginDelay}} {
		if kv.v == "" {
			continue
		}
		d, err := time.ParseDuration(kv.v)
		if err != nil {
			return fmt.Errorf("%s: limits: %s: %v", path, kv.name, err)
		}
		*kv.dst = d
	}
	if l.MaxMessage != "" {
		n, err := parseSize(l.MaxMessage)
		if err != nil {
			return fmt.Errorf("%s: limits: max-message: %v", path, err)
		}
		o.MaxMessageBytes = int(n)
	}
	if l.Quota != "" {
		n, err := parseSize(l.Quota)
		if err != nil {
			return fmt.Errorf("%s: limits: quota: %v", path, err)
		}
		o.Quota = n
	}
	return nil
}

func (o serveOptions) check() error {
	if net.ParseIP(o.Listen) == nil {
		return fmt.Errorf("--listen %q: want an IP address of this machine (e.g. 192.168.1.10, or 0.0.0.0 for all)", o.Listen)
	}
	if o.Students < 0 || o.Students > 9999 {
		return fmt.Errorf("--students %d: want 0..9999", o.Students)
	}
	if o.Limits.MaxConns < 1 || o.Limits.MaxConnsPerIP < 1 {
		return fmt.Errorf("--max-conns and --max-conns-per-ip must be at least 1")
	}
	if o.Limits.IdleTimeout < time.Millisecond || o.Limits.CommandTimeout < time.Millisecond {
		return fmt.Errorf("--idle-timeout and --command-timeout must be positive")
	}
	if o.MaxMessageBytes < 1024 {
		return fmt.Errorf("--max-message %d: want at least 1KiB", o.MaxMessageBytes)
	}
	if o.LoginDelay <= 0 {
		return fmt.Errorf("--login-delay must be positive")
	}
	seen := map[int]roles.Role{}
	roles := make([]roles.Role, 0, len(o.Ports))
	for r := range o.Ports {
		roles = append(roles, r)
	}
	sort.Slice(roles, func(i, j int) bool { return roles[i] < roles[j] })
	for _, r := range roles {
		p := o.Ports[r]
		if p == 0 {
			continue
		}
		for _, q := range []int{p, p + 1000} {
			if other, ok := seen[q]; ok {
				return fmt.Errorf("port %d is given to both %s and %s (example.org uses each port plus 1000)", q, other, r)
			}
			seen[q] = r
		}
	}
	return nil
}

// accountsFor gathers the accounts serve creates.
func (o serveOptions) accounts() ([]classroom.Account, fs.FS, error) {
	var accts []classroom.Account
	var fsys fs.FS
	if o.AccountsFile != "" {
		a, f, err := classroom.LoadAccounts(o.AccountsFile)
		if err != nil {
			return nil, nil, err
		}
		accts, fsys = a, f
	}
	accts = append(accts, classroom.Students(o.Students, network.DomainCom)...)
	if o.ClassMailbox {
		accts = append(accts, classroom.ClassAccount(network.DomainCom))
	}
	if o.Exercises != "" {
		accts = append(accts, exerciseTwins(accts)...)
	}
	if len(accts) == 0 { // something to log in with
		demo, _ := classroom.ParseAccounts([]byte("users: [{name: alice, domain: example.com}, {name: bob, domain: example.org}]"))
		accts = demo
	}
	seen := map[string]bool{}
	for _, a := range accts {
		k := strings.ToLower(a.Address())
		if seen[k] {
			return nil, nil, fmt.Errorf("account %s is created twice (--accounts and --students/--class-mailbox)", a.Address())
		}
		seen[k] = true
	}
	return accts, fsys, nil
}

// serve runs the classroom until ctx ends, then shuts the servers down
// politely.
func serve(ctx context.Context, o serveOptions, stdout, stderr io.Writer) error {
	accts, fsys, err := o.accounts()
	if err != nil {
		return &exitError{2, "serve: " + err.Error()}
	}
	var exs []*exercises.Exercise
	if o.Exercises != "" {
		if exs, err = loadExercises(o.Exercises); err != nil {
			return &exitError{2, "serve: --exercises: " + err.Error()}
		}
	} else if o.ResultsFile != "" {
		return &exitError{2, "serve: --results needs --exercises (builtin or a DIR)"}
	}
	reg := classroom.NewRegistry(classroom.Options{})
	live := !o.NoTUI && (o.screen != nil || onTerminal(stdout))
	headlessLog := !o.NoTUI && !live
	notices := make(chan string, 16)
	logf := func(string, ...any) {}
	switch {
	case o.Verbose && live: // the terminal is the view's: diagnostics go to its header
		logf = func(format string, args ...any) {
			select {
			case notices <- fmt.Sprintf(format, args...):
			default:
			}
		}
	case o.Verbose:
		logf = func(format string, args ...any) {
			fmt.Fprintf(stderr, "mailsim: %s\n", textsafe.Visible(fmt.Sprintf(format, args...)))
		}
	}
	lim := o.Limits
	lim.Refused = func(role roles.Role, remote, reason string) {
		switch {
		case headlessLog:
			fmt.Fprintf(stdout, "%s refused %s connection from %s: too many connections (%s)\n", time.Now().Format("15:04:05"), role, remote, reason)
		case live:
			select { // the live view shows it in its header; never block a server
			case notices <- fmt.Sprintf("refused %s from %s: too many connections (%s)", role, remote, reason):
			default:
			}
		}
	}
	n, err := network.Start(network.Options{
		Listen: o.Listen, Ports: o.Ports, CertNames: o.CertNames,
		Throttle:  &authpolicy.Throttle{Base: o.LoginDelay, Max: max(30*time.Second, o.LoginDelay)},
		ServerTap: reg, Logf: logf, RunRelays: true,
		Limits: &lim, MaxMessageBytes: o.MaxMessageBytes,
	})
	if err != nil {
		var oe *net.OpError
		if errors.As(err, &oe) {
			return &exitError{1, fmt.Sprintf("serve: %v (is another mailsim serve running? change ports with --port ROLE=PORT)", err)}
		}
		return err
	}
	defer n.Close()
	cls, err := classroom.New(n, reg, accts, fsys, o.Quota)
	if err != nil {
		return &exitError{2, "serve: " + err.Error()}
	}
	if err := n.CA.SaveCA(o.CAFile); err != nil {
		return err
	}
	card := classroom.NewCard(cls, o.Listen, o.CAFile)
	if ip := net.ParseIP(o.Listen); !ip.IsLoopback() {
		fmt.Fprintf(stderr, "mailsim: WARNING: listening on %s: anyone who can reach this machine can connect.\n"+
			"  Passwords are accepted off this machine only inside TLS; use it on a classroom network only.\n", o.Listen)
	}
	lang := o.Lang
	if lang == "" {
		lang, _ = pickLang("")
	}
	card.Write(stdout, lang)
	if o.SheetFile != "" {
		f, err := os.Create(o.SheetFile)
		if err != nil {
			return err
		}
		werr := card.WriteSheet(f, lang)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil && len(exs) > 0 {
			werr = appendSheet(o.SheetFile, exs, card, lang)
		}
		if werr != nil {
			return werr
		}
		fmt.Fprintf(stdout, "\n%s\n", i18n.Wordf(lang, "Sheet for the students: %s", o.SheetFile))
	}
	var rec *classroom.Recorder
	if o.RecordDir != "" {
		if rec, err = classroom.NewRecorder(o.RecordDir); err != nil {
			return err
		}
		defer reg.Subscribe(rec.Event)()
		fmt.Fprintln(stdout, i18n.Wordf(lang, "Recording every session (passwords redacted) into %s", o.RecordDir))
	}
	if headlessLog {
		fmt.Fprintf(stdout, "\n%s\n", i18n.Word(lang, "One line per finished connection follows. Ctrl-C stops."))
		defer reg.Subscribe(func(ev classroom.Event) {
			if ev.Kind == classroom.ConnClosed {
				fmt.Fprintln(stdout, textsafe.Visible(classroom.LogLine(ev.Conn)))
			}
		})()
	} else if !live {
		fmt.Fprintf(stdout, "\n%s\n", i18n.Word(lang, "Serving. Ctrl-C stops."))
	}
	var ce *classExercises
	if len(exs) > 0 {
		ce = startExercises(ctx, exs, cls, o.ResultsFile, lang)
		fmt.Fprintln(stdout, i18n.Wordf(lang, "Checking %d exercises for %d students.", len(exs), len(ce.tracker.Students())))
		if o.tracked != nil {
			o.tracked(ce.tracker)
		}
	}
	if o.ready != nil {
		o.ready(cls)
	}
	if live {
		var cardText strings.Builder
		card.Write(&cardText, lang)
		so := liveview.ServeOptions{Registry: reg, Classroom: cls, Network: n, Screen: o.screen,
			Lang: lang, Card: cardText.String(), Notices: notices, SaveDir: o.RecordDir}
		if ce != nil {
			so.Exercises, so.WriteResults = ce.tracker, ce.writeResults
		}
		if err := liveview.Serve(ctx, so); err != nil {
			fmt.Fprintf(stderr, "mailsim: live view: %v\n", err)
		}
	} else {
		<-ctx.Done()
	}
	open := 0
	if l := n.Limiter(); l != nil {
		open = l.Open()
	}
	fmt.Fprintf(stdout, "\n%s\n", i18n.Wordf(lang, "Shutting down: telling %d open sessions the server is going away.", open))
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownGrace)
	defer cancel()
	serr := n.Shutdown(sctx)
	if err := ce.stop(stdout); err != nil {
		return err
	}
	if rec != nil {
		if err := rec.Close(); err != nil {
			return fmt.Errorf("recording: %w", err)
		}
	}
	if serr != nil && !errors.Is(serr, context.DeadlineExceeded) {
		return serr
	}
	return nil
}

// onTerminal reports whether w is a terminal, and stdin one too: the live
// view needs both.
func onTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && term.IsTerminal(int(os.Stdin.Fd()))
}
