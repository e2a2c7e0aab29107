// Package gallery is mailsim's gallery of real clients: sessions of real
// mail programs from Debian (fetchmail, getmail6, mbsync, offlineimap,
// neomutt, swaks, msmtp, s-nail, curl, python's poplib and imaplib)
// recorded against mailsim's own servers, annotated by the glossary, and
// shipped here as transcripts (NAME.yaml) that `mailsim replay
// gallery:NAME` and the picker's "Real clients" group show.
//
// catalog.yaml holds each sample's title, its introduction (what the
// client did and how it shows the seed article's point) and its steps'
// titles, in English and Vietnamese. Package record (a sub-package) runs a
// sample's client again (`mailsim gallery record`).
//
// It imports transcripts and lessons, and no server: loading a sample runs
// nothing. The app (cmd/mailsim and its tui) imports it, never the other
// way.
package gallery

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"mailsim/internal/i18n"
	"mailsim/lessons"
	"mailsim/transcripts"
)

// Prefix names a gallery sample where a transcript file is expected:
// `mailsim replay gallery:fetchmail-delete`.
const Prefix = "gallery:"

// Group is the lessons group of the samples in the picker ("Real clients").
const Group = lessons.GroupRealClients

//go:embed *.yaml
var files embed.FS

// Sample is one entry of the catalog.
type Sample struct {
	Name     string    `yaml:"name"`     // "fetchmail-delete"
	Protocol string    `yaml:"protocol"` // pop3, imap, smtp
	Client   string    `yaml:"client"`   // the Debian package: "fetchmail"
	Title    i18n.Text `yaml:"title"`
	// Intro says what the client did and how it shows the article's
	// point; it is the first step's narrative.
	Intro  i18n.Text  `yaml:"intro"`
	Steps  []StepText `yaml:"steps"`
	Covers []string   `yaml:"covers,omitempty"` // claim ids (lessons.Claims)
}

// StepText is a step's title and narrative.
type StepText struct {
	Title i18n.Text `yaml:"title"`
	Say   i18n.Text `yaml:"say,omitempty"`
}

// File is where the sample's transcript is shipped, relative to this
// folder.
func (s Sample) File() string { return s.Name + ".mailsim.yaml" }

// Lesson is the sample as the replay and the picker see it.
func (s Sample) Lesson() *lessons.Lesson {
	l := &lessons.Lesson{ID: Prefix + s.Name, Group: Group, Title: s.Title, Summary: firstSentence(s.Intro), Covers: s.Covers,
		File: "transcripts/gallery/" + s.File()}
	for i, st := range s.Steps {
		say := st.Say
		if i == 0 {
			say = joinText(s.Intro, st.Say)
		}
		l.Steps = append(l.Steps, lessons.Step{Title: st.Title, Say: say})
	}
	return l
}

// firstSentence is the intro's first sentence in each language: the
// picker's one-line summary (the whole intro opens the first step).
func firstSentence(t i18n.Text) i18n.Text {
	out := i18n.Text{}
	for lang, s := range t {
		if i := strings.Index(s, ". "); i >= 0 {
			s = s[:i+1]
		}
		out[lang] = s
	}
	return out
}

func joinText(a, b i18n.Text) i18n.Text {
	out := i18n.Text{}
	for lang, t := range a {
		out[lang] = t
	}
	for lang, t := range b {
		if out[lang] != "" {
			out[lang] += "\n\n" + t
		} else {
			out[lang] = t
		}
	}
	return out
}

var loadCatalog = sync.OnceValues(func() ([]Sample, error) {
	data, err := files.ReadFile("catalog.yaml")
	if err != nil {
		return nil, err
	}
	var c struct {
		Samples []Sample `yaml:"samples"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("transcripts/gallery/catalog.yaml: %v", err)
	}
	return c.Samples, nil
})

// Samples lists the catalog, in its order (POP3, IMAP, SMTP).
func Samples() []Sample {
	s, err := loadCatalog()
	if err != nil {
		panic(err) // embedded and tested: a bad catalog is a build mistake
	}
	return s
}

// Find finds a sample by name, with or without the gallery: prefix.
func Find(name string) (Sample, bool) {
	name = strings.TrimPrefix(name, Prefix)
	for _, s := range Samples() {
		if s.Name == name {
			return s, true
		}
	}
	return Sample{}, false
}

// Names lists the samples' names, sorted.
func Names() []string {
	var out []string
	for _, s := range Samples() {
		out = append(out, s.Name)
	}
	sort.Strings(out)
	return out
}

// Load reads the shipped transcript of sample name ("fetchmail-delete" or
// "gallery:fetchmail-delete").
func Load(name string) (*transcripts.Transcript, error) {
	s, ok := Find(name)
	if !ok {
		return nil, fmt.Errorf("no gallery sample %q; the gallery has %s", strings.TrimPrefix(name, Prefix), strings.Join(Names(), ", "))
	}
	data, err := files.ReadFile(s.File())
	if err != nil {
		return nil, fmt.Errorf("gallery sample %q is not recorded yet (mailsim gallery record %s)", s.Name, s.Name)
	}
	return transcripts.Unmarshal(data, "transcripts/gallery/"+s.File())
}

// Lessons are the samples as picker entries: group "real", id
// "gallery:NAME", the title, the intro as the summary, one step per step.
// Only the samples that are recorded are listed.
func Lessons() []*lessons.Lesson {
	var out []*lessons.Lesson
	for _, s := range Samples() {
		if _, err := files.Open(s.File()); err == nil {
			out = append(out, s.Lesson())
		}
	}
	return out
}
