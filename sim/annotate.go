package sim

import (
	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/sim/wire/protoline"
	"strings"
)

// How a wire unit becomes an annotated event: the lesson's note for the
// step, the glossary's entry (each shown once), a decoded SASL PLAIN
// payload.

// onUnit turns a tapped unit into an annotated wire event.
func (r *Runner) onUnit(u wire.Unit) {
	r.mu.Lock()
	a := r.byConn[u.Conn]
	pn := r.noteFor
	var note i18n.Text
	if pn != nil && pn.conn == u.Conn && u.Layer != wire.Cipher {
		if u.Dir == wire.ClientToServer && pn.note != nil {
			note, pn.note = pn.note, nil
		} else if u.Dir == wire.ServerToClient && pn.reply != nil {
			note, pn.reply = pn.reply, nil
		}
	}
	eaves := r.eavesdrop[u.Conn]
	hs := u.Layer == wire.Cipher && r.handshaking == u.Conn
	var keys []string
	if !hs && r.tlsKeys[u.Conn] != nil {
		keys = r.tlsKeys[u.Conn]
		delete(r.tlsKeys, u.Conn)
	}
	if a != nil && u.Layer != wire.Cipher {
		r.count(a.spec.Name, u)
	}
	if f := r.quiet; f != nil && f.conn == u.Conn {
		if u.Layer != wire.Cipher {
			f.add(u)
		}
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	e := events.Event{Kind: events.EventWire, Conn: u.Conn, Protocol: protocolOf(a), Unit: &u, Note: note, Time: u.Time,
		Eavesdrop: eaves, Handshake: hs, TLSKeys: keys}
	if a != nil {
		e.Actor = a.spec.Name
		if a.sess != nil {
			e.Role, e.Host = a.sess.role, a.sess.host
		}
	}
	if r.opts.Glossary != nil && u.Kind == wire.Line && u.Layer != wire.Cipher {
		if g, ok := r.opts.Glossary.Explain(string(e.Protocol), u.Dir == wire.ClientToServer, u.Command, u.Text); ok {
			if note != nil {
				e.Gloss = &g // the lesson's note is shown instead
			} else {
				e.Gloss = r.glossOnce(g)
			}
		}
	}
	if u.Kind == wire.Line && u.Dir == wire.ClientToServer && u.Layer != wire.Cipher {
		if g, ok := saslPlainGloss(u); ok {
			e.Gloss = g
			if e.Note != nil {
				// The lesson's own note hides the glossary: the decoding
				// is what the line shows, so it goes under the note too.
				n := i18n.Text{}
				for lang, t := range e.Note {
					n[lang] = strings.TrimRight(t, "\n") + "\n" + g.Text.In(lang)
				}
				e.Note = n
			}
		}
	}
	r.emit(e)
}

// saslPlainGloss explains a client line that carries an AUTH PLAIN
// payload (SMTP and POP3 "AUTH PLAIN <b64>", IMAP "AUTHENTICATE PLAIN
// <b64>", or the payload alone on the line after "+ "): it decodes it, and
// says who could read it, by whether the line crossed inside TLS.
func saslPlainGloss(u wire.Unit) (*lessons.Entry, bool) {
	_, plain, ok := protoline.PlainPayload(u.Text, u.Command)
	if !ok {
		return nil, false
	}
	// The English starts as lessons.DescribeSASLPlain(b64) does.
	decoded := `"` + plain.Escaped() + `"`
	text := i18n.Textf("base64 of %s: an encoding, not encryption. This line crossed the network in plain text: anyone on the path can decode the password.", decoded)
	if u.Layer == wire.Inner {
		text = i18n.Textf("base64 of %s: an encoding, not encryption. This line crossed the network inside TLS: an eavesdropper saw only an encrypted record of its size.", decoded)
	}
	return &lessons.Entry{Key: "AUTH PLAIN payload", RFC: "RFC 4616 §2, RFC 4954 §4", Text: text}, true
}

func protocolOf(a *actor) wire.Protocol {
	if a == nil || a.sess == nil {
		return ""
	}
	return a.sess.proto
}

func (r *Runner) noteOn(s *session, st *lessons.Step) {
	r.mu.Lock()
	r.noteFor = &pendingNote{conn: s.tap.ID(), note: st.Note, reply: st.Reply}
	r.mu.Unlock()
}

// glossOnce returns g the first time the lesson meets its text, and after
// that a pointer back to it: the same explanation is not printed twice
// (the EHLO list before and after STARTTLS, PIPELINING on every relay).
// A gloss whose text differs (other numbers, other names) is given again.
func (r *Runner) glossOnce(g lessons.Entry) *lessons.Entry {
	id := g.Text[i18n.Fallback]
	r.mu.Lock()
	if r.glossed == nil {
		r.glossed = map[string]int{}
	}
	step, seen := r.glossed[id]
	if !seen {
		r.glossed[id] = r.cur
	}
	r.mu.Unlock()
	if !seen {
		return &g
	}
	short := make(i18n.Text, len(g.Text))
	for lang, text := range g.Text {
		// Name it as its text does ("Tagged OK", "\"* 1 EXPUNGE\""), in
		// the reader's language; the key when the text has no such head.
		head, _, ok := strings.Cut(text, ": ")
		if !ok || len([]rune(head)) > 48 {
			head = g.Key
		}
		short[lang] = i18n.Wordf(lang, "%s: as above (step %d).", head, step+1)
	}
	g.Text = short
	return &g
}
