// Command todo lists the TODO and FIXME comments in the Go files under the
// given directories (default "."), as file:line: text.
package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	roots := os.Args[1:]
	if len(roots) == 0 {
		roots = []string{"."}
	}
	status := 0
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") {
				return nil
			}
			return scan(path)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "todo:", err)
			status = 1
		}
	}
	os.Exit(status)
}

func scan(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		_, comment, ok := strings.Cut(sc.Text(), "//")
		if !ok {
			continue
		}
		comment = strings.TrimSpace(comment)
		if strings.HasPrefix(comment, "TODO") || strings.HasPrefix(comment, "FIXME") {
			fmt.Printf("%s:%d: %s\n", path, line, comment)
		}
	}
	return sc.Err()
}
