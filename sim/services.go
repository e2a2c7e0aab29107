package sim

import (
	"crypto/tls"
	"fmt"
	"net"

	"mailsim/sim/pop3"
)

func tlsListener(ln net.Listener, cfg *tls.Config) net.Listener { return tls.NewListener(ln, cfg) }

// newService builds the protocol server for a role.
func (n *Network) newService(o NetworkOptions, p *Provider, role Role, host string, tlsCfg *tls.Config) (service, error) {
	switch role.Protocol() {
	case "pop3":
		po := pop3.Options{Store: p.Store, Hostname: host, ImplicitTLS: role.ImplicitTLS(),
			Plaintext: o.Plaintext, Throttle: o.Throttle, Logf: o.Logf}
		if !role.ImplicitTLS() {
			po.TLSConfig = tlsCfg
		}
		if o.APOPTimestamp != nil {
			po.Timestamp = func() string { return o.APOPTimestamp(host) }
		}
		return pop3.NewServer(po), nil
	}
	return nil, fmt.Errorf("the %s server is not built yet", role)
}

// availableRoles lists the roles whose servers exist in this build.
func availableRoles() []Role { return []Role{POP3, POP3S} }
