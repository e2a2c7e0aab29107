package main

import (
	"strings"
	"testing"

	"mailsim/transcripts/gallery"
)

func TestGalleryListsEverySampleInTheLearnersLanguage(t *testing.T) {
	for _, lang := range []string{"en", "vi"} {
		out, errs, code := runCLI(t, "gallery", "--lang", lang)
		if code != 0 || errs != "" {
			t.Fatalf("gallery --lang %s: exit %d, stderr %q", lang, code, errs)
		}
		for _, s := range gallery.Samples() {
			if !strings.Contains(out, s.Name) || !strings.Contains(out, s.Title.In(lang)) {
				t.Errorf("gallery --lang %s does not list %s (%q):\n%s", lang, s.Name, s.Title.In(lang), out)
			}
		}
	}
}

func TestReplayOfAGallerySamplePrintsTheRealClientsSession(t *testing.T) {
	out, errs, code := runCLI(t, "replay", "gallery:fetchmail-delete", "--plain", "--lang", "vi")
	if code != 0 || errs != "" {
		t.Fatalf("replay gallery:fetchmail-delete: exit %d, stderr %q", code, errs)
	}
	s, _ := gallery.Find("fetchmail-delete")
	for _, want := range []string{s.Intro.In("vi"), "fetchmail C: DELE 1", "fetchmail C: QUIT"} {
		if !strings.Contains(out, want) {
			t.Errorf("the replay lacks %q:\n%s", want, out)
		}
	}
}

func TestGalleryMistakesGetOneLineAndAnExitCode(t *testing.T) {
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"replay", "gallery:thunderbird", "--plain"}, 1, `no gallery sample "thunderbird"`},
		{[]string{"gallery", "record", "thunderbird"}, 2, `no sample "thunderbird"`},
		{[]string{"gallery", "play"}, 2, `unknown action "play"`},
		{[]string{"gallery", "record", "curl-imap", "--dir", "/no/such/dir"}, 2, "is not a folder"},
	}
	for _, tt := range tests {
		out, errs, code := runCLI(t, tt.args...)
		if code != tt.code || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tt.says) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and one line saying %q", tt.args, code, out, errs, tt.code, tt.says)
		}
	}
}
