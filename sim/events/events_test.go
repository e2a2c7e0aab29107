package events

import (
	"reflect"
	"testing"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/wire"
)

func TestAShownNoteSaysWhatARedactedUnitHeld(t *testing.T) {
	hidden := &wire.Unit{Text: "PASS •••", Redacted: i18n.Text{"en": "a password, 10 characters"}}
	for _, tt := range []struct {
		name string
		e    Event
		want i18n.Text
	}{
		{"a unit shown as it crossed keeps its note", Event{Unit: &wire.Unit{Text: "USER alice"}, Note: i18n.Text{"en": "who"}}, i18n.Text{"en": "who"}},
		{"a note gets what was hidden in brackets, in every language", Event{Unit: hidden, Note: i18n.Text{"en": "log in", "vi": "đăng nhập"}},
			i18n.Text{"en": "log in [a password, 10 characters]", "vi": "đăng nhập [a password, 10 characters]"}},
		{"with no note and no gloss, what was hidden is the note", Event{Unit: hidden}, i18n.Text{"en": "a password, 10 characters"}},
		{"what was hidden is said in the reader's language", Event{Unit: &wire.Unit{Text: "PASS •••", Redacted: i18n.Text{"en": "a password, 3 characters", "vi": "một mật khẩu, 3 ký tự"}}, Note: i18n.Text{"en": "log in", "vi": "đăng nhập"}},
			i18n.Text{"en": "log in [a password, 3 characters]", "vi": "đăng nhập [một mật khẩu, 3 ký tự]"}},
		{"with a gloss and no note, the gloss says it", Event{Unit: hidden, Gloss: &lessons.Entry{Key: "PASS"}}, nil},
		{"an event with no unit has its note", Event{Note: i18n.Text{"en": "x"}}, i18n.Text{"en": "x"}},
	} {
		if got := tt.e.ShownNote(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
