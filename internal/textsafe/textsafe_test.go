package textsafe

import "testing"

func TestVisibleShowsControlsAndKeepsText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain text is kept", "a1 OK [READ-WRITE] SELECT done", "a1 OK [READ-WRITE] SELECT done"},
		{"Vietnamese and emoji are kept", "Thư mới 📬", "Thư mới 📬"},
		{"tab and line feed are kept", "a\tb\nc", "a\tb\nc"},
		{"an OSC 52 clipboard write is shown", "Thunder\x1b]52;c;aGk=\x07bird", "Thunder␛]52;c;aGk=␇bird"},
		{"a screen clear is shown", "\x1b[2J", "␛[2J"},
		{"CR and NUL are shown", "ok\rfake\x00", "ok␍fake␀"},
		{"DEL is shown", "x\x7f", "x␡"},
		{"a C1 CSI is replaced", "x\u009b2J", "x�2J"},
		{"invalid UTF-8 is replaced", "a\xffb\xc3", "a�b�"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Visible(tc.in); got != tc.want {
				t.Errorf("Visible(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestVisibleDoesNotCopySafeText(t *testing.T) {
	s := "a perfectly ordinary line"
	if n := testing.AllocsPerRun(100, func() { _ = Visible(s) }); n != 0 {
		t.Errorf("%v allocations for safe text", n)
	}
}

func FuzzVisibleLeavesNoControls(f *testing.F) {
	f.Add("Thunder\x1b]52;c;x\x07bird\r\n\xff\u009b")
	f.Fuzz(func(t *testing.T, s string) {
		out := Visible(s)
		if firstUnsafe(out) >= 0 {
			t.Fatalf("Visible(%q) = %q still has a control", s, out)
		}
		if Visible(out) != out {
			t.Fatalf("Visible is not idempotent on %q", s)
		}
	})
}
