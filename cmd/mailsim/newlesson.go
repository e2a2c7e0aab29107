package main

import (
	"context"
	_ "embed"
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

// lessonTemplateText is the lesson template (text/template); its texts
// are lesson content in English and Vietnamese, so it is a file, not Go.
//
//go:embed newlesson.yaml.tmpl
var lessonTemplateText string
