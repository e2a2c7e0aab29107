package network

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"mailsim/sim/imap"
	"mailsim/sim/mailstore"
	"mailsim/sim/pop3"
	"mailsim/sim/roles"
	"mailsim/sim/smtp"
)

func tlsListener(ln net.Listener, cfg *tls.Config) net.Listener { return tls.NewListener(ln, cfg) }

// newService builds the protocol server for a role.
func (n *Network) newService(o Options, p *Provider, role roles.Role, host string, tlsCfg *tls.Config) (service, error) {
	var starttls *tls.Config
	if !role.ImplicitTLS() {
		starttls = tlsCfg
	}
	switch role {
	case roles.POP3, roles.POP3S:
		po := pop3.Options{Store: p.Store, Hostname: host, ImplicitTLS: role.ImplicitTLS(), TLSConfig: starttls,
			Plaintext: o.Plaintext, Throttle: o.Throttle, Logf: o.Logf}
		po.Opened = func(user string, last uint32) { p.IMAPRecent.Claim(user, mailstore.Inbox, last) }
		if o.APOPTimestamp != nil {
			po.Timestamp = func() string { return o.APOPTimestamp(host) }
		}
		if o.Limits != nil {
			po.IdleTimeout = n.limiter.lim.IdleTimeout
		}
		return pop3.NewServer(po), nil
	case roles.IMAP, roles.IMAPS:
		return imap.NewServer(imap.Options{Store: p.Store, Hostname: host, ImplicitTLS: role.ImplicitTLS(), TLSConfig: starttls,
			Plaintext: o.Plaintext, Throttle: o.Throttle, Logf: o.Logf, Recent: p.IMAPRecent}), nil
	case roles.MX, roles.Submission, roles.SMTPS:
		so := smtp.Options{Role: smtp.Submission, Domain: p.Domain, Hostname: host, Store: p.Store,
			TLSConfig: starttls, ImplicitTLS: role.ImplicitTLS(), Plaintext: o.Plaintext, Throttle: o.Throttle,
			Clock: o.StoreClock, Logf: o.Logf, NewID: n.ids.next, MTA: n.mta(o, p)}
		if role == roles.MX {
			so.Role, so.MTA = smtp.MX, nil
		}
		so.MaxMessageBytes = int64(o.MaxMessageBytes)
		if o.Limits != nil {
			lim := n.limiter.lim
			so.ReadTimeout, so.WriteTimeout = lim.IdleTimeout, lim.CommandTimeout
			if lim.MaxConnsPerIP > 0 {
				so.MaxConnsPerIP = lim.MaxConnsPerIP // the limiter refuses first
			} else {
				so.MaxConnsPerIP = 1 << 30
			}
		}
		return smtp.NewServer(so), nil
	}
	return nil, fmt.Errorf("no server for role %q", role)
}

// mta returns the provider's Mail Transfer Agent, made on first use. It
// finds other providers' MX servers through the network's name table.
func (n *Network) mta(o Options, p *Provider) *smtp.MTA {
	if p.MTA != nil {
		return p.MTA
	}
	host := roles.Submission.Host(p.Domain)
	mo := smtp.MTAOptions{
		Hostname: host,
		Resolve: func(domain string) (string, error) {
			addr, ok := n.Resolve(net.JoinHostPort(roles.MX.Host(strings.ToLower(domain)), strconv.Itoa(roles.MX.StandardPort())))
			if !ok {
				return "", fmt.Errorf("no mail server for %s in the simulated network", domain)
			}
			return addr, nil
		},
		TLS:         &tls.Config{RootCAs: n.CA.Pool(), MinVersion: tls.VersionTLS12},
		RetryDelays: o.RetryDelays,
		Clock:       o.StoreClock,
		NewID:       n.ids.next,
		Logf:        o.Logf,
		Bounce: func(sender string, dsn []byte) {
			user, domain, _ := strings.Cut(sender, "@")
			if sp, ok := n.Provider(strings.ToLower(domain)); ok {
				if _, err := sp.Store.Deliver(user, dsn); err != nil {
					o.Logf("bounce to %s: %v", sender, err)
				}
			}
		},
	}
	if o.RelayDial != nil {
		mo.Dial = func(ctx context.Context, addr string) (net.Conn, error) { return o.RelayDial(ctx, "MTA "+host, addr) }
	}
	p.MTA = smtp.NewMTA(mo)
	return p.MTA
}

// FlushRelays makes every provider's MTA try its queue now and waits for
// the attempts: lessons call it so that relaying happens at a known moment.
func (n *Network) FlushRelays(ctx context.Context) {
	for _, p := range n.Providers {
		if p.MTA != nil {
			p.MTA.Flush(ctx)
		}
	}
}

// idSource hands out queue IDs: random ones normally, a counted sequence
// when the network is deterministic.
type idSource struct {
	mu            sync.Mutex
	deterministic bool
	n             int
}

func (s *idSource) next() string {
	if !s.deterministic {
		return smtp.RandomID()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("0000%04X", s.n)
}
