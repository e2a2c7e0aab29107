package network

import (
	"errors"
	"mailsim/sim/roles"
	"net"
	"syscall"
	"testing"
)

func TestDomainRolesLeaveAClosedPortBehindTheName(t *testing.T) {
	n, err := Start(Options{DomainRoles: map[string][]roles.Role{DomainOrg: {roles.POP3, roles.POP3S, roles.Submission, roles.SMTPS, roles.MX}}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	org, _ := n.Provider(DomainOrg)
	if _, ok := org.Server(roles.IMAP); ok {
		t.Fatal("example.org runs IMAP, but its roles leave it out")
	}
	if _, ok := org.Server(roles.POP3); !ok {
		t.Fatal("example.org runs no POP3")
	}
	com, _ := n.Provider(DomainCom)
	if _, ok := com.Server(roles.IMAP); !ok || len(com.Closed) != 0 {
		t.Fatalf("example.com lost a role: closed %v", com.Closed)
	}
	for _, role := range []roles.Role{roles.IMAP, roles.IMAPS} {
		addr, ok := n.Resolve(role.Host(DomainOrg) + ":" + map[roles.Role]string{roles.IMAP: "143", roles.IMAPS: "993"}[role])
		if !ok || addr != org.Closed[role] {
			t.Fatalf("%s: the name table gives %q, %v; closed port %q", role, addr, ok, org.Closed[role])
		}
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			t.Fatalf("%s: connecting to %s worked", role, addr)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("%s: %v, want connection refused", role, err)
		}
	}
}
