package lessonscreen

import (
	"github.com/gdamore/tcell/v2"

	"mailsim/cmd/mailsim/tui/keymap"
)

// r and k are the shorthands the key tables are written with.
func r(c rune) keymap.Key        { return keymap.Char(c) }
func k(key tcell.Key) keymap.Key { return keymap.Code(key) }
