package transcripts

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/mailstore"
	"mailsim/sim/wire"
)

// When the simulator's event stream grows a field, the transcript must
// learn to keep it (codec.go, model.go, docs/TRANSCRIPTS.md):
// this test names the fields the transcript knows, and fails on new ones.
func TestTheTranscriptKeepsEveryFieldOfTheEventStream(t *testing.T) {
	known := map[reflect.Type]string{
		reflect.TypeOf(events.Event{}):              "Actor ByStudent Conn Delta Eavesdrop Gloss Handshake Host Kind Note OK Protocol Quiz Role Say State Step TLSKeys Text Time Title Unit",
		reflect.TypeOf(wire.Unit{}):                 "Command Conn Cut Dir Kind Layer Len Lines Raw Redacted Seq Tag Text Time",
		reflect.TypeOf(events.State{}):              "Devices Providers",
		reflect.TypeOf(events.ProviderState{}):      "Domain Marked Snapshot",
		reflect.TypeOf(events.DeviceState{}):        "", // stored as it is, with its yaml tags
		reflect.TypeOf(events.Change{}):             "Detail Flags Kind Subject UID Where",
		reflect.TypeOf(mailstore.Snapshot{}):        "Taken Users",
		reflect.TypeOf(mailstore.UserSnapshot{}):    "Mailboxes Name Quota",
		reflect.TypeOf(mailstore.MailboxSnapshot{}): "Messages Name SpecialUse UIDNext UIDValidity",
		reflect.TypeOf(mailstore.Message{}):         "Flags From InternalDate MessageID Raw Subject To UID",
		reflect.TypeOf(lessons.Entry{}):             "Key RFC Text",
		reflect.TypeOf(lessons.QuizSpec{}):          "Choices Explain Question",
		reflect.TypeOf(lessons.QuizChoice{}):        "Correct Text",
	}
	for typ, want := range known {
		var got []string
		for i := 0; i < typ.NumField(); i++ {
			if typ.Field(i).IsExported() {
				got = append(got, typ.Field(i).Name)
			}
		}
		sort.Strings(got)
		if want == "" {
			continue
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s has fields %q; the transcript keeps %q: teach codec.go the new ones", typ, strings.Join(got, " "), want)
		}
	}
}

// A device's state is saved as the simulator gives it: each field needs a
// yaml tag, the key it has in the file (docs/TRANSCRIPTS.md).
func TestTheDeviceStateTheTranscriptStoresHasAKeyForEveryField(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeOf(events.DeviceState{}), reflect.TypeOf(events.LocalMessage{})} {
		for i := 0; i < typ.NumField(); i++ {
			if f := typ.Field(i); f.IsExported() && f.Tag.Get("yaml") == "" {
				t.Errorf("%s.%s has no yaml tag: name its key in the transcript file", typ, f.Name)
			}
		}
	}
}
