package protoline

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// SASLPayload finds the base64 SASL payload a client line carries: the
// initial response of "AUTH <mech> <b64>" (POP3, SMTP) or "<tag>
// AUTHENTICATE <mech> <b64>" (IMAP), or the line itself when command (the
// verb the framer tied the line to) is AUTH or AUTHENTICATE and the line
// is one word, a response to a challenge. mech is the mechanism named on
// the line, "" for a bare response. "*" (the client cancels) and "=" (an
// empty response) carry nothing and are not payloads.
func SASLPayload(text, command string) (mech, b64 string, ok bool) {
	f := strings.Fields(text)
	switch {
	case len(f) == 3 && strings.EqualFold(f[0], "AUTH"):
		mech, b64 = strings.ToUpper(f[1]), f[2]
	case len(f) == 4 && strings.EqualFold(f[1], "AUTHENTICATE"):
		mech, b64 = strings.ToUpper(f[2]), f[3]
	case len(f) == 1 && (command == "AUTH" || command == "AUTHENTICATE"):
		b64 = f[0]
	default:
		return "", "", false
	}
	return mech, b64, b64 != "*" && b64 != "="
}

// DecodeSASL decodes a base64 SASL response: "=" is an empty one, and
// padding may be left out.
func DecodeSASL(b64 string) ([]byte, bool) {
	b64 = strings.TrimSpace(b64)
	if b64 == "=" {
		return []byte{}, true
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(b64); err != nil {
			return nil, false
		}
	}
	return b, true
}

// Plain is a SASL PLAIN message (RFC 4616): authzid NUL authcid NUL passwd.
type Plain struct {
	Authz, User, Password string
}

// DecodePlain decodes the base64 of a PLAIN message; false when it is not
// base64 or not three NUL-separated fields with a user name.
func DecodePlain(b64 string) (Plain, bool) {
	raw, ok := DecodeSASL(b64)
	if !ok {
		return Plain{}, false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[1] == "" {
		return Plain{}, false
	}
	return Plain{Authz: parts[0], User: parts[1], Password: parts[2]}, true
}

// Identity is who the message logs in as: the authorization identity
// when there is one, else the user.
func (p Plain) Identity() string {
	if p.Authz != "" {
		return p.Authz
	}
	return p.User
}

// Escaped writes the message as it decodes, each field Go-escaped (so
// control characters show) and the NULs as `\0`: "\0alice\0wonderland".
func (p Plain) Escaped() string {
	parts := []string{p.Authz, p.User, p.Password}
	for i, s := range parts {
		q := strconv.Quote(s)
		parts[i] = q[1 : len(q)-1]
	}
	return strings.Join(parts, `\0`)
}

// PlainPayload finds a SASL PLAIN message in a client line (see
// SASLPayload: an initial response naming PLAIN, or a bare response) and
// decodes it.
func PlainPayload(text, command string) (b64 string, p Plain, ok bool) {
	mech, b64, ok := SASLPayload(text, command)
	if !ok || (mech != "" && mech != "PLAIN") {
		return "", Plain{}, false
	}
	p, ok = DecodePlain(b64)
	return b64, p, ok
}
