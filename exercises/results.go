package exercises

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/sim/classroom"
)

// mark is a status as one character on the board and in the summary.
func (s Status) mark() string {
	return [...]string{"·", "~", "✓"}[s]
}

// WriteCSV writes one row per student and exercise: student, exercise,
// status, time (RFC 3339, empty when not yet).
func (b Board) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"student", "exercise", "status", "time"})
	for i, st := range b.Students {
		for j, ex := range b.Exercises {
			c := b.Cells[i][j]
			at := ""
			if !c.At.IsZero() {
				at = c.At.Format(time.RFC3339)
			}
			cw.Write([]string{st.Name, ex.ID, c.Status.String(), at})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes the summary: how many students did each exercise,
// then the board (✓ done, ~ tried, · not yet), texts in lang.
func (b Board) WriteMarkdown(w io.Writer, lang string) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "# %s\n\n", i18n.Wordf(lang, "Exercise results"))
	fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n|---|---|---|---|\n", i18n.Wordf(lang, "Exercise"),
		i18n.Wordf(lang, "done"), i18n.Wordf(lang, "tried"), i18n.Wordf(lang, "not yet"))
	for j, ex := range b.Exercises {
		var n [3]int
		for i := range b.Students {
			n[b.Cells[i][j].Status]++
		}
		fmt.Fprintf(&sb, "| %s | %d | %d | %d |\n", cellText(ex.Title.In(lang)), n[Done], n[Tried], n[NotYet])
	}
	fmt.Fprintf(&sb, "\n| %s |", i18n.Wordf(lang, "Student"))
	for _, ex := range b.Exercises {
		fmt.Fprintf(&sb, " %s |", ex.ID)
	}
	sb.WriteString("\n|---|" + strings.Repeat("---|", len(b.Exercises)) + "\n")
	for i, st := range b.Students {
		fmt.Fprintf(&sb, "| %s |", cellText(st.Name))
		for j := range b.Exercises {
			c := b.Cells[i][j]
			at := ""
			if c.Status == Done {
				at = " " + c.At.Format("15:04")
			}
			fmt.Fprintf(&sb, " %s%s |", c.Status.mark(), at)
		}
		sb.WriteString("\n")
	}
	fmt.Fprintf(&sb, "\n✓ %s · ~ %s · · %s\n", i18n.Wordf(lang, "done"), i18n.Wordf(lang, "tried"), i18n.Wordf(lang, "not yet"))
	_, err := io.WriteString(w, sb.String())
	return err
}

// cellText makes text safe in a Markdown table cell.
func cellText(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(textsafe.Visible(s), "\n", " "), "|", "\\|")
}

// ResultPaths are the two files --results FILE writes: FILE without its
// extension plus .csv and .md.
func ResultPaths(file string) (csvPath, mdPath string) {
	base := strings.TrimSuffix(file, filepath.Ext(file))
	return base + ".csv", base + ".md"
}

// WriteResults writes the board's CSV and Markdown summary next to each
// other (see ResultPaths), each through a temporary file so that a reader
// never sees half of one.
func (b Board) WriteResults(file, lang string) error {
	csvPath, mdPath := ResultPaths(file)
	if err := writeFile(csvPath, b.WriteCSV); err != nil {
		return err
	}
	return writeFile(mdPath, func(w io.Writer) error { return b.WriteMarkdown(w, lang) })
}

func writeFile(path string, write func(io.Writer) error) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".results-*")
	if err != nil {
		return err
	}
	werr := write(tmp)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return werr
	}
	return os.Rename(tmp.Name(), path)
}

// WriteSheet writes the exercises section of the students' sheet, in
// lang: each exercise's task and the servers it needs, with the ports of
// this classroom.
func WriteSheet(w io.Writer, exs []*Exercise, servers []classroom.CardServer, lang string) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n## %s\n\n%s\n", i18n.Wordf(lang, "Exercises"),
		i18n.Wordf(lang, "The servers check these by themselves, from your sessions and your mailbox: the trainer sees your progress."))
	for i, ex := range exs {
		fmt.Fprintf(&sb, "\n### %d. %s\n\n%s\n", i+1, textsafe.Visible(ex.Title.In(lang)), textsafe.Visible(ex.Task.In(lang)))
		if h := ex.Hint.In(lang); h != "" {
			fmt.Fprintf(&sb, "\n*%s*\n", textsafe.Visible(h))
		}
		var rows []string
		for _, r := range ex.Settings {
			for _, s := range servers {
				if s.Role == r {
					rows = append(rows, fmt.Sprintf("| %s | %d | %s |", s.Host, s.Port, s.Security))
				}
			}
		}
		if len(rows) > 0 {
			fmt.Fprintf(&sb, "\n| %s | %s | %s |\n|---|---|---|\n%s\n", i18n.Wordf(lang, "Server"), i18n.Wordf(lang, "Port"),
				i18n.Wordf(lang, "Connection security"), strings.Join(rows, "\n"))
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
