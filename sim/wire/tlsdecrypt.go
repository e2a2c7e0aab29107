package wire

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// Undecrypted ends the text of a TLS record the tap could not decrypt
// although it tried (a server-side STARTTLS session with no inner tap).
const Undecrypted = "not decrypted"

// TLS record content types (RFC 8446 5.1).
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
)

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest (RFC 8446 4.1.3).
var helloRetryRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// errNoSecretYet says the key log does not hold a secret the record needs:
// crypto/tls logs it while it handles the very bytes the tap has just seen
// (a TLS 1.2 client's Finished comes in the read that makes the server
// compute the master secret), so the record waits.
var errNoSecretYet = errors.New("the session's TLS secrets were never logged")

// maxWaiting bounds the records of one direction that wait for a secret.
const maxWaiting = 16

// tlsDecrypter follows one connection's TLS records, as Wireshark does with
// a key log: it reads the client and server randoms and the negotiated
// version and suite from the clear hellos, takes the session's secrets from
// the Recorder's key log, and opens the encrypted records in each direction.
// It is guarded by its session's mutex.
type tlsDecrypter struct {
	cr, sr         [32]byte
	haveCR, haveSH bool
	version, suite uint16
	dirs           [2]dirCipher
	hs             [2][]byte   // TLS 1.3 handshake messages inside TLS, not yet whole
	waiting        [2][][]byte // whole records waiting for a secret, oldest first
}

// opened is plaintext from a record, with the direction it crossed in.
type opened struct {
	dir Direction
	p   []byte
}

// take handles a whole record that crossed in direction dir (open false:
// another tap shows the plaintext; only follow the hellos). It first
// retries the records waiting for a secret. It returns the application data
// opened, in order, and why this record could not be opened, if it cannot.
func (d *tlsDecrypter) take(kl *keyLog, dir Direction, rec []byte, open bool) (out []opened, why string) {
	out = d.retry(kl, out)
	if len(d.waiting[dir]) > 0 {
		d.wait(dir, rec)
		return out, d.dirs[dir].off
	}
	plain, err := d.record(kl, dir, rec, open)
	switch {
	case errors.Is(err, errNoSecretYet):
		d.wait(dir, rec)
	case err != nil:
		why = err.Error()
	case len(plain) > 0:
		out = append(out, opened{dir, plain})
	}
	return out, why
}

func (d *tlsDecrypter) wait(dir Direction, rec []byte) {
	if len(d.waiting[dir]) >= maxWaiting {
		d.dirs[dir].off = errNoSecretYet.Error()
		d.waiting[dir] = nil
		return
	}
	d.waiting[dir] = append(d.waiting[dir], append([]byte(nil), rec...))
}

// retry opens the waiting records whose secrets have been logged since.
func (d *tlsDecrypter) retry(kl *keyLog, out []opened) []opened {
	for dir := range d.waiting {
		for len(d.waiting[dir]) > 0 {
			plain, err := d.record(kl, Direction(dir), d.waiting[dir][0], true)
			if errors.Is(err, errNoSecretYet) {
				break
			}
			d.waiting[dir] = d.waiting[dir][1:]
			if len(plain) > 0 {
				out = append(out, opened{Direction(dir), plain})
			}
		}
	}
	return out
}

// unopened counts the records still waiting, at the end of the session.
func (d *tlsDecrypter) unopened() int { return len(d.waiting[0]) + len(d.waiting[1]) }

// dirCipher is the record protection of one direction.
type dirCipher struct {
	on     bool // records are encrypted from now on
	aead   cipher.AEAD
	iv     []byte
	seq    uint64
	secret []byte // TLS 1.3: the current traffic secret
	app    bool   // TLS 1.3: application traffic keys in use
	off    string // why decryption stopped in this direction ("" = it works)
}

// record takes one whole TLS record (header and payload) that crossed in
// direction dir. It returns the application data inside, if any, or why
// the record cannot be opened (errNoSecretYet: not yet).
func (d *tlsDecrypter) record(kl *keyLog, dir Direction, rec []byte, open bool) (plain []byte, err error) {
	typ, payload := rec[0], rec[5:]
	dc := &d.dirs[dir]
	if !dc.on {
		switch {
		case typ == recHandshake:
			d.clearHandshake(dir, payload)
			return nil, nil
		case typ == recChangeCipherSpec && d.version == tls.VersionTLS12:
			dc.on = true // the next record is the encrypted Finished
			return nil, nil
		case typ == recApplicationData && d.version == tls.VersionTLS13:
			dc.on = true // the first record under the handshake keys
		default:
			return nil, nil // a TLS 1.3 compatibility change_cipher_spec, a clear alert
		}
	}
	if !open || typ == recChangeCipherSpec {
		return nil, nil
	}
	if dc.off != "" {
		return nil, errors.New(dc.off)
	}
	if dc.aead == nil {
		if err := d.keys(kl, dir); err != nil {
			if !errors.Is(err, errNoSecretYet) {
				dc.off = err.Error()
			}
			return nil, err
		}
	}
	inner, ctype, err := d.open(dc, rec)
	if err != nil {
		dc.off = err.Error()
		return nil, err
	}
	switch ctype {
	case recApplicationData:
		return inner, nil
	case recHandshake:
		if d.version == tls.VersionTLS13 {
			if err := d.innerHandshake(dir, inner); err != nil {
				dc.off = err.Error()
			}
		}
	}
	return nil, nil
}

// clearHandshake reads the randoms, version and suite from a ClientHello or
// ServerHello sent in the clear.
func (d *tlsDecrypter) clearHandshake(dir Direction, p []byte) {
	if len(p) < 4+2+32 {
		return
	}
	msg := p[4:]
	switch {
	case p[0] == 1 && dir == ClientToServer && !d.haveCR: // ClientHello
		copy(d.cr[:], msg[2:34])
		d.haveCR = true
	case p[0] == 2 && dir == ServerToClient: // ServerHello
		if bytes.Equal(msg[2:34], helloRetryRandom) {
			return // the client sends a second ClientHello, same random
		}
		copy(d.sr[:], msg[2:34])
		d.version = binary.BigEndian.Uint16(msg[0:2])
		rest := msg[34:]
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+3 {
			return
		}
		rest = rest[1+int(rest[0]):]
		d.suite = binary.BigEndian.Uint16(rest[0:2])
		rest = rest[3:] // suite, compression method
		if len(rest) >= 2 {
			exts := rest[2:]
			for len(exts) >= 4 {
				et, el := binary.BigEndian.Uint16(exts[0:2]), int(binary.BigEndian.Uint16(exts[2:4]))
				if len(exts) < 4+el {
					break
				}
				if et == 43 && el == 2 { // supported_versions
					d.version = binary.BigEndian.Uint16(exts[4:6])
				}
				exts = exts[4+el:]
			}
		}
		d.haveSH = true
	}
}

// suiteParams says how a suite protects records: the hash of its key
// schedule, the AEAD's key length, and whether the AEAD is ChaCha20-Poly1305.
func suiteParams(suite uint16) (h func() hash.Hash, keyLen int, chacha bool, err error) {
	switch suite {
	case tls.TLS_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		return sha256.New, 16, false, nil
	case tls.TLS_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return sha512.New384, 32, false, nil
	case tls.TLS_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return sha256.New, 32, true, nil
	}
	return nil, 0, false, fmt.Errorf("cipher suite %s: the tap decrypts only AEAD suites", tls.CipherSuiteName(suite))
}

func newAEAD(key []byte, chacha bool) (cipher.AEAD, error) {
	if chacha {
		return chacha20poly1305.New(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// keys sets up direction dir's record protection from the key log.
func (d *tlsDecrypter) keys(kl *keyLog, dir Direction) error {
	if !d.haveCR || !d.haveSH {
		return fmt.Errorf("the TLS hellos were not seen")
	}
	sec, ok := kl.get(d.cr)
	if !ok {
		return errNoSecretYet
	}
	dc := &d.dirs[dir]
	switch d.version {
	case tls.VersionTLS13:
		s := sec.handshake[dir]
		if dc.app {
			s = sec.traffic[dir]
		}
		if s == nil {
			return errNoSecretYet
		}
		return d.setSecret13(dc, s)
	case tls.VersionTLS12:
		if sec.master == nil {
			return errNoSecretYet
		}
		h, keyLen, chacha, err := suiteParams(d.suite)
		if err != nil {
			return err
		}
		ivLen := 4
		if chacha {
			ivLen = 12
		}
		seed := append(append([]byte{}, d.sr[:]...), d.cr[:]...)
		kb := prf12(h, sec.master, "key expansion", seed, 2*keyLen+2*ivLen)
		key, iv := kb[:keyLen], kb[2*keyLen:2*keyLen+ivLen]
		if dir == ServerToClient {
			key, iv = kb[keyLen:2*keyLen], kb[2*keyLen+ivLen:]
		}
		aead, err := newAEAD(key, chacha)
		if err != nil {
			return err
		}
		dc.aead, dc.iv, dc.seq = aead, iv, 0
		return nil
	}
	return fmt.Errorf("TLS version %#04x: the tap decrypts TLS 1.2 and 1.3", d.version)
}

// setSecret13 derives a TLS 1.3 traffic key and IV from secret (RFC 8446 7.3).
func (d *tlsDecrypter) setSecret13(dc *dirCipher, secret []byte) error {
	h, keyLen, chacha, err := suiteParams(d.suite)
	if err != nil {
		return err
	}
	key, err := expandLabel(h, secret, "key", keyLen)
	if err != nil {
		return err
	}
	iv, err := expandLabel(h, secret, "iv", 12)
	if err != nil {
		return err
	}
	aead, err := newAEAD(key, chacha)
	if err != nil {
		return err
	}
	dc.aead, dc.iv, dc.seq, dc.secret = aead, iv, 0, secret
	return nil
}

// expandLabel is HKDF-Expand-Label (RFC 8446 7.1) with an empty context.
func expandLabel(h func() hash.Hash, secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	return hkdf.Expand(h, secret, string(info), n)
}

// prf12 is the TLS 1.2 PRF (RFC 5246 5): P_hash(secret, label + seed).
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	mac := hmac.New(h, secret)
	mac.Write(ls)
	a := mac.Sum(nil)
	var out []byte
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
	}
	return out[:n]
}

// open decrypts one record and returns its content and content type.
func (d *tlsDecrypter) open(dc *dirCipher, rec []byte) ([]byte, byte, error) {
	payload := rec[5:]
	overhead := dc.aead.Overhead()
	seq := dc.seq
	dc.seq++
	if d.version == tls.VersionTLS13 {
		nonce := append([]byte{}, dc.iv...)
		for i := 0; i < 8; i++ {
			nonce[len(nonce)-1-i] ^= byte(seq >> (8 * i))
		}
		out, err := dc.aead.Open(nil, nonce, payload, rec[:5])
		if err != nil {
			return nil, 0, fmt.Errorf("a TLS record did not decrypt (record %d)", seq)
		}
		i := len(out) - 1
		for i >= 0 && out[i] == 0 {
			i--
		}
		if i < 0 {
			return nil, 0, fmt.Errorf("a TLS 1.3 record has no content type")
		}
		return out[:i], out[i], nil
	}
	var nonce, ct []byte
	if len(dc.iv) == 4 { // AES-GCM: 8 octets of explicit nonce lead the record
		if len(payload) < 8+overhead {
			return nil, 0, fmt.Errorf("a TLS record is too short to decrypt")
		}
		nonce = append(append([]byte{}, dc.iv...), payload[:8]...)
		ct = payload[8:]
	} else {
		if len(payload) < overhead {
			return nil, 0, fmt.Errorf("a TLS record is too short to decrypt")
		}
		nonce = append([]byte{}, dc.iv...)
		for i := 0; i < 8; i++ {
			nonce[len(nonce)-1-i] ^= byte(seq >> (8 * i))
		}
		ct = payload
	}
	aad := binary.BigEndian.AppendUint64(nil, seq)
	aad = append(aad, rec[0], rec[1], rec[2])
	aad = binary.BigEndian.AppendUint16(aad, uint16(len(ct)-overhead))
	out, err := dc.aead.Open(nil, nonce, ct, aad)
	if err != nil {
		return nil, 0, fmt.Errorf("a TLS record did not decrypt (record %d)", seq)
	}
	return out, rec[0], nil
}

// innerHandshake follows the TLS 1.3 handshake messages inside TLS: after
// a Finished the direction moves to its application traffic keys; a
// KeyUpdate moves it to the next generation (RFC 8446 7.2).
func (d *tlsDecrypter) innerHandshake(dir Direction, p []byte) error {
	dc := &d.dirs[dir]
	d.hs[dir] = append(d.hs[dir], p...)
	for {
		b := d.hs[dir]
		if len(b) < 4 {
			return nil
		}
		n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if len(b) < 4+n {
			if n > 1<<16 {
				d.hs[dir] = nil
				return fmt.Errorf("a TLS handshake message is too long to follow")
			}
			return nil
		}
		mtype := b[0]
		d.hs[dir] = b[4+n:]
		switch {
		case mtype == 20 && !dc.app: // Finished
			dc.app = true
			dc.aead = nil // set up from the key log at the next record, which is later than the log
		case mtype == 24 && dc.app: // KeyUpdate
			h, _, _, err := suiteParams(d.suite)
			if err != nil {
				return err
			}
			next, err := expandLabel(h, dc.secret, "traffic upd", h().Size())
			if err != nil {
				return err
			}
			if err := d.setSecret13(dc, next); err != nil {
				return err
			}
		}
	}
}
