package lessons

import (
	"strings"
	"testing"
)

// imapCommands is every command of RFC 9051 (with IDLE, MOVE, UNSELECT,
// ENABLE and NAMESPACE, which it absorbed).
var imapCommands = []string{"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "AUTHENTICATE", "LOGIN", "ENABLE",
	"SELECT", "EXAMINE", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE", "LIST", "NAMESPACE",
	"STATUS", "APPEND", "IDLE", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE", "UID"}

func TestGlossaryExplainsEveryIMAPCommand(t *testing.T) {
	g := glossary(t)
	args := map[string]string{"FETCH": " 1:* ALL", "STORE": " 1 FLAGS ()", "UID": " COPY 1:3 Archive"}
	for _, cmd := range imapCommands {
		e, ok := g.Explain("imap", true, "", "a1 "+cmd+args[cmd])
		if !ok {
			t.Errorf("%s: no entry", cmd)
			continue
		}
		if e.Key != cmd || !strings.HasPrefix(e.RFC, "RFC ") || e.Text["en"] == "" || e.Text["vi"] == "" {
			t.Errorf("%s: got %+v, want its own entry with an RFC reference and en and vi texts", cmd, e)
		}
	}
}

func TestGlossaryExplainsIMAPLines(t *testing.T) {
	g := glossary(t)
	tests := []struct {
		name          string
		client        bool
		command, line string
		key, contains string
	}{
		{"the greeting", false, "", "* OK [CAPABILITY IMAP4rev2 IMAP4rev1] IMAP server ready", "greeting", "ready"},
		{"a tagged OK after LOGIN", false, "LOGIN", "a1 OK [CAPABILITY IMAP4rev2] Logged in", "LOGIN OK", "Authenticated"},
		{"a failed login", false, "LOGIN", "a1 NO [AUTHENTICATIONFAILED] Invalid credentials", "[AUTHENTICATIONFAILED]", "wrong"},
		{"EXISTS counts", false, "SELECT", "* 3 EXISTS", "EXISTS", "holds 3 messages"},
		{"EXISTS in IDLE", false, "IDLE", "* 1 EXISTS", "EXISTS", "holds 1 message now"},
		{"RECENT is IMAP4rev1", false, "SELECT", "* 1 RECENT", "RECENT", "IMAP4rev1"},
		{"UIDVALIDITY", false, "SELECT", "* OK [UIDVALIDITY 1001] UIDs valid", "[UIDVALIDITY]", "stays 1001"},
		{"UIDNEXT", false, "SELECT", "* OK [UIDNEXT 4] Predicted next UID", "[UIDNEXT]", "at least 4"},
		{"UNSEEN", false, "SELECT", "* OK [UNSEEN 2] First unseen", "[UNSEEN]", "message 2"},
		{"PERMANENTFLAGS", false, "SELECT", `* OK [PERMANENTFLAGS (\Seen \*)] ok`, "[PERMANENTFLAGS]", "keywords"},
		{"READ-WRITE", false, "SELECT", "a2 OK [READ-WRITE] SELECT completed", "[READ-WRITE]", "may be changed"},
		{"READ-ONLY", false, "EXAMINE", "a2 OK [READ-ONLY] EXAMINE completed", "[READ-ONLY]", "EXAMINE"},
		{"the FLAGS list", false, "SELECT", `* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`, "FLAGS response", `\Seen (read)`},
		{"EXPUNGE renumbers", false, "NOOP", "* 2 EXPUNGE", "EXPUNGE response", "message 2 is gone"},
		{"a whole message", false, "FETCH", "* 1 FETCH (UID 1 FLAGS (\\Seen) BODY[] {238} )", "BODY[] response", "the 238 octets after {238}"},
		{"one section", false, "FETCH", "* 1 FETCH (UID 3 BODY[1] {212} )", "BODY[section] response", "section [1] only: 212 octets"},
		{"a structure", false, "FETCH", `* 1 FETCH (UID 1 BODYSTRUCTURE ("text" "plain" NIL NIL NIL "8bit" 31 2))`, "BODYSTRUCTURE response", "structure"},
		{"an envelope", false, "FETCH", `* 1 FETCH (UID 1 FLAGS () ENVELOPE (NIL "Hi" NIL NIL NIL NIL NIL NIL NIL NIL))`, "ENVELOPE response", "summary"},
		{"another device's flags", false, "NOOP", `* 2 FETCH (UID 2 FLAGS (\Seen))`, "FLAGS update", `flags (\Seen) now`},
		{"recent", false, "FETCH", `* 1 FETCH (UID 1 FLAGS (\Recent))`, `\Recent`, "first to see"},
		{"IDLE's +", false, "IDLE", "+ idling", "IDLE continuation", "DONE"},
		{"a literal's +", false, "APPEND", "+ Ready for literal data", "continuation", "literal"},
		{"LOGOUT's BYE", false, "LOGOUT", "* BYE Logging out", "LOGOUT BYE", "as the client asked"},
		{"an unasked BYE", false, "NOOP", "* BYE Autologout", "BYE", "closing"},
		{"APPENDUID", false, "APPEND", "a3 OK [APPENDUID 1001 4] APPEND completed", "[APPENDUID]", "UID 4"},
		{"COPYUID", false, "MOVE", "* OK [COPYUID 1001 1:2 7:8] Moved", "[COPYUID]", "UIDs 7:8"},
		{"TRYCREATE", false, "COPY", "a4 NO [TRYCREATE] No such mailbox", "[TRYCREATE]", "CREATE"},
		{"OVERQUOTA", false, "APPEND", "a4 NO [OVERQUOTA] full", "[OVERQUOTA]", "full"},
		{"a plain tagged OK", false, "STORE", "a5 OK STORE completed", "tagged OK", "tag"},
		{"a tagged BAD", false, "FETCH", "a5 BAD No mailbox selected", "tagged BAD", "not valid"},
		{"an untagged OK", false, "NOOP", "* OK still here", "untagged OK", "not the end"},
		{"a search result", false, "SEARCH", "* SEARCH 2 3", "SEARCH response", "matched"},
		{"a list line", false, "LIST", `* LIST (\Sent) "/" Sent`, "LIST response", `\Sent`},
		{"a status line", false, "STATUS", "* STATUS INBOX (MESSAGES 3)", "STATUS response", "not opened"},
		{"DONE", true, "IDLE", "DONE", "DONE", "ends the IDLE"},
		{"BODY.PEEK", true, "FETCH", "a3 FETCH 1 (BODY.PEEK[1])", "BODY.PEEK[]", `leaves the \Seen flag alone`},
		{"a slice", true, "FETCH", "a3 FETCH 1 (BODY[2]<0.1024>)", "BODY[n]<o.l>", "slice"},
		{"the whole", true, "FETCH", "a3 FETCH 1 (BODY[])", "BODY[]", "whole message"},
		{"a section", true, "FETCH", "a3 FETCH 1 (BODY[HEADER])", "BODY[section]", "HEADER"},
		{"a summary", true, "FETCH", "a3 FETCH 1:* (FLAGS ENVELOPE)", "ENVELOPE", "summary"},
		{"the structure", true, "UID FETCH", "a3 UID FETCH 3 (BODYSTRUCTURE)", "BODYSTRUCTURE", "structure"},
		{"flags only", true, "FETCH", "a3 FETCH 1:* (FLAGS)", "FETCH FLAGS", "cache"},
		{"UIDs only", true, "FETCH", "a3 FETCH 1:* (UID)", "FETCH UID", "shift"},
		{"sizes", true, "FETCH", "a3 FETCH 1:* (RFC822.SIZE)", "RFC822.SIZE", "size"},
		{"dates", true, "FETCH", "a3 FETCH 1:* (INTERNALDATE)", "INTERNALDATE", "received"},
		{"deleting", true, "STORE", `a4 STORE 1 +FLAGS (\Deleted)`, `\Deleted`, "EXPUNGE"},
		{"reading", true, "STORE", `a4 STORE 1 +FLAGS (\Seen)`, `\Seen`, "every device"},
		{"starring", true, "UID STORE", `a4 UID STORE 9 +FLAGS (\Flagged)`, `\Flagged`, "important"},
		{"answered", true, "STORE", `a4 STORE 1 +FLAGS (\Answered)`, `\Answered`, "replied"},
		{"drafts", true, "STORE", `a4 STORE 1 +FLAGS (\Draft)`, `\Draft`, "draft"},
		{"UID commands name their sub-command", true, "", "a5 UID COPY 1:3 Archive", "UID", "UID COPY: the same as COPY"},
		{"a search by UID", true, "", "a5 UID SEARCH UNSEEN", "UID SEARCH", "answers with UIDs"},
		{"a client's own keyword", true, "UID STORE", "a6 UID STORE 3:4 +FLAGS.SILENT (Old)", "keyword", "Old is a keyword"},
		{"a system flag before a keyword", true, "STORE", `a6 STORE 1 +FLAGS (\Seen Old)`, `\Seen`, "read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := g.Explain("imap", tt.client, tt.command, tt.line)
			if !ok {
				t.Fatalf("Explain(%q, %q): no entry", tt.command, tt.line)
			}
			if e.Key != tt.key || !strings.Contains(e.Text["en"], tt.contains) {
				t.Errorf("Explain(%q, %q) = %q %q; want %q containing %q", tt.command, tt.line, e.Key, e.Text["en"], tt.key, tt.contains)
			}
			if e.Text["vi"] == "" || !strings.HasPrefix(e.RFC, "RFC ") {
				t.Errorf("%q: no vi text or no RFC (%q)", e.Key, e.RFC)
			}
		})
	}
}

// Every flag and FETCH item the lessons use has its own entry.
func TestIMAPGlossaryHasFlagsAndFetchItems(t *testing.T) {
	keys := map[string]bool{}
	for _, e := range glossary(t).Entries("imap") {
		keys[e.Key] = true
		if e.Text["vi"] == "" {
			t.Errorf("%q has no vi text", e.Key)
		}
	}
	for _, k := range []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent`,
		"FETCH FLAGS", "ENVELOPE", "BODYSTRUCTURE", "BODY[]", "BODY.PEEK[]", "BODY[n]<o.l>", "RFC822.SIZE", "FETCH UID", "INTERNALDATE",
		"[ALERT]", "[CAPABILITY]", "[PERMANENTFLAGS]", "[READ-ONLY]", "[READ-WRITE]", "[TRYCREATE]", "[UIDNEXT]", "[UIDVALIDITY]",
		"[UNSEEN]", "[APPENDUID]", "[COPYUID]", "[OVERQUOTA]", "[PRIVACYREQUIRED]", "[AUTHENTICATIONFAILED]", "[NONEXISTENT]", "[ALREADYEXISTS]",
		"PREAUTH", "BYE", "tagged OK", "tagged NO", "tagged BAD", "untagged OK", "continuation",
		"EXISTS", "RECENT", "EXPUNGE response", "FETCH response", "FLAGS response", "LIST response", "SEARCH response", "ESEARCH response", "STATUS response"} {
		if !keys[k] {
			t.Errorf("no entry %q", k)
		}
	}
}
