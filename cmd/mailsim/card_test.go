package main

import (
	"strings"
	"testing"
)

func TestTheCardNamesTheAddressServeListensOn(t *testing.T) {
	s := startServe(t, func(o *serveOptions) { o.Listen = "127.0.0.2" })
	out := s.out.String()
	for _, want := range []string{"students connect to 127.0.0.2", "\n  127.0.0.2  imap.example.com "} {
		if !strings.Contains(out, want) {
			t.Errorf("the card lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "127.0.0.1") {
		t.Errorf("the card names 127.0.0.1, where nothing listens:\n%s", out)
	}
}
