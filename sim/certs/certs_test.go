package certs

import (
	"crypto/tls"
	"os"
	"path/filepath"
	"testing"
)

func TestACertificateVerifiesAgainstTheCAForItsHostName(t *testing.T) {
	ca, err := NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.ServerConfig("imap.example.com")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), ca.ClientConfig("imap.example.com"))
	if err != nil {
		t.Fatalf("verify as imap.example.com: %v", err)
	}
	if v := c.ConnectionState().Version; v < tls.VersionTLS12 {
		t.Errorf("TLS version %x, want 1.2 or newer", v)
	}
	c.Close()
	leaf, err := ca.Certificate("imap.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.Leaf.VerifyHostname("127.0.0.1"); err != nil {
		t.Errorf("certificate should be valid for 127.0.0.1: %v", err)
	}
	if err := leaf.Leaf.VerifyHostname("pop.example.com"); err == nil {
		t.Errorf("certificate for imap.example.com must not be valid for pop.example.com")
	}
}

func TestSaveCAWritesPEM(t *testing.T) {
	ca, err := NewAuthority()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "sub", "ca.pem")
	if err := ca.SaveCA(p); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) == 0 || string(b[:27]) != "-----BEGIN CERTIFICATE-----" {
		t.Fatalf("saved CA = %q, %v", b, err)
	}
}

func TestExtraNamesAndIPs(t *testing.T) {
	a, err := NewAuthorityFor("192.0.2.7", "trainer.local", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Certificate("imap.example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"imap.example.com", "localhost", "127.0.0.1", "192.0.2.7", "trainer.local"} {
		if err := c.Leaf.VerifyHostname(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := c.Leaf.VerifyHostname("192.0.2.8"); err == nil {
		t.Error("192.0.2.8 verified; want only the extras given")
	}
}
