package lessons

import (
	"sort"
	"strings"
)

// GroupRealClients is the group of the gallery's recordings of real
// clients (transcripts/gallery): sessions, not lessons.
const GroupRealClients = "real"

// groupTitles are the groups' headings (program words, in English).
var groupTitles = map[string]string{
	"pop3": "POP3", "imap": "IMAP", "smtp": "SMTP",
	"compare": "Comparisons", "setup": "Setup", "history": "History",
	GroupRealClients: "Real clients",
}

// Path is the suggested order for a newcomer: the first lesson of the
// path that is not yet done is where to start.
var Path = []string{"pop3-basics", "imap-basics", "pop-vs-imap", "smtp-send", "ports-and-tls", "account-setup", "choose-pop-or-imap"}

// GroupTitle is a group's heading, in English (translate it with Word).
func GroupTitle(g string) string {
	if t, ok := groupTitles[g]; ok {
		return t
	}
	if g == "" {
		return "Other"
	}
	return strings.ToUpper(g[:1]) + g[1:]
}

// SortByGroup returns the lessons in the order of Groups; within a group,
// the lessons on the Path come first, in its order, and the others keep
// their order.
func SortByGroup(list []*Lesson) []*Lesson {
	out := append([]*Lesson(nil), list...)
	sort.SliceStable(out, func(i, j int) bool {
		gi, gj := rank(Groups, out[i].Group), rank(Groups, out[j].Group)
		if gi != gj {
			return gi < gj
		}
		if gi == len(Groups) && out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return rank(Path, out[i].ID) < rank(Path, out[j].ID)
	})
	return out
}

// rank is the place of id in list, len(list) when it is not there.
func rank(list []string, id string) int {
	for i, x := range list {
		if x == id {
			return i
		}
	}
	return len(list)
}

// Closest is the lesson id nearest to a mistyped id (by edit distance, at
// most a third of its length, or one id that starts with it); "" when
// none is near enough to suggest.
func Closest(list []*Lesson, id string) string {
	best, bestD := "", len([]rune(id))/3+1
	prefixed := ""
	for _, l := range list {
		if d := editDistance(id, l.ID); d < bestD {
			best, bestD = l.ID, d
		}
		if id != "" && strings.HasPrefix(l.ID, id) {
			if prefixed != "" {
				prefixed = "\x00" // more than one: not a suggestion
			} else {
				prefixed = l.ID
			}
		}
	}
	if best == "" && prefixed != "\x00" {
		return prefixed
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
