package mailstore

import (
	"sort"
	"strings"
)

// The system flags, in the canonical case that RFC 9051 spells them. Clients
// such as mbsync ignore a lower-cased `\seen`, so every flag that enters the
// store is canonicalised first.
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

var systemFlags = []string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft}

// CanonicalFlag returns f with a system flag in its canonical case
// (`\seen` becomes `\Seen`). Keywords are returned as given.
func CanonicalFlag(f string) string {
	for _, s := range systemFlags {
		if strings.EqualFold(f, s) {
			return s
		}
	}
	return f
}

// normalizeFlags canonicalises, de-duplicates (case-insensitively) and sorts
// flags, system flags first. The result is a fresh slice.
func normalizeFlags(flags []string) []string {
	out := make([]string, 0, len(flags))
	seen := make(map[string]struct{}, len(flags))
	for _, f := range flags {
		f = CanonicalFlag(f)
		k := strings.ToLower(f)
		if _, dup := seen[k]; f == "" || dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := strings.HasPrefix(out[i], `\`), strings.HasPrefix(out[j], `\`)
		if si != sj {
			return si
		}
		return out[i] < out[j]
	})
	return out
}

func containsFold(list []string, f string) bool {
	for _, g := range list {
		if strings.EqualFold(g, f) {
			return true
		}
	}
	return false
}

// FlagOp says how SetFlags combines the given flags with a message's own.
type FlagOp int

const (
	FlagsReplace FlagOp = iota // the message gets exactly these flags
	FlagsAdd                   // these flags are added
	FlagsRemove                // these flags are removed
)

func applyFlags(have []string, op FlagOp, flags []string) []string {
	switch op {
	case FlagsAdd:
		return normalizeFlags(append(append([]string(nil), have...), flags...))
	case FlagsRemove:
		gone := make(map[string]struct{}, len(flags))
		for _, f := range flags {
			gone[strings.ToLower(f)] = struct{}{}
		}
		var out []string
		for _, f := range have {
			if _, ok := gone[strings.ToLower(f)]; !ok {
				out = append(out, f)
			}
		}
		return normalizeFlags(out)
	default:
		return normalizeFlags(flags)
	}
}
