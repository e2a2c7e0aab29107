package pop3

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestGreetingCarriesTheAPOPTimestamp(t *testing.T) {
	c := newTestServer(t).dial()
	if want := "+OK pop.example.com POP3 server ready " + rfcTimestamp; c.greeting != want {
		t.Errorf("greeting %q, want %q", c.greeting, want)
	}
}

func TestCapaListsWhatTheSessionCanUse(t *testing.T) {
	tests := []struct {
		name    string
		opts    func(*Options)
		login   bool
		want    []string
		wantNot []string
	}{
		{"before login on loopback it lists USER and SASL PLAIN", nil, false,
			[]string{"TOP", "USER", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "SASL PLAIN", "IMPLEMENTATION mailsim pop.example.com"},
			[]string{"STLS"}},
		{"after login it still answers", nil, true,
			[]string{"TOP", "UIDL", "RESP-CODES", "PIPELINING"}, []string{"STLS"}},
		{"with a TLS config it lists STLS", withTLS(t), false,
			[]string{"STLS", "USER"}, nil},
		{"with TLSOnly it hides the plaintext mechanisms", func(o *Options) { o.Plaintext = authpolicy.TLSOnly }, false,
			[]string{"TOP", "UIDL"}, []string{"USER", "SASL PLAIN", "STLS"}},
		{"with a custom host name IMPLEMENTATION names it", func(o *Options) { o.Hostname = "pop.hanoi.test" }, false,
			[]string{"IMPLEMENTATION mailsim pop.hanoi.test"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*Options)
			if tt.opts != nil {
				opts = append(opts, tt.opts)
			}
			ts := newTestServer(t, opts...)
			var c *client
			if tt.login {
				c = ts.login("alice", "pw")
			} else {
				c = ts.dial()
			}
			_, caps := c.multi("CAPA")
			for _, w := range tt.want {
				if !slices.Contains(caps, w) {
					t.Errorf("CAPA %q lacks %q", caps, w)
				}
			}
			for _, w := range tt.wantNot {
				if slices.Contains(caps, w) {
					t.Errorf("CAPA %q lists %q", caps, w)
				}
			}
		})
	}
}

func TestUserPassLogsInAndReportsTheMaildrop(t *testing.T) {
	ts := newTestServer(t)
	c := ts.dial()
	c.want("USER alice", "+OK")
	got := c.want("PASS pw", "+OK")
	if !strings.Contains(got, "alice has 4 messages") {
		t.Errorf("PASS reply %q does not give the maildrop's size", got)
	}
	c.want("STAT", "+OK 4 ")
}

func TestLoginFailuresSayAuth(t *testing.T) {
	tests := []struct {
		name  string
		steps [][2]string // command, reply prefix
	}{
		{"a wrong password", [][2]string{{"USER alice", "+OK"}, {"PASS nope", "-ERR [AUTH] invalid user name or password"}}},
		{"an unknown user looks the same", [][2]string{{"USER nobody", "+OK"}, {"PASS pw", "-ERR [AUTH] invalid user name or password"}}},
		{"PASS without USER", [][2]string{{"PASS pw", "-ERR PASS needs USER first"}}},
		{"USER without a name", [][2]string{{"USER", "-ERR usage: USER name"}}},
		{"PASS after a failure needs USER again", [][2]string{{"USER alice", "+OK"}, {"PASS x", "-ERR [AUTH]"}, {"PASS pw", "-ERR PASS needs USER first"}}},
		{"the user name is case-insensitive", [][2]string{{"USER ALICE", "+OK"}, {"PASS pw", "+OK alice has"}}},
		{"APOP with the RFC 1939 example", [][2]string{{"APOP mrose " + rfcDigest, "+OK mrose has 0 messages"}}},
		{"APOP with an upper-case digest", [][2]string{{"APOP mrose " + strings.ToUpper(rfcDigest), "+OK"}}},
		{"APOP with a wrong digest", [][2]string{{"APOP mrose c4c9334bac560ecc979e58001b3e22fc", "-ERR [AUTH] invalid user name or password"}}},
		{"APOP of an unknown user", [][2]string{{"APOP nobody " + rfcDigest, "-ERR [AUTH]"}}},
		{"APOP without a digest", [][2]string{{"APOP mrose", "-ERR usage: APOP name digest"}}},
		{"AUTH lists the mechanisms", [][2]string{{"AUTH", "+OK SASL mechanisms follow"}}},
		{"AUTH PLAIN with an initial response", [][2]string{{"AUTH PLAIN " + b64("\x00alice\x00pw"), "+OK alice has 4 messages"}}},
		{"AUTH PLAIN with the same authorization identity", [][2]string{{"AUTH PLAIN " + b64("alice\x00alice\x00pw"), "+OK"}}},
		{"AUTH PLAIN after a continuation", [][2]string{{"AUTH PLAIN", "+ "}, {b64("\x00alice\x00pw"), "+OK alice has"}}},
		{"AUTH PLAIN with a wrong password", [][2]string{{"AUTH PLAIN " + b64("\x00alice\x00nope"), "-ERR [AUTH] invalid user name or password"}}},
		{"AUTH PLAIN with bad base64", [][2]string{{"AUTH PLAIN !!!notbase64", "-ERR AUTH PLAIN: the response is not valid base64"}}},
		{"AUTH PLAIN with bad base64 after a continuation", [][2]string{{"AUTH PLAIN", "+ "}, {"%%%", "-ERR AUTH PLAIN: the response is not valid base64"}}},
		{"AUTH PLAIN cancelled with *", [][2]string{{"AUTH PLAIN", "+ "}, {"*", "-ERR AUTH cancelled"}}},
		{"AUTH PLAIN without two NULs", [][2]string{{"AUTH PLAIN " + b64("alice pw"), "-ERR [AUTH] AUTH PLAIN: the response must be"}}},
		{"AUTH PLAIN with an empty response", [][2]string{{"AUTH PLAIN =", "-ERR [AUTH] AUTH PLAIN: the response must be"}}},
		{"AUTH PLAIN acting as another user", [][2]string{{"AUTH PLAIN " + b64("bob\x00alice\x00pw"), "-ERR [AUTH] AUTH PLAIN: alice may not act as"}}},
		{"AUTH with an unknown mechanism", [][2]string{{"AUTH CRAM-MD5", `-ERR unsupported SASL mechanism "CRAM-MD5"; this server offers PLAIN`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			c := ts.dial()
			for _, s := range tt.steps {
				c.want(s[0], s[1])
			}
			if strings.HasPrefix(tt.steps[0][0], "AUTH") && len(tt.steps) == 1 && tt.steps[0][1] == "+OK SASL mechanisms follow" {
				if got := c.body(); !slices.Equal(got, []string{"PLAIN"}) {
					t.Errorf("AUTH lists %q, want [PLAIN]", got)
				}
			}
			c.want("QUIT", "+OK")
			c.wantClosed()
			ts.wantUIDs("alice", 1, 2, 3, 4)
		})
	}
}

func TestFailedLoginWaitsAsTheThrottleSays(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Throttle = &authpolicy.Throttle{Base: 150 * time.Millisecond, Max: 300 * time.Millisecond}
	})
	c := ts.dial()
	c.want("USER alice", "+OK")
	start := time.Now()
	c.want("PASS nope", "-ERR [AUTH]")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("the failed login was answered after %v, want at least the throttle's 150ms", d)
	}
	start = time.Now()
	c.want("APOP alice 00000000000000000000000000000000", "-ERR [AUTH]")
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("the second failure was answered after %v, want the doubled 300ms", d)
	}
	c.want("USER alice", "+OK")
	c.want("PASS pw", "+OK")
}

func TestPlaintextLoginIsRefusedWhenTLSOnly(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.Plaintext = authpolicy.TLSOnly })
	c := ts.dial()
	c.want("USER alice", "-ERR [AUTH] USER refused: passwords may not cross this connection in clear text; use APOP")
	c.want("PASS pw", "-ERR PASS needs USER first")
	c.want("AUTH PLAIN "+b64("\x00alice\x00pw"), "-ERR [AUTH] AUTH PLAIN refused")
	c.want("AUTH", "+OK")
	if got := c.body(); len(got) != 0 {
		t.Errorf("AUTH lists %q without TLS, want nothing", got)
	}
	c.want("APOP mrose "+rfcDigest, "+OK")
}

func TestPlaintextRefusalPointsAtSTLSWhenOffered(t *testing.T) {
	ts := newTestServer(t, withTLS(t), func(o *Options) { o.Plaintext = authpolicy.TLSOnly })
	c := ts.dial()
	c.want("USER alice", "-ERR [AUTH] USER refused: passwords may not cross this connection in clear text; send STLS first")
}

func TestSecondSessionFindsTheMaildropInUse(t *testing.T) {
	ts := newTestServer(t)
	first := ts.login("alice", "pw")
	second := ts.dial()
	second.want("USER alice", "+OK")
	second.want("PASS pw", "-ERR [IN-USE] maildrop already locked")
	second.want("STAT", "-ERR STAT is only valid after login")
	second.want("AUTH PLAIN "+b64("\x00alice\x00pw"), "-ERR [IN-USE]")
	first.want("QUIT", "+OK")
	first.wantClosed()
	second.want("APOP mrose "+rfcDigest, "+OK") // another user is not locked out
	third := ts.login("alice", "pw")
	third.want("QUIT", "+OK")
}
