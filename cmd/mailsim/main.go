// Command mailsim is an interactive mail-protocol learning simulator: it
// runs scripted lessons against embedded POP3, IMAP and SMTP servers and
// shows every line on the wire, annotated.
//
// This file holds only the subcommands and their flags; the work is done
// by the sim, lessons and transcripts packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"

	"mailsim/internal/i18n"
	"mailsim/internal/textsafe"
	"mailsim/lessons"
	"mailsim/sim"
	"mailsim/transcripts"
)

// exitError carries an exit code with a message for the user.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// gcPercent is mailsim's GC target unless GOGC is set: its memory is
// mostly long-lived message octets and what IMAP keeps encoded with
// them, and the garbage its servers make is small, so collecting at 50%
// growth instead of 100% keeps RSS near 1.5x the live heap rather than
// 2x for little CPU (issue 17; bench/README.md).
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "mailsim: "+ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "mailsim: "+err.Error())
		os.Exit(1)
	}
}

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands are mailsim's subcommands, in the order the usage lists them.
// This list is the one place a subcommand is named.
var commands = []command{
	{"learn", "[LESSON]", "open the app (on LESSON, or on the lesson picker)", cmdLearn},
	{"lessons", "[--lang en|vi]", "list the lessons", cmdLessons},
	{"run", "LESSON [--plain]", "run a lesson headless and print its annotated transcript", cmdRun},
	{"validate", "FILE...", "check lesson files and report mistakes as file:line:col", cmdValidate},
	{"new-lesson", "NAME [-o FILE]", "write a commented lesson template to start a lesson of your own", cmdNewLesson},
	{"record", "LESSON -o FILE", "run a lesson headless and save its transcript", cmdRecord},
	{"serve", "[--listen ADDR] [--students N]", "run the providers on fixed ports for real mail clients (classroom mode)", cmdServe},
	{"bench", "--proto imap|pop3|smtp", "load-test a POP3, IMAP or SMTP server (mailsim's own, or --addr)", cmdBench},
	{"replay", "FILE|gallery:NAME [--plain]", "replay a saved transcript, or a real client's session from the gallery", cmdReplay},
	{"import", "FILE -o T.yaml [--keylog KEYS]", "turn a pcap or pcapng capture of your own mail program into a transcript", cmdImport},
	{"export", "FILE|gallery:NAME --to FORMAT [-o OUT]", "make a transcript or gallery sample a handout, an asciicast or a capture", cmdExport},
	{"gallery", "[record [NAME...]]", "list the real clients' sessions (replay gallery:NAME) or record them again", cmdGallery},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "mailsim: learn POP3, IMAP and SMTP by watching them happen.\n\nUsage:\n  mailsim [--lang en|vi] [--lessons DIR]   open the app\n  mailsim COMMAND [ARGS]\n  mailsim --version\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintf(w, "\nRun `mailsim COMMAND --help` for a command's flags.\n")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && (args[0] == "--version" || args[0] == "-version"):
		fmt.Fprintln(stdout, version())
		return nil
	case len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help":
		// No command: open the app, with the global flags given.
		return learn(ctx, "", args, stdout, stderr)
	case args[0] == "-h" || args[0] == "--help" || args[0] == "help":
		usage(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return &exitError{2, fmt.Sprintf("unknown command %q; see mailsim --help", args[0])}
}

// version is what `mailsim --version` says: the module version, the
// commit it was built from (marked +modified when the tree had changes)
// and the Go version, as the build recorded them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "mailsim (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+modified"
			}
		}
	}
	out := "mailsim " + v
	if rev != "" {
		out += fmt.Sprintf(" commit %.12s%s", rev, dirty)
		if at != "" {
			out += " (" + at + ")"
		}
	}
	return out + " " + bi.GoVersion
}

// flagSet is a command's flags: errors are one line and exit code 2, and
// --help prints the command's usage to stdout.
type flagSet struct {
	*flag.FlagSet
	cmd  string // as typed after mailsim: "run"; "" for the app itself
	help func()
}

// newFlags makes the flags of the command cmd ("" for mailsim itself),
// whose usage line shows args and summary.
func newFlags(cmd, args, summary string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // flag calls it on every error; help is printed below, only when asked
	f := &flagSet{FlagSet: fs, cmd: cmd}
	f.help = func() {
		fmt.Fprintf(stdout, "Usage: %s %s\n\n%s\n", f.prog(), args, summary)
		has := false
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(stdout, "\nFlags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
		}
	}
	return f
}

// prog is the command as typed: "mailsim run", or "mailsim".
func (f *flagSet) prog() string { return strings.TrimSpace("mailsim " + f.cmd) }

// parseFlags parses interleaved flags and positional arguments. A bad
// flag is one line naming it and where the command's flags are listed.
func parseFlags(fs *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help()
				return nil, &exitError{0, ""}
			}
			msg := err.Error()
			if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
				msg = "unknown flag " + name
			}
			if fs.cmd != "" {
				msg = fs.cmd + ": " + msg
			}
			return nil, &exitError{2, fmt.Sprintf("%s; see %s --help", msg, fs.prog())}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// findLesson is the lesson named id, or an exit error for cmd that
// suggests the id meant when it was mistyped.
func findLesson(cmd string, list []*lessons.Lesson, id string) (*lessons.Lesson, error) {
	if l, ok := lessons.Find(list, id); ok {
		return l, nil
	}
	msg := fmt.Sprintf("%s: no lesson %q", cmd, id)
	if near := lessons.Closest(list, id); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return nil, &exitError{2, msg + " (see mailsim lessons)"}
}

// loadLessons is the built-in lessons and those in extraDir. Files there
// that are not lessons (saved transcripts, say) are skipped, with one
// warning line on warn.
func loadLessons(extraDir string, warn io.Writer) ([]*lessons.Lesson, error) {
	list, err := lessons.Builtin()
	if err != nil {
		return nil, fmt.Errorf("built-in lessons: %w", err)
	}
	if extraDir != "" {
		more, skipped, err := lessons.LoadDirSkipping(extraDir)
		if len(skipped) > 0 {
			fmt.Fprintln(warn, "mailsim: "+skippedLine(extraDir, skipped))
		}
		if err != nil {
			return nil, err
		}
		more, err = builtinClashes(list, more)
		if err != nil {
			return nil, err
		}
		list = append(list, more...)
	}
	return list, nil
}

// skippedLine says in one line which files of dir were not loaded as
// lessons.
func skippedLine(dir string, files []string) string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	const show = 3
	list := strings.Join(names[:min(show, len(names))], ", ")
	if len(names) > show {
		list += fmt.Sprintf(" and %d more", len(names)-show)
	}
	what := "files that are"
	if len(names) == 1 {
		what = "a file that is"
	}
	return fmt.Sprintf("%s: skipped %s not a lesson (%s)", dir, what, list)
}

// builtinClashes reports the lessons of mine whose id a built-in lesson
// already has: they could never be found by name. A copy of the built-in
// file itself is no clash: it is left out of the lessons it returns.
func builtinClashes(builtin, mine []*lessons.Lesson) ([]*lessons.Lesson, error) {
	var errs lessons.ErrorList
	var keep []*lessons.Lesson
	for _, l := range mine {
		b, ok := lessons.Find(builtin, l.ID)
		if !ok {
			keep = append(keep, l)
			continue
		}
		same, _ := os.ReadFile(l.File)
		if orig, err := lessons.Files.ReadFile(b.File); err == nil && string(orig) == string(same) {
			continue
		}
		line, col := idPosition(l.File)
		errs = append(errs, &lessons.Error{File: l.File, Line: line, Col: col,
			Msg: fmt.Sprintf("lesson id %q is a built-in lesson's (%s): pick another id", l.ID, b.File)})
	}
	if len(errs) > 0 {
		return keep, errs
	}
	return keep, nil
}

// idPosition finds the line and column of a lesson file's top-level id
// value (0, 0 when it cannot be read).
func idPosition(file string) (int, int) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, 0
	}
	for i, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "id:"); ok {
			return i + 1, len(line) - len(strings.TrimLeft(rest, " \t")) + 1
		}
	}
	return 0, 0
}

func cmdLessons(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lessons", "[--lang en|vi]", "List the lessons, grouped by protocol in the order the app shows them.", stdout)
	dir := fs.String("lessons", "", "also load the lesson files in `DIR`")
	lang := langFlag(fs, "the titles")
	_, language, err := parseFlagsAndLang(fs, args, lang)
	if err != nil {
		return err
	}
	list, err := loadLessons(*dir, stderr)
	if err != nil {
		return err
	}
	idW := 0
	for _, l := range list {
		idW = max(idW, len(l.ID))
	}
	steps := i18n.Word(language, "steps")
	group := "\x00"
	for _, l := range lessons.SortByGroup(list) {
		if l.Group != group {
			group = l.Group
			fmt.Fprintf(stdout, "%s\n", strings.ToUpper(i18n.Word(language, lessons.GroupTitle(group))))
		}
		fmt.Fprintf(stdout, "  %-*s %3d %s  %-6s %s\n", idW, l.ID, len(l.Steps), steps, strings.Join(l.Languages(), ","), textsafe.Visible(l.Title.In(language)))
	}
	return nil
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "LESSON [--plain]", "Run a lesson headless: print the annotated transcript, what changed at each step,\nand the result. Exits 1 when a step does not go as the lesson expects.", stdout)
	plain := fs.Bool("plain", true, "print plain text, run's only output (to watch a lesson in the app: mailsim learn LESSON)")
	dir := fs.String("lessons", "", "also load the lesson files in `DIR`")
	stamps := fs.Bool("timestamps", false, "print each wire line's time")
	eaves := fs.Bool("eavesdropper", false, "show what crossed the network (TLS as opaque records)")
	fixed := fs.Bool("deterministic", false, "use a fixed clock, so the transcript is the same every run")
	lang := langFlag(fs, "the texts")
	pos, language, err := parseFlagsAndLang(fs, args, lang)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return &exitError{2, "run: name one lesson (see `mailsim lessons`)"}
	}
	if !*plain {
		return &exitError{2, "run: --plain=false: run prints plain text only; to watch the lesson in the app, use `mailsim learn " + pos[0] + "`"}
	}
	list, err := loadLessons(*dir, stderr)
	if err != nil {
		return err
	}
	l, err := findLesson("run", list, pos[0])
	if err != nil {
		return err
	}
	return runPlain(ctx, l, stdout, transcripts.PlainOptions{Lang: language, Timestamps: *stamps, Eavesdropper: *eaves}, *fixed)
}

// runPlain runs a lesson and prints it; it is what `run --plain` does.
func runPlain(ctx context.Context, l *lessons.Lesson, w io.Writer, po transcripts.PlainOptions, deterministic bool) error {
	g, err := lessons.LoadGlossary()
	if err != nil {
		return err
	}
	pr := transcripts.NewPlain(w, transcripts.HeadingOf(l), po)
	r, err := sim.Start(l, sim.Options{Emit: pr.Event, Glossary: g, Deterministic: deterministic, Files: l.SeedFS()})
	if err != nil {
		return err
	}
	defer r.Close()
	runErr := r.RunAll(ctx)
	pr.Final(r.State())
	if err := pr.Err(); err != nil {
		return err
	}
	if runErr != nil {
		return &exitError{1, runErr.Error()}
	}
	return nil
}

func cmdValidate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "FILE...", "Check lesson files (or every *.yaml lesson in a folder). Every mistake is reported\nas file:line:col: message.", stdout)
	args, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return &exitError{2, "validate: name at least one lesson file"}
	}
	var files []string
	for _, a := range args {
		entries, err := os.ReadDir(a)
		if err != nil { // not a folder: a file (LoadFile reports what is wrong with it)
			files = append(files, a)
			continue
		}
		for _, e := range entries {
			n := strings.ToLower(e.Name())
			if e.IsDir() || !strings.HasSuffix(n, ".yaml") && !strings.HasSuffix(n, ".yml") {
				continue
			}
			f := filepath.Join(a, e.Name())
			if data, err := os.ReadFile(f); err == nil && !lessons.IsLesson(data) {
				fmt.Fprintf(stdout, "%s: skipped, not a lesson\n", f)
				continue
			}
			files = append(files, f)
		}
	}
	builtin, err := lessons.Builtin()
	if err != nil {
		return fmt.Errorf("built-in lessons: %w", err)
	}
	bad := 0
	seen := map[string]string{} // id -> file
	for _, f := range files {
		l, err := lessons.LoadFile(f)
		if err == nil {
			_, err = builtinClashes(builtin, []*lessons.Lesson{l})
		}
		if err == nil && seen[l.ID] != "" {
			line, col := idPosition(f)
			err = &lessons.Error{File: f, Line: line, Col: col, Msg: fmt.Sprintf("lesson id %q is already used by %s", l.ID, seen[l.ID])}
		}
		if err != nil {
			bad++
			fmt.Fprintln(stderr, err)
			continue
		}
		seen[l.ID] = f
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		return &exitError{1, ""}
	}
	return nil
}
