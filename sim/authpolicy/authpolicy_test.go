package authpolicy

import (
	"net"
	"sync"
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

func TestThrottleDelayGrowsPerAccountAndOnlyItsOwnSuccessResetsIt(t *testing.T) {
	th := &Throttle{Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	a := &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 1}
	b := &net.TCPAddr{IP: net.ParseIP("10.0.0.2"), Port: 2}
	var got []time.Duration
	for i := 0; i < 5; i++ {
		got = append(got, th.Failed(a, "bob"))
		th.Succeeded(a, "carol") // a valid login for someone else, from the same IP
	}
	want := []time.Duration{10, 20, 40, 50, 50}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("delays = %v, want %v ms", got, want)
		}
	}
	if d := th.Failed(a, "dave"); d != 10*time.Millisecond {
		t.Errorf("another account from the same IP waits %v, want the base 10ms", d)
	}
	if d := th.Failed(b, "bob"); d != 50*time.Millisecond {
		t.Errorf("bob from another IP waits %v, want bob's 50ms", d)
	}
	th.Succeeded(a, "BOB")
	if d := th.Failed(a, "bob"); d != 10*time.Millisecond {
		t.Errorf("after bob's own success the delay is %v, want the base", d)
	}
}

func TestThrottleBusyKeepsSlotsForTheRestOfTheRoom(t *testing.T) {
	th := &Throttle{MaxPending: 3}
	nat := &net.TCPAddr{IP: net.ParseIP("10.0.0.1"), Port: 1}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	sleep := func(user string) {
		wg.Add(1)
		go func() { defer wg.Done(); th.Sleep(nat, user, time.Minute, stop) }()
	}
	sleep("bob")
	sleep("bob")
	time.Sleep(10 * time.Millisecond)
	if th.Busy(nat, "bob") || th.Busy(nat, "carol") {
		t.Error("logins are refused while two failures wait, under MaxPending 3")
	}
	sleep("erin")
	waitUntil(t, func() bool { return th.Busy(nat, "carol") })
	other := &net.TCPAddr{IP: net.ParseIP("10.0.0.9"), Port: 1}
	if th.Busy(other, "bob") {
		t.Error("another address is refused")
	}
	close(stop)
	wg.Wait()
	if th.Busy(nat, "bob") || th.Busy(nat, "carol") {
		t.Error("still busy after the delays ended")
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("condition never held")
		}
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
