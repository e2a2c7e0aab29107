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
	pop3Basics, ok := lessons.Find(screentest.Builtins(t), "pop3-basics")
	if !ok {
		t.Fatal("no pop3-basics")
	}
	for _, l := range []*lessons.Lesson{screentest.TestLesson(false), screentest.TestLesson(true), pop3Basics} {
		live := model.ShownOfLesson(l)
		replay := model.ShownOfTranscript(replayOf(t, l))
		if !reflect.DeepEqual(live, replay) {
			t.Errorf("%s (%d steps): the replay shows\n%+v\nthe live run\n%+v", l.ID, len(l.Steps), replay, live)
		}
		if l == pop3Basics {
			continue
		}
		if st := live.Steps[1]; st.Action != (model.Action{Actor: "laptop", Verb: model.Sends, Object: "USER alice"}) || st.Note.In("en") != "USER names the mailbox." {
			t.Errorf("step 2 shows %+v", st)
		}
		if st := live.Steps[0]; st.Action != (model.Action{Actor: "laptop", Verb: model.Connects, Object: "pop.example.com:110"}) {
			t.Errorf("step 1 shows %+v", st)
		}
	}
}

// Every built-in lesson's replay shows its heading, its actors (then any
// other the recording names, such as an MTA that relayed), and each
// step's title, narration and quiz as the live run does. (A step's action
// line can differ where the recording tells more or less than the lesson:
// IMAP's tagged "Z1 LOGOUT" for a disconnect, an APPEND with its literal,
// no line at all for a wait, a delivery or a refused connection.)
func TestAReplayOfEveryBuiltinLessonHasItsHeadingAndStepTexts(t *testing.T) {
	for _, l := range screentest.Builtins(t) {
		if l.ID == "imap-big-mailbox" && testing.Short() {
			continue
		}
		live, replay := model.ShownOfLesson(l), model.ShownOfTranscript(replayOf(t, l))
		if live.ID != replay.ID || !reflect.DeepEqual(live.Title, replay.Title) || !reflect.DeepEqual(live.Summary, replay.Summary) || len(replay.Actors) < len(live.Actors) || !reflect.DeepEqual(live.Actors, replay.Actors[:len(live.Actors)]) || len(live.Steps) != len(replay.Steps) {
			t.Errorf("%s: the replay is headed %s %v %v (%d steps), the live run %s %v %v (%d steps)", l.ID,
				replay.ID, replay.Title, replay.Actors, len(replay.Steps), live.ID, live.Title, live.Actors, len(live.Steps))
			continue
		}
		for i, a := range live.Steps {
			b := replay.Steps[i]
			if !reflect.DeepEqual(a.Title, b.Title) || !reflect.DeepEqual(a.Say, b.Say) || !reflect.DeepEqual(a.Quiz, b.Quiz) {
				t.Errorf("%s step %d: the replay shows %v / %v / %v, the live run %v / %v / %v", l.ID, i+1, b.Title, b.Say, b.Quiz, a.Title, a.Say, a.Quiz)
			}
		}
	}
}
