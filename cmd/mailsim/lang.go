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
