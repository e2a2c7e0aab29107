package liveview

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"mailsim/cmd/mailsim/tui/widgets"
	"mailsim/internal/i18n"
	"mailsim/sim/classroom"
	"mailsim/transcripts"
)

// liveSaveHelp is the help overlay's sentence for w.
const liveSaveHelp = "save this connection's transcript to USER-cID-TIME.mailsim.yaml here; passwords stay redacted"

// connTranscript records connection id as a live transcript.
func connTranscript(reg *classroom.Registry, cs classroom.ConnState, lang string) *transcripts.Transcript {
	return classroom.ConnTranscript(cs, reg.Transcript(cs.ID, 0), lang)
}

// connSavePath is where w saves connection cs now:
// <user>-c<id>-<time>.mailsim.yaml in dir ("" = here).
func connSavePath(dir string, cs classroom.ConnState, now time.Time) string {
	user := cs.User
	if user == "" {
		user = "anonymous"
	}
	user = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '@', r == '-':
			return r
		}
		return '_'
	}, user)
	name := fmt.Sprintf("%s-c%d-%s.mailsim.yaml", user, cs.ID, now.Format("20060102-150405"))
	if dir == "" {
		return name
	}
	return filepath.Join(dir, name)
}

// saveConn saves the selected connection's transcript (w) and says where
// in the header.
func (lv *liveUI) saveConn() {
	if lv.trans == nil {
		lv.notify(i18n.Word(lv.Lang, "No connection selected."))
		return
	}
	cs, ok := lv.o.Registry.Conn(lv.trans.conn.ID)
	if !ok {
		cs = lv.trans.conn
	}
	path := connSavePath(lv.o.SaveDir, cs, time.Now())
	if err := transcripts.Save(path, connTranscript(lv.o.Registry, cs, lv.Lang), transcripts.SaveOptions{}); err != nil {
		lv.notify(i18n.Word(lv.Lang, "could not save") + ": " + widgets.OneLine(err.Error()))
		return
	}
	lv.notify(i18n.Word(lv.Lang, "saved to") + " " + path)
}
