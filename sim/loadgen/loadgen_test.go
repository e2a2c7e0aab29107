package loadgen_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"mailsim/sim/authpolicy"
	"mailsim/sim/loadgen"
	"mailsim/sim/network"
	"mailsim/sim/roles"
)

// startNetwork starts mailsim's servers for example.com with users
// bench1..benchN, each holding msgs seed messages.
func startNetwork(t testing.TB, users, msgs int) *network.Network {
	t.Helper()
	n, err := network.Start(network.Options{Domains: []string{network.DomainCom},
		Throttle: &authpolicy.Throttle{Base: time.Millisecond, Max: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	store := n.Providers[0].Store
	for u := 1; u <= users; u++ {
		name := fmt.Sprintf("bench%d", u)
		if err := store.AddUser(name, "secret"); err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= msgs; i++ {
			if _, err := store.Deliver(name, loadgen.SeedMessage(i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n
}

func addr(t testing.TB, n *network.Network, role roles.Role) string {
	s, ok := n.Providers[0].Server(role)
	if !ok {
		t.Fatalf("no %s server", role)
	}
	return s.Addr
}

func tlsConfig(n *network.Network, role roles.Role) *tls.Config {
	return &tls.Config{RootCAs: n.CA.Pool(), ServerName: role.Host(network.DomainCom)}
}

func noErrors(t *testing.T, r *loadgen.Result) {
	t.Helper()
	if r.Errors() != 0 || r.SessionsFailed != 0 {
		var b strings.Builder
		r.WriteTable(&b)
		t.Fatalf("errors in the run:\n%s", b.String())
	}
}

func opCount(t *testing.T, r *loadgen.Result, name string, want int64) {
	t.Helper()
	o, ok := r.Op(name)
	if !ok || o.Count != want || o.Hist.Count() != uint64(want) {
		t.Errorf("%s: count %d (histogram %d), want %d", name, o.Count, o.Hist.Count(), want)
	}
}

func TestIMAPWorkload(t *testing.T) {
	n := startNetwork(t, 2, 20)
	for _, mode := range []loadgen.TLSMode{loadgen.TLSNone, loadgen.TLSStart, loadgen.TLSImplicit} {
		t.Run(string(mode), func(t *testing.T) {
			role := roles.IMAP
			if mode == loadgen.TLSImplicit {
				role = roles.IMAPS
			}
			r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.IMAP, Addr: addr(t, n, role),
				User: "bench%d", Pass: "secret", Conns: 2, Sessions: 1, Fetches: 10, TLS: mode, TLSConfig: tlsConfig(n, role)})
			if err != nil {
				t.Fatal(err)
			}
			noErrors(t, r)
			if r.SessionsOK != 2 || r.Messages != 20 {
				t.Errorf("sessions ok %d, messages %d; want 2, 20", r.SessionsOK, r.Messages)
			}
			for _, op := range []string{"connect", "LOGIN", "SELECT", "FETCH 1:* (FLAGS ENVELOPE)", "LOGOUT"} {
				opCount(t, r, op, 2)
			}
			opCount(t, r, "FETCH n BODY[]", 20)
			want := int64(2 * (4 + 10))
			if mode == loadgen.TLSStart {
				want += 2
			}
			if r.Commands != want {
				t.Errorf("commands %d, want %d", r.Commands, want)
			}
			if r.BytesIn < 20*500 || r.BytesOut == 0 {
				t.Errorf("bytes in %d out %d: too few", r.BytesIn, r.BytesOut)
			}
		})
	}
}

// TestIMAPSearchWorkload: connections sharing one user, each session a
// SEARCH TEXT without the envelopes or bodies (bench/dovecot.sh's SEARCH
// run).
func TestIMAPSearchWorkload(t *testing.T) {
	n := startNetwork(t, 1, 20)
	r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.IMAP, Addr: addr(t, n, roles.IMAP),
		User: "bench1", Pass: "secret", Conns: 2, Sessions: 2, Fetches: -1, Search: "message number 7 of", NoEnvelopes: true})
	if err != nil {
		t.Fatal(err)
	}
	noErrors(t, r)
	for _, op := range []string{"connect", "LOGIN", "SELECT", "SEARCH TEXT", "LOGOUT"} {
		opCount(t, r, op, 4)
	}
	if _, ok := r.Op("FETCH 1:* (FLAGS ENVELOPE)"); ok {
		t.Error("the envelopes were fetched")
	}
	if r.Commands != 4*4 {
		t.Errorf("commands %d, want 16", r.Commands)
	}
}

func TestPOP3Workload(t *testing.T) {
	n := startNetwork(t, 2, 20)
	for _, mode := range []loadgen.TLSMode{loadgen.TLSNone, loadgen.TLSStart, loadgen.TLSImplicit} {
		t.Run(string(mode), func(t *testing.T) {
			role := roles.POP3
			if mode == loadgen.TLSImplicit {
				role = roles.POP3S
			}
			r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.POP3, Addr: addr(t, n, role),
				User: "bench%d", Pass: "secret", Conns: 2, Sessions: 1, TLS: mode, TLSConfig: tlsConfig(n, role)})
			if err != nil {
				t.Fatal(err)
			}
			noErrors(t, r)
			if r.SessionsOK != 2 || r.Messages != 40 {
				t.Errorf("sessions ok %d, messages %d; want 2, 40", r.SessionsOK, r.Messages)
			}
			opCount(t, r, "RETR", 40)
			for _, op := range []string{"USER", "PASS", "STAT", "QUIT"} {
				opCount(t, r, op, 2)
			}
		})
	}
	// Nothing was deleted: POP3 sessions of the workload end with QUIT
	// but never DELE.
	if msgs, _, err := n.Providers[0].Store.Messages("bench1", "INBOX"); err != nil || len(msgs) != 20 {
		t.Errorf("bench1 has %d messages (%v) after the runs, want 20", len(msgs), err)
	}
}

func TestSMTPWorkload(t *testing.T) {
	n := startNetwork(t, 2, 0)
	for _, mode := range []loadgen.TLSMode{loadgen.TLSStart, loadgen.TLSImplicit} {
		t.Run(string(mode), func(t *testing.T) {
			role := roles.Submission
			if mode == loadgen.TLSImplicit {
				role = roles.SMTPS
			}
			r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.SMTP, Addr: addr(t, n, role),
				User: "bench%d", Pass: "secret", Conns: 2, Sessions: 10, TLS: mode, TLSConfig: tlsConfig(n, role)})
			if err != nil {
				t.Fatal(err)
			}
			noErrors(t, r)
			if r.SessionsOK != 2 || r.Messages != 20 {
				t.Errorf("sessions ok %d, messages %d; want 2, 20", r.SessionsOK, r.Messages)
			}
			for _, op := range []string{"MAIL", "RCPT", "DATA", "message"} {
				opCount(t, r, op, 20)
			}
			opCount(t, r, "AUTH PLAIN", 2)
		})
	}
	for _, u := range []string{"bench1", "bench2"} {
		if msgs, _, err := n.Providers[0].Store.Messages(u, "INBOX"); err != nil || len(msgs) != 20 {
			t.Errorf("%s received %d messages (%v), want 20", u, len(msgs), err)
		}
	}
}

func TestWrongPasswordIsAProtocolError(t *testing.T) {
	n := startNetwork(t, 2, 5)
	for _, c := range []struct {
		proto loadgen.Protocol
		role  roles.Role
		op    string
	}{
		{loadgen.IMAP, roles.IMAP, "LOGIN"},
		{loadgen.POP3, roles.POP3, "PASS"},
		{loadgen.SMTP, roles.Submission, "AUTH PLAIN"},
	} {
		t.Run(string(c.proto), func(t *testing.T) {
			cfg := loadgen.Config{Protocol: c.proto, Addr: addr(t, n, c.role), User: "bench%d", Pass: "wrong",
				Conns: 2, Sessions: 1, TLSConfig: tlsConfig(n, c.role)}
			if c.proto == loadgen.SMTP {
				cfg.TLS = loadgen.TLSStart // submission wants TLS or loopback; either way AUTH is tried
			}
			r, err := loadgen.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.ProtocolErrors != 2 || r.SessionsFailed != 2 || r.SessionsOK != 0 || r.IOErrors != 0 {
				t.Fatalf("protocol errors %d, I/O errors %d, sessions failed %d ok %d; want 2, 0, 2, 0\n%v",
					r.ProtocolErrors, r.IOErrors, r.SessionsFailed, r.SessionsOK, r.ErrorSamples)
			}
			o, _ := r.Op(c.op)
			if o.Errors != 2 {
				t.Errorf("%s errors %d, want 2", c.op, o.Errors)
			}
			if len(r.ErrorSamples) != 2 || !strings.Contains(r.ErrorSamples[0], c.op) {
				t.Errorf("error samples %q", r.ErrorSamples)
			}
			var b strings.Builder
			r.WriteTable(&b)
			if !strings.Contains(b.String(), "errors: protocol 2") {
				t.Errorf("table does not report the errors:\n%s", b.String())
			}
		})
	}
}

func TestUnreachableServerIsAnIOError(t *testing.T) {
	r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.POP3, Addr: "127.0.0.1:1",
		User: "u", Pass: "p", Conns: 1, Sessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.IOErrors != 2 || r.SessionsFailed != 2 {
		t.Errorf("I/O errors %d, sessions failed %d; want 2, 2", r.IOErrors, r.SessionsFailed)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []loadgen.Config{
		{},
		{Protocol: "nntp", Addr: "127.0.0.1:1", User: "u"},
		{Protocol: loadgen.IMAP, Addr: "nohostport", User: "u"},
		{Protocol: loadgen.IMAP, Addr: "127.0.0.1:1"},
		{Protocol: loadgen.IMAP, Addr: "127.0.0.1:1", User: "u", TLS: "sometimes"},
		{Protocol: loadgen.IMAP, Addr: "127.0.0.1:1", User: "u", TLS: loadgen.TLSImplicit, CAFile: "/nonexistent"},
	} {
		if _, err := loadgen.Run(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

func TestJSON(t *testing.T) {
	n := startNetwork(t, 1, 3)
	r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.POP3, Addr: addr(t, n, roles.POP3),
		User: "bench1", Pass: "secret", Conns: 1, Sessions: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["messages"] != 3.0 || back["protocol"] != "pop3" || len(back["ops"].([]any)) != 6 {
		t.Errorf("JSON: %s", b)
	}
}

func TestHistogram(t *testing.T) {
	var h loadgen.Histogram
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{50, 500 * time.Microsecond}, {90, 900 * time.Microsecond}, {99, 990 * time.Microsecond}, {100, time.Millisecond}} {
		got := h.Percentile(c.p)
		if d := float64(got-c.want) / float64(c.want); d < 0 || d > 1.0/64 {
			t.Errorf("p%v = %v, want %v within 1/64", c.p, got, c.want)
		}
	}
	if h.Max() != time.Millisecond || h.Min() != time.Microsecond || h.Count() != 1000 {
		t.Errorf("max %v min %v count %d", h.Max(), h.Min(), h.Count())
	}
	var m loadgen.Histogram
	m.Merge(&h)
	m.Merge(&h)
	if m.Count() != 2000 || m.Percentile(50) != h.Percentile(50) {
		t.Errorf("merge: count %d p50 %v", m.Count(), m.Percentile(50))
	}
	for _, v := range []time.Duration{0, 1, 127, 128, 129, 1 << 20, 1<<40 + 5, 1 << 62} {
		var one loadgen.Histogram
		one.Record(v)
		if got := one.Percentile(50); got != v {
			t.Errorf("one value %d: p50 %d", v, got)
		}
	}
}

func TestWriteMaildir(t *testing.T) {
	dir := t.TempDir()
	if err := loadgen.WriteMaildir(dir, 3); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkIMAPWorkload runs a small IMAP workload (2 connections x 1
// session x 20 fetches over 50 messages) per iteration against mailsim's
// in-process server.
func BenchmarkIMAPWorkload(b *testing.B) {
	n := startNetwork(b, 2, 50)
	a := addr(b, n, roles.IMAP)
	var cmds int64
	start := time.Now()
	for b.Loop() {
		r, err := loadgen.Run(context.Background(), loadgen.Config{Protocol: loadgen.IMAP, Addr: a,
			User: "bench%d", Pass: "secret", Conns: 2, Sessions: 1, Fetches: 20})
		if err != nil {
			b.Fatal(err)
		}
		if r.Errors() != 0 {
			b.Fatalf("errors: %v", r.ErrorSamples)
		}
		cmds += r.Commands
	}
	b.ReportMetric(float64(cmds)/time.Since(start).Seconds(), "ops/s")
}
