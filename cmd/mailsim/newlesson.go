package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

var lessonIDRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func cmdNewLesson(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlags("new-lesson", "NAME [-o FILE]", "Write a lesson template: a short POP3 lesson, valid and runnable as it is, whose\ncomments name every field. Edit it, check it with `mailsim validate FILE`, run it\nwith `mailsim run NAME --lessons DIR`. docs/LESSONS.md is the full reference.", stdout)
	out := fset.String("o", "", "write to `FILE` (default NAME.yaml in this folder; - for standard output)")
	langs := fset.String("langs", "en,vi", "the languages of its texts: en, or en,vi")
	pos, err := parseFlags(fset, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &exitError{2, "new-lesson: name the lesson, e.g. `mailsim new-lesson pop3-my-first`"}
	}
	name := pos[0]
	if !lessonIDRE.MatchString(name) {
		return &exitError{2, fmt.Sprintf("new-lesson: %q: a lesson name is lowercase words joined by dashes, e.g. pop3-my-first", name)}
	}
	var vi bool
	switch *langs {
	case "en":
	case "en,vi", "vi,en":
		vi = true
	default:
		return &exitError{2, fmt.Sprintf("new-lesson: --langs %q: want en or en,vi", *langs)}
	}
	text, err := lessonTemplate(name, vi)
	if err != nil {
		return err
	}
	file := *out
	if file == "" {
		file = name + ".yaml"
	}
	if file == "-" {
		_, err := io.WriteString(stdout, text)
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return &exitError{1, fmt.Sprintf("new-lesson: %s already exists; pick another file with -o", file)}
	}
	if err != nil {
		return &exitError{1, "new-lesson: " + err.Error()}
	}
	if _, err := io.WriteString(f, text); err != nil {
		f.Close()
		return &exitError{1, "new-lesson: " + err.Error()}
	}
	if err := f.Close(); err != nil {
		return &exitError{1, "new-lesson: " + err.Error()}
	}
	fmt.Fprintf(stderr, "wrote %s: check it with `mailsim validate %s`, run it with `mailsim run %s --lessons %s`\n", file, shellWord(file), name, shellWord(filepath.Dir(file)))
	return nil
}

// shellWord quotes s for a shell when it holds anything but plain path
// characters, so a printed command can be pasted as it is.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+:@,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lessonTemplate is the template for a lesson named id; vi adds the
// Vietnamese of every text.
func lessonTemplate(id string, vi bool) (string, error) {
	t, err := template.New("lesson").Funcs(template.FuncMap{
		// text writes a text at an indent: a plain string (English), or
		// an {en, vi} mapping.
		"text": func(indent int, en, viText string) string {
			pad := strings.Repeat(" ", indent)
			if !vi {
				return " " + yamlQuote(en)
			}
			return "\n" + pad + "en: " + yamlQuote(en) + "\n" + pad + "vi: " + yamlQuote(viText)
		},
	}).Parse(lessonTemplateText)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, map[string]any{"ID": id, "VI": vi}); err != nil {
		return "", err
	}
	return b.String(), nil
}

// yamlQuote writes s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

const lessonTemplateText = `mailsim-lesson: 1
# A mailsim lesson. The first line names the format version; every key
# below is checked: a misspelt key is an error, reported as file:line:col.
# Check this file:   mailsim validate {{.ID}}.yaml
# Run it:            mailsim run {{.ID}} --plain --lessons DIR   (DIR holds this file)
# Open it in the app: mailsim --lessons DIR
# The full reference of every key is docs/LESSONS.md.

# id: lowercase words joined by dashes, unique among all lessons.
id: {{.ID}}
# group: where the picker lists it: pop3, imap, smtp, compare, setup, history.
group: pop3
{{- if .VI}}
# Texts: a plain string is English; {en: ..., vi: ...} gives Vietnamese too.
# The title's languages are the lesson's: every other text must have them.
{{- else}}
# Texts are plain strings (English). To add Vietnamese, write a text as
# {en: ..., vi: ...}; once the title has vi, every text must.
{{- end}}
title:{{text 2 "My first lesson: POP3 download and delete" "Bài học đầu tiên: tải thư về và xóa bằng POP3"}}
summary:{{text 2 "A laptop downloads Alice's mail over POP3 and deletes it from the server." "Laptop tải thư của Alice về qua POP3 và xóa thư trên máy chủ."}}

# providers: (optional) which server roles a simulated provider runs; a
# provider not named runs them all. Roles: pop3 pop3s imap imaps submission
# smtps mx. A connect to a missing role is refused (say expect: refused).
#providers:
#  example.org: {roles: [pop3, pop3s, submission, smtps, mx]}

# seed: the mailboxes at the start. Users live at example.com unless they
# give domain: example.org.
seed:
  users:
    - name: alice
      password: wonderland
      mailboxes:
        INBOX:
          - from: Bob <bob@example.org>
            to: alice@example.com
            subject: Lunch?
            date: "2026-11-24T09:00:00+07:00"
            body: |
              Noon at the usual place?
              Bob
          - from: Da Lat Photo Club <club@example.net>
            to: alice@example.com
            subject: Photos from Da Lat
            body: The photo is attached.
            # attachments: each has name, type, and content (text) or file
            # (a path next to this lesson).
            attachments:
              - name: note.txt
                type: text/plain
                content: A small attachment.
          # A message can also be an .eml file next to the lesson:
          #- file: mail/welcome.eml
          # repeat: N makes N numbered copies ("Subject #1", ...):
          #- {from: news@example.org, subject: Newsletter, body: Hi, repeat: 50}

# actors: the devices (mail clients) that act. protocol is pop3, imap or
# smtp; user is a seed user ("bob@example.org" for another provider).
actors:
  - name: laptop
    protocol: pop3
    client:{{text 6 "Thunderbird on Alice's laptop" "Thunderbird trên laptop của Alice"}}
    user: alice

# steps: one action each (connect, send, data, disconnect, drop, check,
# quiz, deliver, wait, pause), or only say (narrative). Any step may have
# title, say and covers (claim IDs from lessons/claims.yaml).
steps:
  - title:{{text 6 "The mailbox" "Hộp thư"}}
    say:{{text 6 "Two messages wait for Alice on the server." "Hai thư đang chờ Alice trên máy chủ."}}

  - connect: laptop
    # to: pop3s   (the server role; default: the protocol's plain port)
    # eavesdrop: true   (show what an eavesdropper on the path sees)
    expect: "+OK"
    reply:{{text 6 "The server's greeting." "Lời chào của máy chủ."}}
    covers: [pop.flow]

  - send: USER alice
    # The actor defaults to the previous step's; actor: names another.
    expect: "+OK"
    note:{{text 6 "USER names the mailbox." "USER cho biết tên hộp thư."}}
  - send: PASS wonderland
    expect: "+OK"
    note:{{text 6 "PASS sends the password, here in plain text." "PASS gửi mật khẩu, ở đây không mã hóa."}}

  - quiz:
      question:{{text 8 "What will STAT answer?" "STAT sẽ trả lời gì?"}}
      choices:
        - text:{{text 12 "+OK 2 and the total size" "+OK 2 và tổng kích thước"}}
          correct: true
        - text:{{text 12 "-ERR" "-ERR"}}
      explain:{{text 8 "STAT counts the messages and their octets." "STAT đếm số thư và tổng số octet."}}
  - send: STAT
    # expect: the reply's status must start with this (+OK/-ERR for POP3;
    # OK/NO/BAD for IMAP; a code or its first digits for SMTP).
    expect: "+OK"

  - send: RETR 1
    # contains: a text the reply must contain
    contains: Lunch?
  - send: DELE 1
    expect: "+OK"
  - check:
      # A check looks at a server mailbox (server: alice/INBOX) or a
      # device's copy (device: laptop): count, subject, uid, flags,
      # no-flags, missing.
      server: alice/INBOX
      count: 2
    say:{{text 6 "DELE only marks the message: it is still there." "DELE chỉ đánh dấu thư: thư vẫn còn đó."}}
  - disconnect: laptop
    reply:{{text 6 "At QUIT the server removes what was marked." "Khi QUIT, máy chủ mới xóa những thư đã đánh dấu."}}
  - check:
      server: alice/INBOX
      count: 1
  - check:
      device: laptop
      subject: Lunch?

  # A message that arrives from outside:
  #- deliver: {to: alice, message: {from: carol@example.org, subject: Hi, body: Hello}}
`
