package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/certs"
	"mailsim/sim/imap"
	"mailsim/sim/mailstore"
	"mailsim/sim/roles"
	"mailsim/sim/smtp"
	"mailsim/sim/wire"
)

// Domains of the two simulated providers.
const (
	DomainCom = "example.com"
	DomainOrg = "example.org"
)

// Options configure the simulated providers.
type Options struct {
	Domains []string     // default: example.com and example.org
	Roles   []roles.Role // servers each provider runs; default AllRoles
	// DomainRoles narrows the servers of one provider: example.org with
	// {POP3, POP3S, Submission, SMTPS, MX} runs no IMAP. A role a provider
	// does not run still has its name in the name table, resolving to a
	// loopback port where nothing listens: connecting is refused, as a real
	// client would see it. Roles, when set, still limits every provider.
	DomainRoles map[string][]roles.Role
	Listen      string // IP to listen on; default 127.0.0.1
	// Ports fixes a role's port at the first provider; the second gets
	// port+1000 and so on. Zero or missing means an ephemeral port.
	Ports map[roles.Role]int

	StoreClock func() time.Time // internal dates; nil = time.Now
	Plaintext  authpolicy.Plaintext
	Throttle   *authpolicy.Throttle // shared by all servers; nil = a default
	ServerTap  wire.Sink            // when set, every server side is tapped into it
	Logf       func(format string, args ...any)
	// APOPTimestamp makes POP3 greeting timestamps; nil = the server's own.
	APOPTimestamp func(host string) string
	// Deterministic makes queue IDs repeatable (lessons).
	Deterministic bool
	// RelayDial, when set, opens the MTAs' connections to other providers'
	// MX servers; the lesson runner taps them so the relay hop shows as its
	// own connection. who is the MTA's actor name, "MTA smtp.example.com".
	RelayDial func(ctx context.Context, who, addr string) (net.Conn, error)
	// RetryDelays are the MTAs' waits between attempts; nil = smtp's default.
	RetryDelays []time.Duration
	// RunRelays starts each MTA's worker, which relays on its own
	// (classroom mode). Lessons leave it off and call FlushRelays.
	RunRelays bool

	// Classroom mode (mailsim serve). Limits, when set, applies network-wide
	// connection caps and timeouts to every server (see ConnLimiter); nil
	// leaves each server its own defaults, as lessons have them.
	Limits *Limits
	// MaxMessageBytes limits one message, in SMTP and in the stores;
	// 0 = the servers' defaults.
	MaxMessageBytes int
	// CertNames are extra IP addresses and host names every server
	// certificate covers (certs.NewAuthorityFor); a non-loopback Listen
	// address is added on its own.
	CertNames []string
}

// Network is a set of simulated providers on loopback, with the name table
// that maps their host names to addresses.
type Network struct {
	CA        *certs.Authority
	Providers []*Provider

	ids     idSource
	limiter *ConnLimiter // nil unless Options.Limits
	// tap records every server side into Options.ServerTap: one
	// Recorder, so connection ids are unique across the servers.
	tap    *wire.Recorder
	cancel context.CancelFunc // stops the MTA workers
	opts   Options            // what the servers were started with (StartServer starts one again)

	mu    sync.Mutex
	names map[string]string // "pop.example.com:110" -> "127.0.0.1:40123"
}

// Provider is one simulated mail provider.
type Provider struct {
	Domain  string
	Store   *mailstore.Store
	Servers []*Server
	MTA     *smtp.MTA // relays mail its submission servers accept for other domains
	// IMAPRecent is which messages have been \Recent to an IMAP session,
	// shared by the provider's IMAP servers and kept when one restarts.
	IMAPRecent *imap.RecentTable
	// Closed maps each role the provider does not offer (Options.
	// DomainRoles) to a loopback address where nothing listens.
	Closed map[roles.Role]string
}

// Server is one listening server of a provider.
type Server struct {
	Role     roles.Role
	Host     string // "pop.example.com"
	Addr     string // "127.0.0.1:40123"
	TLS      bool   // implicit TLS
	listener net.Listener
	srv      service
	done     chan error
	index    int  // the provider's place in Options.Domains
	down     bool // StopServer stopped it: its address refuses connections
}

// service is what every protocol server offers.
type service interface {
	Serve(net.Listener) error
	Close() error
	Shutdown(context.Context) error
}

// Port is the server's real port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Start starts the providers' stores and servers.
func Start(o Options) (*Network, error) {
	if len(o.Domains) == 0 {
		o.Domains = []string{DomainCom, DomainOrg}
	}
	if len(o.Roles) == 0 {
		o.Roles = roles.All
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1"
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	if o.Throttle == nil {
		o.Throttle = &authpolicy.Throttle{}
	}
	ca, err := certs.NewAuthorityFor(certNames(o)...)
	if err != nil {
		return nil, err
	}
	n := &Network{CA: ca, names: map[string]string{}, ids: idSource{deterministic: o.Deterministic}, opts: o}
	if o.Limits != nil {
		n.limiter = NewConnLimiter(*o.Limits)
	}
	if o.ServerTap != nil {
		n.tap = wire.NewRecorder(o.ServerTap, wire.Options{})
	}
	for i, domain := range o.Domains {
		store := mailstore.New(mailstore.Options{Clock: o.StoreClock, UIDValidity: uint32(1000*(i+1) + 1), MaxMessageBytes: o.MaxMessageBytes})
		p := &Provider{Domain: domain, Store: store, IMAPRecent: imap.NewRecentTable()}
		n.Providers = append(n.Providers, p)
		offered, narrowed := o.DomainRoles[domain]
		for _, role := range o.Roles {
			if narrowed && !slices.Contains(offered, role) {
				if err := n.closedPort(o, p, role); err != nil {
					n.Close()
					return nil, fmt.Errorf("reserving a closed port for %s at %s: %w", role, domain, err)
				}
				continue
			}
			s, err := n.startServer(o, p, role, i)
			if err != nil {
				n.Close()
				return nil, fmt.Errorf("starting %s for %s: %w", role, domain, err)
			}
			p.Servers = append(p.Servers, s)
		}
	}
	if o.RunRelays {
		ctx, cancel := context.WithCancel(context.Background())
		n.cancel = cancel
		for _, p := range n.Providers {
			if p.MTA != nil {
				go p.MTA.Run(ctx)
			}
		}
	}
	return n, nil
}

func (n *Network) startServer(o Options, p *Provider, role roles.Role, index int) (*Server, error) {
	port := 0
	if fixed, ok := o.Ports[role]; ok && fixed != 0 {
		port = fixed + 1000*index
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Listen, strconv.Itoa(port)))
	if err != nil {
		return nil, err
	}
	return n.serve(o, p, role, index, ln)
}

// serve starts the role's server on a listener.
func (n *Network) serve(o Options, p *Provider, role roles.Role, index int, ln net.Listener) (*Server, error) {
	host := role.Host(p.Domain)
	tlsCfg, err := n.CA.ServerConfig(host)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if n.tap != nil { // the tap sees inside the STARTTLS that go-imap and go-smtp do themselves
		tlsCfg = n.tap.ServerTLS(tlsCfg)
	}
	var served net.Listener = ln
	if n.limiter != nil {
		served = n.limiter.Listener(ln, role, host, tlsCfg)
	}
	switch {
	case role.ImplicitTLS() && o.ServerTap != nil:
		served = n.tap.TLSListener(served, role.Protocol(), tlsCfg)
	case role.ImplicitTLS():
		served = tlsListener(served, tlsCfg)
		if !o.Deterministic {
			served = wire.Coalesce(served) // as the tap does: one write per batch
		}
	case o.ServerTap != nil:
		served = n.tap.Listener(served, role.Protocol())
	case !o.Deterministic:
		// Lessons under a fixed clock skip coalescing: how writes batch
		// depends on timing, and their TLS record counts must repeat.
		served = wire.Coalesce(served)
	}
	srv, err := n.newService(o, p, role, host, tlsCfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{Role: role, Host: host, Addr: ln.Addr().String(), TLS: role.ImplicitTLS(),
		listener: served, srv: srv, done: make(chan error, 1), index: index}
	go func() { s.done <- srv.Serve(served) }()
	n.mu.Lock()
	n.names[net.JoinHostPort(host, strconv.Itoa(role.StandardPort()))] = s.Addr
	n.mu.Unlock()
	return s, nil
}

// closedPort gives a role the provider does not offer an address where
// nothing listens: a port the system handed out and took back at once.
// Its name stays in the name table, as a real DNS name may exist with no
// server behind it.
func (n *Network) closedPort(o Options, p *Provider, role roles.Role) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(o.Listen, "0"))
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return err
	}
	if p.Closed == nil {
		p.Closed = map[roles.Role]string{}
	}
	p.Closed[role] = addr
	n.mu.Lock()
	n.names[net.JoinHostPort(role.Host(p.Domain), strconv.Itoa(role.StandardPort()))] = addr
	n.mu.Unlock()
	return nil
}

// StopServer stops the provider's server with the role, as an outage
// does: its open sessions are cut, and its address refuses connections
// until StartServer. The name table keeps the address.
func (n *Network) StopServer(domain string, role roles.Role) error {
	s, err := n.server(domain, role)
	if err != nil {
		return err
	}
	if s.down {
		return fmt.Errorf("the %s server of %s is already down", role, domain)
	}
	s.down = true
	err = s.srv.Close()
	select {
	case <-s.done: // Serve has returned: nothing listens any more
	case <-time.After(5 * time.Second):
	}
	return err
}

// StartServer starts a server StopServer stopped, on the same address.
func (n *Network) StartServer(domain string, role roles.Role) error {
	s, err := n.server(domain, role)
	if err != nil {
		return err
	}
	if !s.down {
		return fmt.Errorf("the %s server of %s is not down", role, domain)
	}
	p, _ := n.Provider(domain)
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("starting %s for %s again on %s: %w", role, domain, s.Addr, err)
	}
	ns, err := n.serve(n.opts, p, role, s.index, ln)
	if err != nil {
		ln.Close()
		return err
	}
	*s = *ns
	return nil
}

func (n *Network) server(domain string, role roles.Role) (*Server, error) {
	p, ok := n.Provider(domain)
	if !ok {
		return nil, fmt.Errorf("no provider %q", domain)
	}
	s, ok := p.Server(role)
	if !ok {
		return nil, fmt.Errorf("%s runs no %s server", domain, role)
	}
	return s, nil
}

// Resolve maps a simulated host and standard port ("pop.example.com:110")
// to the loopback address its server listens on.
func (n *Network) Resolve(hostport string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	a, ok := n.names[hostport]
	return a, ok
}

// Names returns the name table, sorted by host name.
func (n *Network) Names() [][2]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([][2]string, 0, len(n.names))
	for k, v := range n.names {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// Provider returns the provider of a domain.
func (n *Network) Provider(domain string) (*Provider, bool) {
	for _, p := range n.Providers {
		if p.Domain == domain {
			return p, true
		}
	}
	return nil, false
}

// Server returns the provider's server with the role.
func (p *Provider) Server(role roles.Role) (*Server, bool) {
	for _, s := range p.Servers {
		if s.Role == role {
			return s, true
		}
	}
	return nil, false
}

// Close stops every server at once.
func (n *Network) Close() error {
	n.stopRelays()
	var errs []error
	for _, p := range n.Providers {
		for _, s := range p.Servers {
			if !s.down {
				errs = append(errs, s.srv.Close())
			}
		}
	}
	return errors.Join(errs...)
}

// Shutdown stops every server politely: open sessions are told the server
// is going away (POP3 -ERR [SYS/TEMP], IMAP BYE, SMTP 421).
func (n *Network) Shutdown(ctx context.Context) error {
	n.stopRelays()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for _, p := range n.Providers {
		for _, s := range p.Servers {
			if s.down {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.srv.Shutdown(ctx); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func (n *Network) stopRelays() {
	if n.cancel != nil {
		n.cancel()
	}
	for _, p := range n.Providers {
		if p.MTA != nil {
			p.MTA.Close()
		}
	}
}
