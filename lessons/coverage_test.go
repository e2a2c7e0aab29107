package lessons

import (
	"fmt"
	"mailsim/internal/i18n"
	"slices"
	"strings"
	"testing"
)

// showingKinds are the step kinds that make a claim happen: they talk to a
// server, change the world, or look at its state. Narrative (say, quiz,
// pause) only states a claim.
var showingKinds = map[StepKind]bool{Send: true, Check: true, Connect: true, Deliver: true, Wait: true, Device: true}

// bilingual reports whether a lesson is written in English and Vietnamese
// (the validator makes every text of a lesson follow its title).
func bilingual(l *Lesson) bool {
	langs := l.Languages()
	return slices.Contains(langs, "en") && slices.Contains(langs, "vi")
}

// claimCoverage maps each claim to the lessons whose steps show it, split
// by whether the lesson is in both languages.
func claimCoverage(list []*Lesson) (both, englishOnly map[string][]string) {
	both, englishOnly = map[string][]string{}, map[string][]string{}
	for _, l := range list {
		into := englishOnly
		if bilingual(l) {
			into = both
		}
		for _, s := range l.Steps {
			if !showingKinds[s.Kind] {
				continue
			}
			for _, c := range s.Covers {
				if !slices.Contains(into[c], l.ID) {
					into[c] = append(into[c], l.ID)
				}
			}
		}
	}
	return both, englishOnly
}

// Every claim of the seed article (claims.yaml, which equals
// SEED-CLAIMS.md: TestClaimsMatchSeedClaims) is shown happening by a step
// of a built-in lesson written in English and Vietnamese.
func TestEveryClaimIsShownInEnglishAndVietnamese(t *testing.T) {
	claims, err := Claims()
	if err != nil {
		t.Fatal(err)
	}
	both, englishOnly := claimCoverage(builtin(t))
	var missing []string
	for _, c := range claims {
		if len(both[c.ID]) > 0 {
			continue
		}
		why := "no lesson step shows it"
		if l := englishOnly[c.ID]; len(l) > 0 {
			why = "shown only in lessons without vi: " + strings.Join(l, ", ")
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", c.ID, why))
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d claims are not shown by a bilingual lesson step (send, check, connect, deliver, wait or device):\n  %s",
			len(missing), len(claims), strings.Join(missing, "\n  "))
	}
}

// The coverage test counts only steps that act: a claim named on narrative
// does not count, and a lesson without vi does not count.
func TestClaimCoverageCountsOnlyShowingStepsOfBilingualLessons(t *testing.T) {
	vi := &Lesson{ID: "vi", Title: i18n.Text{"en": "t", "vi": "t"}, Steps: []Step{
		{Kind: Say, Covers: []string{"pop.what"}},
		{Kind: Quiz, Covers: []string{"pop.what"}},
		{Kind: Device, Covers: []string{"pop.con.export"}},
		{Kind: Send, Covers: []string{"pop.flow"}},
	}}
	en := &Lesson{ID: "en", Title: i18n.Text{"en": "t"}, Steps: []Step{{Kind: Check, Covers: []string{"pop.ports"}}}}
	both, englishOnly := claimCoverage([]*Lesson{vi, en})
	if len(both["pop.what"]) != 0 {
		t.Errorf("narrative counted: %v", both["pop.what"])
	}
	if !slices.Equal(both["pop.con.export"], []string{"vi"}) || !slices.Equal(both["pop.flow"], []string{"vi"}) {
		t.Errorf("showing steps not counted: %v", both)
	}
	if len(both["pop.ports"]) != 0 || !slices.Equal(englishOnly["pop.ports"], []string{"en"}) {
		t.Errorf("an English-only lesson counted as bilingual: both %v, english-only %v", both, englishOnly)
	}
}
