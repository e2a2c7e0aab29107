package main

import (
	"fmt"
	"os"
	"strings"
)

// pickLang chooses the language: the --lang flag, else LC_ALL, LC_MESSAGES
// or LANG, else English.
func pickLang(flagValue string) (string, error) {
	if flagValue != "" {
		switch flagValue {
		case "en", "vi":
			return flagValue, nil
		}
		return "", &exitError{2, fmt.Sprintf("--lang %q: want en or vi", flagValue)}
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			if strings.HasPrefix(strings.ToLower(s), "vi") {
				return "vi", nil
			}
			return "en", nil
		}
	}
	return "en", nil
}

// langFlag defines --lang, the language of what the command shows; its
// value is checked, or taken from the locale, once the flags are parsed
// (parseFlagsAndLang).
func langFlag(fs *flagSet, what string) *string {
	return fs.String("lang", "", "language of "+what+": en or vi (default from LC_ALL, LC_MESSAGES or LANG)")
}

// parseFlagsAndLang parses args as parseFlags does, then picks the
// language from lang (a langFlag) or the locale.
func parseFlagsAndLang(fs *flagSet, args []string, lang *string) (pos []string, language string, err error) {
	if pos, err = parseFlags(fs, args); err != nil {
		return nil, "", err
	}
	language, err = pickLang(*lang)
	return pos, language, err
}
