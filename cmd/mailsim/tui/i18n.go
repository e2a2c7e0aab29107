package tui

import "mailsim/lessons"

// The app's own words are in the program's one catalog, lessons/words.yaml
// (shared with the plain transcript and the simulator). A word missing
// there is shown in English.

// word translates one of the app's own words.
func (t *Theme) word(lang, s string) string { return tr(lang, s) }

func tr(lang, s string) string { return lessons.Word(lang, s) }
