package lessons

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// yaml.v3 reports a parser error at the line where the unfinished
// construct began (a block mapping at line 50, say), not where the text
// goes wrong (a misindented key at line 84). Its own position of the
// problem is not exported, so yamlProblem finds it the way an editor
// would: the first prefix of the file, cut at a line end, that fails
// with the same problem ends at the line the problem is on.

// yamlProblem returns the 1-based line and column of the problem msg that
// yaml.v3 reported at line reported of data; ok is false when it cannot
// be narrowed down (the error then keeps yaml.v3's line).
func yamlProblem(data []byte, reported int, msg string) (line, col int, ok bool) {
	lines := strings.SplitAfter(string(data), "\n")
	for n := max(1, reported); n <= len(lines); n++ {
		var doc yaml.Node
		err := yaml.Unmarshal([]byte(strings.Join(lines[:n], "")), &doc)
		if err == nil {
			continue
		}
		m := yamlLineRE.FindStringSubmatch(strings.TrimSpace(err.Error()))
		if m == nil || m[2] != msg {
			continue
		}
		text := strings.TrimRight(lines[n-1], "\r\n")
		if strings.TrimSpace(text) == "" && n > reported {
			continue // a blank line cannot be the mistake: the next one is
		}
		return n, problemColumn(text, msg), true
	}
	return 0, 0, false
}

// problemColumn is where on its line the problem is: the tab for a tab
// problem, the bracket for a flow never closed, otherwise the first
// character that is not a space (what a wrong indentation or a stray
// token starts with).
func problemColumn(text, msg string) int {
	at := -1
	switch {
	case strings.Contains(msg, "tab"):
		at = strings.IndexByte(text, '\t')
	case strings.Contains(msg, "']'"):
		at = strings.LastIndexByte(text, '[')
	case strings.Contains(msg, "'}'"):
		at = strings.LastIndexByte(text, '{')
	}
	if at >= 0 {
		return len([]rune(text[:at])) + 1
	}
	return len([]rune(text)) - len([]rune(strings.TrimLeft(text, " \t"))) + 1
}

// blockKey names the block yaml.v3 reported a problem in: the key, on a
// line above 1-based line n and indented less than it, whose value the
// block is ("steps" for a list of steps), and that key's line; "" when
// the block is the whole file.
func blockKey(data []byte, n int) (string, int) {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return "", 0
	}
	indent := func(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }
	want := indent(lines[n-1])
	for i := n - 2; i >= 0; i-- {
		s := strings.TrimSpace(lines[i])
		if s == "" || strings.HasPrefix(s, "#") || indent(lines[i]) >= want {
			continue
		}
		s = strings.TrimSpace(strings.TrimPrefix(s, "-"))
		if k, _, found := strings.Cut(s, ":"); found && k != "" && !strings.ContainsAny(k, " \"'{[") {
			return k, i + 1
		}
		return "", 0
	}
	return "", 0
}
