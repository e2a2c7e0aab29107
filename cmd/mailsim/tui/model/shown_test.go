package model_test

import (
	"reflect"
	"testing"

	"mailsim/cmd/mailsim/tui/model"
	"mailsim/cmd/mailsim/tui/screentest"
	"mailsim/lessons"
	"mailsim/transcripts"
)

// replayOf runs l headless as `mailsim record` does, saves the transcript
// and loads it back, as a replay gets it.
func replayOf(t *testing.T, l *lessons.Lesson) *transcripts.Transcript {
	t.Helper()
	data, err := transcripts.Marshal(screentest.Record(t, l, nil))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := transcripts.Unmarshal(data, l.ID+".mailsim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestAReplayShowsWhatTheLiveRunOfTheSameLessonShows(t *testing.T) {
	for _, l := range []*lessons.Lesson{screentest.TestLesson(false), screentest.TestLesson(true)} {
		live := model.ShownOfLesson(l)
		replay := model.ShownOfTranscript(replayOf(t, l))
		if !reflect.DeepEqual(live, replay) {
			t.Errorf("%s (%d steps): the replay shows\n%+v\nthe live run\n%+v", l.ID, len(l.Steps), replay, live)
		}
		if st := live.Steps[1]; st.Action != (model.Action{Actor: "laptop", Verb: model.Sends, Object: "USER alice"}) || st.Note.In("en") != "USER names the mailbox." {
			t.Errorf("step 2 shows %+v", st)
		}
		if st := live.Steps[0]; st.Action != (model.Action{Actor: "laptop", Verb: model.Connects, Object: "pop.example.com:110"}) {
			t.Errorf("step 1 shows %+v", st)
		}
	}
}
