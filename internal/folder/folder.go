// Package folder opens a folder of user-given files (a lesson's, an
// exercise set's, a seed's) as an fs.FS that cannot be left: paths with
// "..", absolute paths and symbolic links that point outside the folder
// all fail, where os.DirFS would follow the links. It imports only the
// standard library.
package folder

import (
	"io/fs"
	"os"
)

// FS returns dir's files, confined to dir (os.Root). If dir cannot be
// opened, every open through the result fails with that error.
func FS(dir string) fs.FS {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return failed{err}
	}
	return root.FS()
}

type failed struct{ err error }

func (f failed) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: f.err}
}
