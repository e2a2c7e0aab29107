package lessonscreen

import "mailsim/internal/i18n"

// The app's own words are in the program's one catalog, internal/i18n/words.yaml
// (shared with the plain transcript and the simulator). A word missing
// there is shown in English.

// tr translates one of the app's own words.
func tr(lang, s string) string { return i18n.Word(lang, s) }
