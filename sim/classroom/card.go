package classroom

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strings"

	"mailsim/sim/network"
	"mailsim/sim/roles"
)

// Card is the connection card a trainer shows the class: where the servers
// are, how they are secured, and who may log in.
type Card struct {
	// Address is what students connect to: the listen address, or this
	// machine's first non-loopback address when listening on all of them.
	Address  string
	Loopback bool // the servers listen on loopback only
	Servers  []CardServer
	Accounts []Account
	CAFile   string // the saved CA certificate
}

// CardServer is one server on the card.
type CardServer struct {
	Domain   string
	Host     string // "imap.example.com"
	Role     roles.Role
	Port     int
	Security string // as mail apps name it: "SSL/TLS" or "STARTTLS"
}

// NewCard describes the running classroom.
func NewCard(c *Classroom, listen, caFile string) Card {
	card := Card{Address: listen, CAFile: caFile, Accounts: c.Accounts}
	if on := listenedOn(c); on != "" {
		listen = on // the address the servers really listen on
	}
	ip := net.ParseIP(listen)
	switch {
	case listen == "":
		card.Address, card.Loopback = "127.0.0.1", true
	case ip != nil && ip.IsLoopback():
		card.Address, card.Loopback = ip.String(), true // 127.0.0.2 too
	case ip != nil && ip.IsUnspecified():
		card.Address = firstAddress()
	default:
		card.Address = listen
	}
	for _, p := range c.Net.Providers {
		for _, s := range p.Servers {
			sec := "STARTTLS"
			if s.TLS {
				sec = "SSL/TLS"
			}
			card.Servers = append(card.Servers, CardServer{Domain: p.Domain, Host: s.Host, Role: s.Role, Port: s.Port(), Security: sec})
		}
	}
	return card
}

// listenedOn is the host part of the servers' listening address, "" if
// there is no server.
func listenedOn(c *Classroom) string {
	for _, p := range c.Net.Providers {
		for _, s := range p.Servers {
			if host, _, err := net.SplitHostPort(s.Addr); err == nil {
				return host
			}
		}
	}
	return ""
}

func firstAddress() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			return ipn.IP.String()
		}
	}
	return "127.0.0.1"
}

// Hosts lists the servers' host names, sorted.
func (c Card) Hosts() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range c.Servers {
		if !seen[s.Host] {
			seen[s.Host] = true
			out = append(out, s.Host)
		}
	}
	sort.Strings(out)
	return out
}

func roleUse(r roles.Role) string {
	switch r {
	case roles.POP3, roles.POP3S:
		return "incoming, POP3"
	case roles.IMAP, roles.IMAPS:
		return "incoming, IMAP"
	case roles.MX:
		return "server-to-server, no login"
	}
	return "outgoing, SMTP submission"
}

// Write prints the card as plain text for the trainer's terminal.
func (c Card) Write(w io.Writer) {
	fmt.Fprintf(w, "mailsim classroom: the simulated providers are running.\n\n")
	fmt.Fprintf(w, "Servers (students connect to %s):\n", c.Address)
	for _, s := range c.Servers {
		fmt.Fprintf(w, "  %-12s %-17s %-11s %5d  %-8s  %s\n", s.Domain, s.Host, s.Role, s.Port, s.Security, roleUse(s.Role))
	}
	fmt.Fprintf(w, "\nHost names: students add this line to their hosts file:\n  %s  %s\n"+
		"  Typing the address instead of a name works with most clients, but some (offlineimap,\n"+
		"  s-nail) refuse a certificate for an IP address: with those, use a name (on this machine: localhost).\n",
		c.Address, strings.Join(c.Hosts(), " "))
	fmt.Fprintf(w, "\nCertificate authority: %s\n  Students import it (Thunderbird: Settings > Certificates > Authorities > Import)\n"+
		"  or pass it to their tools (curl --cacert, fetchmail sslcertfile). Valid for 24 hours.\n", c.CAFile)
	if !c.Loopback {
		fmt.Fprintf(w, "  Passwords are accepted off this machine only inside TLS: use SSL/TLS, or STARTTLS.\n")
	}
	if len(c.Accounts) > 0 {
		fmt.Fprintf(w, "\nAccounts (user name / password):\n")
		for _, a := range c.Accounts {
			extra := ""
			if a.Shared {
				extra = "  (shared: everyone may log in)"
			}
			fmt.Fprintf(w, "  %-28s %-12s %s%s\n", a.Address(), a.Name(), a.Password, extra)
		}
	}
}

// WriteSheet writes the class sheet in Markdown: the settings every
// student needs, then each account's login.
func (c Card) WriteSheet(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Mail class: connection sheet\n\n")
	fmt.Fprintf(&b, "The class's mail servers run on the trainer's machine at **%s**.\n\n", c.Address)
	fmt.Fprintf(&b, "## 1. Host names\n\nAdd this line to your hosts file (`/etc/hosts`, or "+
		"`C:\\Windows\\System32\\drivers\\etc\\hosts`), or type `%s` wherever a server name is asked:\n\n"+
		"```\n%s  %s\n```\n\nSome mail programs (offlineimap, s-nail) refuse a certificate for an address: "+
		"with those, use the names (add the line above).\n\n", c.Address, c.Address, strings.Join(c.Hosts(), " "))
	fmt.Fprintf(&b, "## 2. Trust the class certificate\n\nThe servers' certificates are signed by the class's own "+
		"authority, `%s` (valid for 24 hours). Import it into your mail app "+
		"(Thunderbird: Settings > Privacy & Security > Certificates > Manage Certificates > Authorities > Import), "+
		"or give it to your tools: `curl --cacert %s`, fetchmail `sslcertfile`, mbsync `CertificateFile`.\n\n", c.CAFile, c.CAFile)
	fmt.Fprintf(&b, "## 3. Servers\n\n| Provider | Server | Port | Connection security | Use |\n|---|---|---|---|---|\n")
	for _, s := range c.Servers {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", s.Domain, s.Host, s.Port, s.Security, roleUse(s.Role))
	}
	fmt.Fprintf(&b, "\nAuthentication: normal password. Your user name is the part before the @.\n")
	if !c.Loopback {
		fmt.Fprintf(&b, "Passwords are only accepted inside TLS: choose SSL/TLS or STARTTLS, never \"None\".\n")
	}
	fmt.Fprintf(&b, "\nWith curl: `curl --cacert %s --user USER:PASSWORD imaps://%s:%d/INBOX`\n", c.CAFile, c.hostFor(roles.IMAPS), c.portFor(roles.IMAPS, network.DomainCom))
	fmt.Fprintf(&b, "\n## 4. Accounts\n\n| Address | User name | Password |\n|---|---|---|\n")
	for _, a := range c.Accounts {
		note := ""
		if a.Shared {
			note = " (shared by the whole class)"
		}
		fmt.Fprintf(&b, "| %s%s | `%s` | `%s` |\n", a.Address(), note, a.Name(), a.Password)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (c Card) hostFor(r roles.Role) string { return r.Host(network.DomainCom) }

func (c Card) portFor(r roles.Role, domain string) int {
	for _, s := range c.Servers {
		if s.Role == r && s.Domain == domain {
			return s.Port
		}
	}
	return r.StandardPort()
}
