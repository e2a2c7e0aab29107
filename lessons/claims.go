package lessons

import (
	_ "embed"
	"fmt"
	"mailsim/internal/i18n"
	"regexp"
	"sync"

	"gopkg.in/yaml.v3"
)

// Claim is one thing the seed article says (or a correction of it, the
// "fix." claims) that lessons must show happening. Lesson steps name the
// claims they show in `covers`.
type Claim struct {
	ID      string    // "pop.flow"
	Section string    // "POP3", "IMAP", "Choosing", "SMTP", "Setting up an account", "Where the article simplifies"
	Text    i18n.Text // in en and vi
}

//go:embed claims.yaml
var claimsYAML []byte

// ClaimLanguages are the languages every claim is written in.
var ClaimLanguages = []string{"en", "vi"}

var claimIDRE = regexp.MustCompile(`^[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+$`)

var loadClaims = sync.OnceValues(func() ([]Claim, error) {
	return parseClaims("claims.yaml", claimsYAML)
})

// Claims returns every claim, in the order of SEED-CLAIMS.md.
func Claims() ([]Claim, error) {
	list, err := loadClaims()
	if err != nil {
		return nil, err
	}
	out := make([]Claim, len(list))
	copy(out, list)
	return out, nil
}

// claimIDs is the set of known claim IDs (nil when claims.yaml is broken,
// which the tests prevent).
var claimIDs = sync.OnceValue(func() map[string]bool {
	list, err := loadClaims()
	if err != nil {
		return nil
	}
	ids := map[string]bool{}
	for _, c := range list {
		ids[c.ID] = true
	}
	return ids
})

func parseClaims(file string, data []byte) ([]Claim, error) {
	d, root := parseDoc(file, data)
	if root == nil {
		return nil, d.errs.Err()
	}
	var list []Claim
	seen := map[string]int{}
	d.fields(root, "", "the claims file", map[string]field{
		"mailsim-claims": func(v *yaml.Node, _ path) {
			if d.int(v, "mailsim-claims") != 1 {
				d.errorf(v, "mailsim-claims: want 1")
			}
		},
		"claims": func(v *yaml.Node, p path) {
			d.seq(v, p, "claims", func(_ int, v *yaml.Node, p path) {
				var c Claim
				d.fields(v, p, "a claim", map[string]field{
					"id":      func(v *yaml.Node, _ path) { c.ID = d.str(v, "id") },
					"section": func(v *yaml.Node, _ path) { c.Section = d.str(v, "section") },
					"text":    func(v *yaml.Node, p path) { c.Text = d.text(v, p, "text") },
				})
				switch line, dup := seen[c.ID]; {
				case !claimIDRE.MatchString(c.ID):
					d.errorf(v, "claim id %q: want area.name, lowercase (pop.flow, fix.pop-delete)", c.ID)
				case dup:
					d.errorf(v, "claim %q is listed twice (first at line %d)", c.ID, line)
				}
				seen[c.ID] = v.Line
				if c.Section == "" {
					d.errorf(v, "claim %q has no section", c.ID)
				}
				for _, lang := range ClaimLanguages {
					if c.Text[lang] == "" {
						d.errorf(v, "claim %q has no %s text", c.ID, lang)
					}
				}
				list = append(list, c)
			})
		},
	})
	if len(list) == 0 && len(d.errs) == 0 {
		d.errorf(root, "no claims")
	}
	if err := d.errs.Err(); err != nil {
		return nil, fmt.Errorf("lessons: broken %w", err)
	}
	return list, nil
}
