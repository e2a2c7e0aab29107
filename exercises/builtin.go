package exercises

import (
	"embed"
	"io/fs"
)

//go:embed builtin/*.yaml
var builtinFiles embed.FS

// Builtin returns the built-in set, which follows the seed article.
func Builtin() ([]*Exercise, error) {
	sub, err := fs.Sub(builtinFiles, "builtin")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}
