package classroom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The accounts file example in AccountsFile's doc comment is what
// trainers copy: it must parse.
func TestTheDocumentedAccountsExampleParses(t *testing.T) {
	src, err := os.ReadFile("accounts.go")
	if err != nil {
		t.Fatal(err)
	}
	var example []string
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "//\tusers:") || len(example) > 0 && strings.HasPrefix(l, "//\t ") {
			example = append(example, strings.TrimPrefix(l, "//\t"))
		} else if len(example) > 0 {
			break
		}
	}
	if len(example) < 5 {
		t.Fatalf("no example found in accounts.go (%d lines)", len(example))
	}
	accts, err := ParseAccounts([]byte(strings.Join(example, "\n")))
	if err != nil {
		t.Fatalf("the example does not parse: %v\n%s", err, strings.Join(example, "\n"))
	}
	if len(accts) != 2 || accts[0].Starter.Mailboxes["INBOX"][0].Subject != "Lunch?" {
		t.Errorf("parsed %+v", accts)
	}
}

func TestAnAccountsFileSyntaxErrorIsReportedAtItsOwnLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.yaml")
	text := "users:\n  - name: alice\n    mailboxes:\n      INBOX:\n        - {from: Bob <bob@example.org>, subject: Lunch?, body: Noon?}\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadAccounts(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":5:") {
		t.Errorf("error %v, want it at %s:5:col (the flow mapping's line)", err, path)
	}
}
