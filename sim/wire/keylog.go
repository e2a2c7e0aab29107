package wire

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"io"
	"sync"
	"time"
)

// keyLog keeps the TLS secrets that crypto/tls servers write to
// tls.Config.KeyLogWriter (the NSS key log format Wireshark reads), by
// client random, until the session that owns them takes them.
type keyLog struct {
	mu   sync.Mutex
	byCR map[[32]byte]*tlsSecrets
	part []byte // a line not yet ended
	now  func() time.Time
}

// tlsSecrets are one TLS connection's secrets, as logged.
type tlsSecrets struct {
	added  time.Time
	master []byte // TLS 1.2: CLIENT_RANDOM
	// TLS 1.3: {CLIENT,SERVER}_HANDSHAKE_TRAFFIC_SECRET, {CLIENT,SERVER}_TRAFFIC_SECRET_0
	handshake, traffic [2][]byte // indexed by Direction: ClientToServer = client's
	lines              []string  // the key log lines, for export
}

// keyLogMaxAge bounds how long unclaimed secrets stay (a handshake whose
// connection was never tapped, such as a refused one).
const keyLogMaxAge = 5 * time.Minute

func newKeyLog(now func() time.Time) *keyLog {
	return &keyLog{byCR: map[[32]byte]*tlsSecrets{}, now: now}
}

// Write takes key log lines. It never fails: a line it does not know is
// ignored.
func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.part = append(k.part, p...)
	for {
		i := bytes.IndexByte(k.part, '\n')
		if i < 0 {
			break
		}
		k.lineLocked(string(k.part[:i]))
		k.part = k.part[i+1:]
	}
	if len(k.part) > 4096 {
		k.part = nil
	}
	return len(p), nil
}

func (k *keyLog) lineLocked(line string) {
	f := bytes.Fields([]byte(line))
	if len(f) != 3 {
		return
	}
	cr, err1 := hex.DecodeString(string(f[1]))
	secret, err2 := hex.DecodeString(string(f[2]))
	if err1 != nil || err2 != nil || len(cr) != 32 {
		return
	}
	var key [32]byte
	copy(key[:], cr)
	s := k.byCR[key]
	if s == nil {
		k.pruneLocked()
		s = &tlsSecrets{added: k.now()}
		k.byCR[key] = s
	}
	switch string(f[0]) {
	case "CLIENT_RANDOM":
		s.master = secret
	case "CLIENT_HANDSHAKE_TRAFFIC_SECRET":
		s.handshake[ClientToServer] = secret
	case "SERVER_HANDSHAKE_TRAFFIC_SECRET":
		s.handshake[ServerToClient] = secret
	case "CLIENT_TRAFFIC_SECRET_0":
		s.traffic[ClientToServer] = secret
	case "SERVER_TRAFFIC_SECRET_0":
		s.traffic[ServerToClient] = secret
	default:
		return
	}
	s.lines = append(s.lines, line)
}

func (k *keyLog) pruneLocked() {
	if len(k.byCR) < 256 {
		return
	}
	old := k.now().Add(-keyLogMaxAge)
	for cr, s := range k.byCR {
		if s.added.Before(old) {
			delete(k.byCR, cr)
		}
	}
}

// get returns a copy of the secrets logged so far for a client random.
func (k *keyLog) get(cr [32]byte) (tlsSecrets, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s, ok := k.byCR[cr]
	if !ok {
		return tlsSecrets{}, false
	}
	c := *s
	c.lines = append([]string(nil), s.lines...)
	return c, true
}

func (k *keyLog) forget(cr [32]byte) {
	k.mu.Lock()
	delete(k.byCR, cr)
	k.mu.Unlock()
}

// decryptableSuites are the TLS 1.2 cipher suites the tap can decrypt
// (every TLS 1.3 suite can be): ECDHE with an AEAD.
var decryptableSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// ServerTLS returns a copy of cfg for the servers whose connections this
// Recorder taps: it logs the session secrets into the Recorder (and to
// cfg's own KeyLogWriter, if any) and limits TLS 1.2 to the cipher suites
// the tap can decrypt, so that STARTTLS sessions that a protocol library
// upgrades by itself (go-imap, go-smtp) are shown from the inside too.
func (r *Recorder) ServerTLS(cfg *tls.Config) *tls.Config {
	c := cfg.Clone()
	if c.KeyLogWriter != nil {
		c.KeyLogWriter = io.MultiWriter(r.keys, c.KeyLogWriter)
	} else {
		c.KeyLogWriter = r.keys
	}
	c.CipherSuites = decryptableSuites
	return c
}
