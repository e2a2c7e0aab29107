package authpolicy

import (
	"net"
	"testing"
	"time"
)

func TestPlaintextPolicy(t *testing.T) {
	tests := []struct {
		name          string
		p             Plaintext
		tls, loopback bool
		want          bool
	}{
		{"the default allows clear text on loopback", LoopbackOrTLS, false, true, true},
		{"the default refuses clear text off loopback", LoopbackOrTLS, false, false, false},
		{"the default allows TLS anywhere", LoopbackOrTLS, true, false, true},
		{"TLSOnly refuses clear text even on loopback", TLSOnly, false, true, false},
		{"Always allows clear text anywhere", Always, false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Allows(tt.tls, tt.loopback); got != tt.want {
				t.Errorf("Allows(%v, %v) = %v, want %v", tt.tls, tt.loopback, got, tt.want)
			}
		})
	}
}

func TestThrottleDelayGrowsPerIPAndResetsOnSuccess(t *testing.T) {
	th := &Throttle{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	a := &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 1}
	b := &net.TCPAddr{IP: net.ParseIP("10.0.0.2"), Port: 2}
	var got []time.Duration
	for i := 0; i < 5; i++ {
		got = append(got, th.Failed(a))
	}
	want := []time.Duration{10, 20, 40, 50, 50}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays = %v, want %v ms", got, want)
		}
	}
	if d := th.Failed(b); d != 10*time.Millisecond {
		t.Errorf("another IP waits %v, want the base 10ms", d)
	}
	th.Succeeded(a)
	if d := th.Failed(a); d != 10*time.Millisecond {
		t.Errorf("after a success the delay is %v, want the base", d)
	}
}

func TestLoopbackIsDetectedFromTheRemoteAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !IsLoopback(c) || IsTLS(c) {
		t.Errorf("IsLoopback=%v IsTLS=%v for a plain loopback conn", IsLoopback(c), IsTLS(c))
	}
	if !LoopbackOrTLS.AllowsConn(c, false) || TLSOnly.AllowsConn(c, false) || !TLSOnly.AllowsConn(c, true) {
		t.Error("AllowsConn disagrees with Allows")
	}
}
