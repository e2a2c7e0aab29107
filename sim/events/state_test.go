package events

import (
	"strings"
	"testing"
)

func TestEveryChangeKindHasANameThatReadsBack(t *testing.T) {
	for k := Added; k <= Downloaded; k++ {
		name, err := k.MarshalText()
		if err != nil {
			t.Fatalf("%v: %v", k, err)
		}
		var back ChangeKind
		if err := back.UnmarshalText(name); err != nil || back != k {
			t.Errorf("%q reads back as %v, %v; want %v", name, back, err, k)
		}
	}
	var k ChangeKind
	if err := k.UnmarshalText([]byte("new")); err == nil || !strings.Contains(err.Error(), "want added, removed, flags, marked, unmarked or downloaded") {
		t.Errorf("an unknown name: err = %v", err)
	}
	if _, err := ChangeKind(99).MarshalText(); err == nil {
		t.Error("kind 99 has a name")
	}
}
