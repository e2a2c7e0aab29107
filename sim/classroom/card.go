package classroom

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strings"

	"github.com/rivo/uniseg"

	"mailsim/internal/i18n"
	"mailsim/sim/network"
	"mailsim/sim/roles"
	"mailsim/transcripts"
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

// HostLines are the lines a student adds to the hosts file: a provider's
// names on a line of their own, more lines when they would not fit the
// card (a hosts file takes any number of lines for one address).
func (c Card) HostLines() []string {
	var out []string
	domainOf := func(host string) string { return host[strings.Index(host, ".")+1:] }
	hosts := c.Hosts()
	sort.SliceStable(hosts, func(i, j int) bool { return domainOf(hosts[i]) < domainOf(hosts[j]) })
	line, domain := "", ""
	for _, h := range hosts {
		d := domainOf(h)
		if line != "" && (d != domain || len(line)+1+len(h) > cardColumns-2) {
			out, line = append(out, line), ""
		}
		if line == "" {
			line = c.Address + " "
		}
		line += " " + h
		domain = d
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

func roleUse(lang string, r roles.Role) string {
	switch r {
	case roles.POP3, roles.POP3S:
		return i18n.Word(lang, "incoming, POP3")
	case roles.IMAP, roles.IMAPS:
		return i18n.Word(lang, "incoming, IMAP")
	case roles.MX:
		return i18n.Word(lang, "server-to-server, no login")
	}
	return i18n.Word(lang, "outgoing, SMTP submission")
}

// cardColumns is the plain card's width: its prose is wrapped to it, so a
// terminal 80 columns wide shows every line whole.
const cardColumns = 78

// Write prints the card as plain text for the trainer's terminal, in lang.
func (c Card) Write(w io.Writer, lang string) {
	say := func(indent, text string) {
		for _, l := range transcripts.WrapProse(text, cardColumns, indent, indent) {
			fmt.Fprintln(w, l)
		}
	}
	say("", i18n.Wordf(lang, "mailsim classroom: the simulated providers are running."))
	fmt.Fprintln(w)
	say("", i18n.Wordf(lang, "Servers (students connect to %s):", c.Address))
	for _, s := range c.Servers {
		fmt.Fprintf(w, "  %-17s %-10s %5d  %-8s  %s\n", s.Host, s.Role, s.Port, s.Security, roleUse(lang, s.Role))
	}
	fmt.Fprintln(w)
	say("", i18n.Wordf(lang, "Host names: students add these lines to their hosts file:"))
	for _, l := range c.HostLines() {
		fmt.Fprintf(w, "  %s\n", l)
	}
	say("  ", i18n.Wordf(lang, "Typing the address instead of a name works with most clients, but some (offlineimap, s-nail) refuse a certificate for an IP address: with those, use a name (on this machine: localhost)."))
	fmt.Fprintln(w)
	say("", i18n.Wordf(lang, "Certificate authority: %s", c.CAFile))
	say("  ", i18n.Wordf(lang, "Students import it (Thunderbird: Settings > Certificates > Authorities > Import) or pass it to their tools (curl --cacert, fetchmail sslcertfile). Valid for 24 hours."))
	if !c.Loopback {
		say("  ", i18n.Wordf(lang, "Passwords are accepted off this machine only inside TLS: use SSL/TLS, or STARTTLS."))
	}
	if len(c.Accounts) > 0 {
		fmt.Fprintln(w)
		say("", i18n.Wordf(lang, "Accounts (user name / password):"))
		addrW, nameW := 0, 0
		for _, a := range c.Accounts {
			addrW, nameW = max(addrW, len(a.Address())), max(nameW, len(a.Name()))
		}
		for _, a := range c.Accounts {
			line := fmt.Sprintf("  %-*s  %-*s  %s", addrW, a.Address(), nameW, a.Name(), a.Password)
			if a.Shared {
				shared := i18n.Word(lang, "(shared: everyone may log in)")
				if uniseg.StringWidth(line)+2+uniseg.StringWidth(shared) <= cardColumns {
					line += "  " + shared
				} else { // under the password
					line += "\n" + strings.Repeat(" ", 2+addrW+2+nameW+2) + shared
				}
			}
			fmt.Fprintln(w, line)
		}
	}
}

// WriteSheet writes the class sheet in Markdown, in lang: the settings
// every student needs, then each account's login.
func (c Card) WriteSheet(w io.Writer, lang string) error {
	var b strings.Builder
	b.WriteString(i18n.Wordf(lang, "# Mail class: connection sheet"))
	b.WriteString("\n\n")
	b.WriteString(i18n.Wordf(lang, "The class's mail servers run on the trainer's machine at **%s**.", c.Address))
	b.WriteString("\n\n## 1. ")
	b.WriteString(i18n.Wordf(lang, "Host names"))
	b.WriteString("\n\n")
	b.WriteString(i18n.Wordf(lang, "Add these lines to your hosts file (`/etc/hosts`, or `C:\\Windows\\System32\\drivers\\etc\\hosts`), or type `%s` wherever a server name is asked:", c.Address))
	fmt.Fprintf(&b, "\n\n```\n%s\n```\n\n", strings.Join(c.HostLines(), "\n"))
	b.WriteString(i18n.Wordf(lang, "Some mail programs (offlineimap, s-nail) refuse a certificate for an address: with those, use the names (add the lines above)."))
	b.WriteString("\n\n## 2. ")
	b.WriteString(i18n.Wordf(lang, "Trust the class certificate"))
	b.WriteString("\n\n")
	b.WriteString(i18n.Wordf(lang, "The servers' certificates are signed by the class's own authority, `%s` (valid for 24 hours). Import it into your mail app (Thunderbird: Settings > Privacy & Security > Certificates > Manage Certificates > Authorities > Import), or give it to your tools: `curl --cacert %s`, fetchmail `sslcertfile`, mbsync `CertificateFile`.", c.CAFile, c.CAFile))
	b.WriteString("\n\n## 3. ")
	b.WriteString(i18n.Wordf(lang, "Servers"))
	fmt.Fprintf(&b, "\n\n| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", i18n.Word(lang, "Provider"), i18n.Word(lang, "Server"),
		i18n.Word(lang, "Port"), i18n.Word(lang, "Connection security"), i18n.Word(lang, "Use"))
	for _, s := range c.Servers {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", s.Domain, s.Host, s.Port, s.Security, roleUse(lang, s.Role))
	}
	b.WriteString("\n")
	b.WriteString(i18n.Wordf(lang, "Authentication: normal password. Your user name is the part before the @."))
	b.WriteString("\n")
	if !c.Loopback {
		b.WriteString(i18n.Wordf(lang, "Passwords are only accepted inside TLS: choose SSL/TLS or STARTTLS, never \"None\"."))
		b.WriteString("\n")
	}
	b.WriteString("\n")
	b.WriteString(i18n.Wordf(lang, "With curl: `curl --cacert %s --user USER:PASSWORD imaps://%s:%d/INBOX`", c.CAFile, c.hostFor(roles.IMAPS), c.portFor(roles.IMAPS, network.DomainCom)))
	b.WriteString("\n\n## 4. ")
	b.WriteString(i18n.Wordf(lang, "Accounts"))
	fmt.Fprintf(&b, "\n\n| %s | %s | %s |\n|---|---|---|\n", i18n.Word(lang, "Address"), i18n.Word(lang, "User name"), i18n.Word(lang, "Password"))
	for _, a := range c.Accounts {
		note := ""
		if a.Shared {
			note = " " + i18n.Word(lang, "(shared by the whole class)")
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
