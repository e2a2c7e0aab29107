package lessons

import "testing"

func TestBuiltinLessonsAreValid(t *testing.T) {
	list, err := Builtin()
	if err != nil {
		t.Fatalf("built-in lessons:\n%v", err)
	}
	if len(list) == 0 {
		t.Fatal("no built-in lessons")
	}
	for _, l := range list {
		t.Logf("%s: %d steps, covers %v", l.File, len(l.Steps), l.Covers)
	}
}
