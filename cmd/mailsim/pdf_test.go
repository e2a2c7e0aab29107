package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mailsim/internal/testutil"
	"mailsim/sim/events"
	"mailsim/sim/wire"
	"mailsim/transcripts"
)

// squeezed drops white space and the continuation marks a wrapped line
// gains, so a wire line can be found in text a PDF wrapped.
var squeezed = strings.NewReplacer(" ", "", "\n", "", "\t", "", "\f", "", transcripts.Contd[:len(transcripts.Contd)-1], "")

func TestThePDFHandoutHasEveryWireLineOnAFewPages(t *testing.T) {
	testutil.NeedTool(t, "chromium")
	pdftotext := testutil.NeedTool(t, "pdftotext")
	pdfinfo := testutil.NeedTool(t, "pdfinfo")
	path := record(t, "pop-vs-imap")
	tr, err := transcripts.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		paper, who, size string
		pages            [2]int
	}{
		{"a4", "trainer", "A4", [2]int{8, 24}},
		{"letter", "student", "letter", [2]int{8, 26}},
	} {
		t.Run(tc.paper+" "+tc.who, func(t *testing.T) {
			pdf := filepath.Join(dir, tc.paper+".pdf")
			if _, errs, code := runCLI(t, "export", path, "--to", "pdf", "--paper", tc.paper, "--for", tc.who, "-o", pdf); code != 0 {
				t.Fatalf("export: exit %d: %s", code, errs)
			}
			info, err := exec.Command(pdfinfo, pdf).Output()
			if err != nil {
				t.Fatalf("pdfinfo: %v", err)
			}
			m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
			if m == nil {
				t.Fatalf("pdfinfo says\n%s", info)
			}
			pages, _ := strconv.Atoi(string(m[1]))
			if pages < tc.pages[0] || pages > tc.pages[1] {
				t.Errorf("%d pages, want %d to %d", pages, tc.pages[0], tc.pages[1])
			}
			if !regexp.MustCompile(`(?m)^Page size:.*\(` + tc.size + `\)`).Match(info) {
				t.Errorf("not %s paper:\n%s", tc.size, info)
			}
			t.Logf("%s, %s: %d pages", tc.paper, tc.who, pages)
			text, err := exec.Command(pdftotext, pdf, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			// No text is clipped: every line on the wire is in the PDF's
			// text, whole (wrapped, with its continuation marks).
			all := squeezed.Replace(string(text))
			missing := 0
			for _, e := range tr.Events {
				if e.Kind != events.EventWire || e.Unit.Layer == wire.Cipher || e.Unit.Kind != wire.Line {
					continue
				}
				if !strings.Contains(all, squeezed.Replace(e.Unit.Text)) {
					missing++
					t.Errorf("the PDF lacks the wire line %q", e.Unit.Text)
				}
			}
			if missing == 0 && !strings.Contains(all, squeezed.Replace("a3 FETCH 1:* (UID FLAGS ENVELOPE RFC822.SIZE)")) {
				t.Error("the PDF's text holds no wire lines at all")
			}
		})
	}
}

func TestTheHTMLHandoutFitsTheWindowInABrowser(t *testing.T) {
	chromium := testutil.NeedTool(t, "chromium")
	path := record(t, "pop-vs-imap")
	page, errs, code := runCLI(t, "export", path, "--to", "html")
	if code != 0 {
		t.Fatalf("export: %s", errs)
	}
	dir := t.TempDir()
	// A copy of the page with a script that writes what overflows into
	// the DOM: the handout itself has no script.
	probe := strings.Replace(page, "</body>", `<script>
var over = [];
document.querySelectorAll(".wire, .txt, table, td, .note, p, li").forEach(function (el) {
  if (el.scrollWidth > el.clientWidth + 1) over.push(el.className + ":" + el.textContent.slice(0, 40));
});
document.body.setAttribute("data-probe", document.documentElement.scrollWidth + " " + window.innerWidth + " " + over.length + " " + over.join(" | "));
</script></body>`, 1)
	html := filepath.Join(dir, "probe.html")
	if err := os.WriteFile(html, []byte(probe), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, chromium, append(chromiumArgs(t.TempDir()), args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	for _, w := range []int{1000, 420} {
		dom := run("--window-size="+strconv.Itoa(w)+",1200", "--dump-dom", "file://"+html)
		m := regexp.MustCompile(`data-probe="(\d+) (\d+) (\d+) ?([^"]*)"`).FindSubmatch(dom)
		if m == nil {
			t.Fatalf("width %d: the probe did not run", w)
		}
		scroll, inner, over := atoi(t, m[1]), atoi(t, m[2]), atoi(t, m[3])
		if scroll > inner || over > 0 {
			t.Errorf("width %d: the page is %d px wide in a %d px window; %d elements overflow: %s", w, scroll, inner, over, m[4])
		}
	}
	// A screenshot of the page as a reader first sees it.
	shot := filepath.Join(dir, "handout.png")
	run("--window-size=1000,1400", "--hide-scrollbars", "--screenshot="+shot, "file://"+filepath.Join(dir, "probe.html"))
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 1400 {
		t.Errorf("the screenshot is %v", b)
	}
	// light by default: the corner is white, and the page is not blank
	r, g, bl, _ := img.At(2, 2).RGBA()
	if r>>8 < 240 || g>>8 < 240 || bl>>8 < 240 {
		t.Errorf("the background is not light: %d %d %d", r>>8, g>>8, bl>>8)
	}
	dark := 0
	for y := 0; y < 1400; y += 4 {
		for x := 0; x < 1000; x += 4 {
			if r, _, _, _ := img.At(x, y).RGBA(); r>>8 < 100 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Errorf("only %d dark samples: is the page blank?", dark)
	}
	if out := os.Getenv("MAILSIM_HANDOUT_PNG"); out != "" {
		data, _ := os.ReadFile(shot)
		os.WriteFile(out, data, 0o644)
	}
}

func atoi(t *testing.T, b []byte) int {
	t.Helper()
	n, err := strconv.Atoi(string(b))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExportToPDFWithoutChromiumNamesThePackage(t *testing.T) {
	path := record(t, "pop3-basics")
	t.Setenv("PATH", t.TempDir())
	_, errs, code := runCLI(t, "export", path, "--to", "pdf", "-o", filepath.Join(t.TempDir(), "x.pdf"))
	if code != 1 || !strings.Contains(errs, "install the Debian package chromium") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("exit %d, %q", code, errs)
	}
}
