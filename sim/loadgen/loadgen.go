// Package loadgen is a load generator for POP3, IMAP and SMTP servers:
// mailsim's own or anyone else's. Its clients are written for speed (one
// buffered reader and writer per connection, no parsing beyond what the
// workload needs) but behave as real clients do: one command at a time,
// no pipelining, a fresh connection for each session.
//
// Workloads (Config.Sessions is per connection):
//
//	IMAP: LOGIN, SELECT INBOX, [SEARCH TEXT "..."], FETCH 1:* (FLAGS ENVELOPE),
//	      Fetches x FETCH n BODY[] (n random, seeded), LOGOUT
//	POP3: USER/PASS, STAT, RETR every message, QUIT (nothing deleted)
//	SMTP: one connection: EHLO, [STARTTLS, EHLO], [AUTH PLAIN],
//	      Sessions x (MAIL, RCPT, DATA), QUIT
//
// Every -ERR, NO, BAD, 4xx or 5xx reply counts as a protocol error and is
// reported with the command that got it; I/O failures and malformed
// replies are counted apart. A run never hides an error.
package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Protocol is the protocol a run speaks.
type Protocol string

// The protocols.
const (
	IMAP Protocol = "imap"
	POP3 Protocol = "pop3"
	SMTP Protocol = "smtp"
)

// TLSMode says how a connection gets TLS.
type TLSMode string

// The TLS modes.
const (
	TLSNone     TLSMode = "none"
	TLSImplicit TLSMode = "implicit" // TLS from the first byte (993, 995, 465)
	TLSStart    TLSMode = "starttls" // STARTTLS (IMAP, SMTP) or STLS (POP3)
)

// ParseProtocol checks a protocol name.
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(strings.ToLower(s)); p {
	case IMAP, POP3, SMTP:
		return p, nil
	}
	return "", fmt.Errorf("unknown protocol %q (want imap, pop3 or smtp)", s)
}

// ParseTLSMode checks a TLS mode name; "" means none.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(s)); m {
	case "", TLSNone:
		return TLSNone, nil
	case TLSImplicit, TLSStart:
		return m, nil
	}
	return "", fmt.Errorf("unknown TLS mode %q (want implicit, starttls or none)", s)
}

// Config describes a run. Protocol, Addr and (except for SMTP without
// AUTH) User and Pass are required; zero values elsewhere mean the
// defaults given.
type Config struct {
	Protocol Protocol
	Addr     string // host:port
	// User and Pass log in. A "%d" in User becomes the connection's number
	// (1..Conns), so that each connection can have its own account: a POP3
	// server may lock a maildrop to one session at a time.
	User, Pass string
	Conns      int // concurrent connections; default 20
	// Sessions is the number of sessions each connection runs one after
	// the other, each on a new TCP connection (IMAP, POP3), or the number
	// of messages each connection sends (SMTP). Default: IMAP 5, POP3 2,
	// SMTP 5.
	Sessions int
	Fetches  int // IMAP: FETCH n BODY[] per session; default 100
	// Search, when set, makes each IMAP session send SEARCH TEXT "Search"
	// after SELECT: a search of every message's header and text.
	Search string
	// NoEnvelopes leaves FETCH 1:* (FLAGS ENVELOPE) out of IMAP sessions.
	NoEnvelopes bool
	Mailbox     string // IMAP: default INBOX
	MaxRetr     int    // POP3: RETR at most this many per session; 0 = every message
	Seed        uint64 // seeds the message numbers IMAP fetches; default 1

	// SMTP: envelope addresses and message size. From and To default to
	// the user's address (User@example.com when User has no domain).
	From, To    string
	MessageSize int // default 1024 octets of body

	TLS        TLSMode
	TLSConfig  *tls.Config // used as is when set; else built from the three below
	CAFile     string      // PEM file of CAs to trust
	Insecure   bool        // skip certificate verification
	ServerName string      // default: Addr's host

	DialTimeout time.Duration // default 10s
	Timeout     time.Duration // per command; default 30s
	// MaxErrorSamples is how many error lines the result keeps; default 20.
	MaxErrorSamples int
}

func (c *Config) setDefaults() error {
	if c.Protocol == "" {
		return errors.New("loadgen: Config.Protocol is required")
	}
	if _, err := ParseProtocol(string(c.Protocol)); err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	if c.Addr == "" {
		return errors.New("loadgen: Config.Addr is required")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("loadgen: address %q: %w", c.Addr, err)
	}
	if c.User == "" && c.Protocol != SMTP {
		return errors.New("loadgen: Config.User is required")
	}
	if c.Conns <= 0 {
		c.Conns = 20
	}
	if c.Sessions <= 0 {
		c.Sessions = map[Protocol]int{IMAP: 5, POP3: 2, SMTP: 5}[c.Protocol]
	}
	if c.Fetches < 0 {
		c.Fetches = 0
	} else if c.Fetches == 0 {
		c.Fetches = 100
	}
	if c.Mailbox == "" {
		c.Mailbox = "INBOX"
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.MessageSize <= 0 {
		c.MessageSize = 1024
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxErrorSamples <= 0 {
		c.MaxErrorSamples = 20
	}
	mode, err := ParseTLSMode(string(c.TLS))
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	c.TLS = mode
	if c.TLS != TLSNone && c.TLSConfig == nil {
		cfg := &tls.Config{InsecureSkipVerify: c.Insecure, ServerName: c.ServerName, MinVersion: tls.VersionTLS12}
		if cfg.ServerName == "" {
			cfg.ServerName, _, _ = net.SplitHostPort(c.Addr)
		}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return fmt.Errorf("loadgen: CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("loadgen: CA file %s holds no PEM certificate", c.CAFile)
			}
			cfg.RootCAs = pool
		}
		c.TLSConfig = cfg
	}
	return nil
}

// user is the account connection i (0-based) logs in as.
func (c *Config) user(i int) string {
	if strings.Contains(c.User, "%d") {
		return strings.ReplaceAll(c.User, "%d", fmt.Sprint(i+1))
	}
	return c.User
}

// Result is what a run measured.
type Result struct {
	Protocol Protocol
	Addr     string
	TLS      TLSMode
	Conns    int
	Sessions int // per connection, as configured

	Wall     time.Duration
	Commands int64 // commands sent (connects are not commands)
	BytesIn  int64 // octets read from the network (TLS records included)
	BytesOut int64 // octets written to the network
	Messages int64 // messages retrieved (RETR, FETCH BODY[]) or sent (SMTP)

	SessionsOK     int64 // sessions that ran to the end without an error
	SessionsFailed int64 // sessions cut short by an error

	ProtocolErrors int64 // -ERR, NO, BAD, 4xx, 5xx replies
	IOErrors       int64 // dial, TLS, read or write failures, timeouts, malformed replies
	ErrorSamples   []string

	Ops []OpStats // per command, in the order the workload first sends them
}

// OpStats are one command's figures.
type OpStats struct {
	Name   string
	Count  int64
	Errors int64 // protocol errors the command got
	Hist   *Histogram
}

// Errors is ProtocolErrors + IOErrors.
func (r *Result) Errors() int64 { return r.ProtocolErrors + r.IOErrors }

// CommandsPerSec is the commands sent per second of wall time.
func (r *Result) CommandsPerSec() float64 { return perSec(float64(r.Commands), r.Wall) }

// BytesPerSec is the octets read and written per second of wall time.
func (r *Result) BytesPerSec() float64 { return perSec(float64(r.BytesIn+r.BytesOut), r.Wall) }

// Op returns the figures of the command named name.
func (r *Result) Op(name string) (OpStats, bool) {
	for _, o := range r.Ops {
		if o.Name == name {
			return o, true
		}
	}
	return OpStats{}, false
}

func perSec(n float64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return n / d.Seconds()
}

// Run runs the workload and returns what it measured. The error is for a
// configuration that cannot run; errors during the run are in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ws := make([]*worker, cfg.Conns)
	for i := range ws {
		ws[i] = &worker{
			cfg:  &cfg,
			id:   i,
			user: cfg.user(i),
			rng:  rand.New(rand.NewPCG(cfg.Seed, uint64(i))),
			ops:  map[string]*opStat{},
		}
	}
	var wg sync.WaitGroup
	start := time.Now()
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx)
		}()
	}
	wg.Wait()
	res := &Result{Protocol: cfg.Protocol, Addr: cfg.Addr, TLS: cfg.TLS, Conns: cfg.Conns, Sessions: cfg.Sessions,
		Wall: time.Since(start)}
	merged := map[string]*OpStats{}
	type firstSeen struct {
		name string
		at   int
	}
	var order []firstSeen
	for _, w := range ws {
		res.Commands += w.commands
		res.BytesIn += w.in
		res.BytesOut += w.out
		res.Messages += w.messages
		res.SessionsOK += w.sessOK
		res.SessionsFailed += w.sessFailed
		res.ProtocolErrors += w.protoErrs
		res.IOErrors += w.ioErrs
		for _, s := range w.samples {
			if len(res.ErrorSamples) < cfg.MaxErrorSamples {
				res.ErrorSamples = append(res.ErrorSamples, s)
			}
		}
		for name, o := range w.ops {
			m, ok := merged[name]
			if !ok {
				m = &OpStats{Name: name, Hist: &Histogram{}}
				merged[name] = m
				order = append(order, firstSeen{name, o.order})
			}
			m.Count += o.count
			m.Errors += o.errors
			m.Hist.Merge(&o.hist)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].at < order[j].at })
	for _, f := range order {
		res.Ops = append(res.Ops, *merged[f.name])
	}
	return res, nil
}
