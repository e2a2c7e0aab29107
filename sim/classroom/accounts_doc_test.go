package classroom

import (
	"os"
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
