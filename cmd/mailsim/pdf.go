package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// chromiumNames are the names Chromium's program has: Debian's package
// chromium installs /usr/bin/chromium.
var chromiumNames = []string{"chromium", "chromium-browser"}

// errNoChromium says what to install to print a PDF.
var errNoChromium = errors.New("export: --to pdf prints the HTML handout with headless Chromium, which is not installed: install the Debian package chromium (apt-get install chromium)")

// findChromium returns the path of Chromium's program.
func findChromium() (string, error) {
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errNoChromium
}

// chromiumArgs are the flags of a headless Chromium that stays off the
// network and leaves nothing behind: a fresh profile in dir, no sync,
// no updates, no first-run pages.
func chromiumArgs(dir string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-extensions", "--user-data-dir=" + filepath.Join(dir, "profile")}
}

// printPDF prints a self-contained HTML page to PDF with headless
// Chromium (its print-to-pdf, no header or footer) and writes the PDF
// to w.
func printPDF(ctx context.Context, page []byte, w io.Writer) error {
	chromium, err := findChromium()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mailsim-pdf-")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(dir)
	html, pdf := filepath.Join(dir, "handout.html"), filepath.Join(dir, "handout.pdf")
	if err := os.WriteFile(html, page, 0o600); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := append(chromiumArgs(dir), "--no-pdf-header-footer", "--print-to-pdf="+pdf, "file://"+html)
	cmd := exec.CommandContext(ctx, chromium, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	data, err := os.ReadFile(pdf)
	if runErr != nil || err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		why := runErr
		if why == nil {
			why = errors.New("it wrote no PDF")
		}
		return fmt.Errorf("export: %s could not print the page: %v%s", chromium, why, lastLine(stderr.String()))
	}
	_, err = w.Write(data)
	return err
}

// lastLine is ": " and the last non-empty line of s, or "".
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}
