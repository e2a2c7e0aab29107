package i18n

import "testing"

func TestFoldDropsDiacriticsAndCase(t *testing.T) {
	for in, want := range map[string]string{
		"Tải về rồi xóa": "tai ve roi xoa",
		"Đường truyền":   "duong truyen",
		"POP3 cơ bản":    "pop3 co ban",
		"IMAP":           "imap",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLanguageMenuNamesEveryLanguageInItself(t *testing.T) {
	if got := LanguageMenu(); got != "English / Tiếng Việt" {
		t.Errorf("LanguageMenu() = %q", got)
	}
	for _, lang := range WordLanguages {
		if languageNames[lang] == "" {
			t.Errorf("%s has no name", lang)
		}
	}
}
