// Package certs makes the simulated providers' TLS material: a private
// certificate authority and one certificate per host name, generated at
// each start (ECDSA P-256, valid for a day), and saved on request so that a
// trainer can import the CA into a mail client.
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Authority is a throwaway CA that signs certificates for the simulator's
// host names.
type Authority struct {
	Cert    *x509.Certificate
	CertPEM []byte
	key     *ecdsa.PrivateKey

	mu    sync.Mutex
	certs map[string]*tls.Certificate
	now   func() time.Time
	// extra names and addresses every server certificate also covers
	extraNames []string
	extraIPs   []net.IP
}

// NewAuthority creates a CA valid from an hour ago for a day.
func NewAuthority() (*Authority, error) {
	return newAuthority(time.Now)
}

// NewAuthorityFor is NewAuthority with extra host names and IP addresses
// that every server certificate also covers: the address a classroom
// server listens on (`mailsim serve --listen 192.168.1.10`), or the
// trainer machine's name, so that students who connect by it verify too.
// Each extra is an IP address or a DNS name.
func NewAuthorityFor(extra ...string) (*Authority, error) {
	a, err := newAuthority(time.Now)
	if err != nil {
		return nil, err
	}
	for _, e := range extra {
		if ip := net.ParseIP(e); ip != nil {
			a.extraIPs = append(a.extraIPs, ip)
		} else if e != "" {
			a.extraNames = append(a.extraNames, e)
		}
	}
	return a, nil
}

func newAuthority(now func() time.Time) (*Authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	start := now().Add(-time.Hour)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "mailsim training CA", Organization: []string{"mailsim"}},
		NotBefore:             start,
		NotAfter:              start.Add(25 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Authority{Cert: cert, key: key, now: now, certs: map[string]*tls.Certificate{},
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
}

// Certificate returns a certificate for host (made once, then cached). It
// is also valid for localhost, 127.0.0.1 and ::1, so clients that connect by
// address verify too, and for the extras given to NewAuthorityFor.
func (a *Authority) Certificate(host string) (*tls.Certificate, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.certs[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     append([]string{host, "localhost"}, a.extraNames...),
		IPAddresses:  append([]net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, a.extraIPs...),
		NotBefore:    a.Cert.NotBefore,
		NotAfter:     a.Cert.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.Cert, &key.PublicKey, a.key)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der, a.Cert.Raw}, PrivateKey: key}
	c.Leaf, _ = x509.ParseCertificate(der)
	a.certs[host] = c
	return c, nil
}

// ServerConfig returns a TLS 1.2+ server configuration for host.
func (a *Authority) ServerConfig(host string) (*tls.Config, error) {
	c, err := a.Certificate(host)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{*c}, MinVersion: tls.VersionTLS12}, nil
}

// Pool returns a cert pool holding only this CA.
func (a *Authority) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(a.Cert)
	return p
}

// ClientConfig returns a TLS configuration that trusts this CA and expects
// serverName.
func (a *Authority) ClientConfig(serverName string) *tls.Config {
	return &tls.Config{RootCAs: a.Pool(), ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// SaveCA writes the CA certificate as PEM to path (mode 0644), for mail
// clients to trust.
func (a *Authority) SaveCA(path string) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(path, a.CertPEM, 0o644); err != nil {
		return fmt.Errorf("saving CA: %w", err)
	}
	return nil
}
