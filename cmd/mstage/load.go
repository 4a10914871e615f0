package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mstage/mstage/spec"
)

// loadSpec reads and parses a spec file, printing any error with a snippet
// of the offending line.
func loadSpec(file string, stderr io.Writer) (*spec.Spec, []byte, bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "mstage: %v\n", err)
		return nil, nil, false
	}
	s, err := spec.Load(file, src, includedFiles(file))
	if err != nil {
		printError(stderr, src, err)
		return nil, src, false
	}
	return s, src, true
}

// printError prints err; errors positioned in the spec get the line they
// point at, with a caret. src is the spec file; an error in a file it
// includes shows that file's line.
func printError(w io.Writer, src []byte, err error) {
	var list spec.ErrorList
	var one *spec.Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
			fmt.Fprint(w, spec.Snippet(sourceOf(src, e.Pos), e))
		}
	case errors.As(err, &one):
		fmt.Fprintln(w, one.Error())
		fmt.Fprint(w, spec.Snippet(sourceOf(src, one.Pos), one))
	default:
		fmt.Fprintln(w, err)
	}
}

// includedFiles reads the files the spec file includes, from its
// directory (the working directory for stdin).
func includedFiles(file string) spec.ReadFunc {
	if file == stdinName {
		return spec.DirFiles(".")
	}
	return spec.DirFiles(filepath.Dir(file))
}

// sourceOf is the text of the file pos is in: src, or the included file
// it names (a path from the working directory, as the CLI names them).
func sourceOf(src []byte, pos spec.Pos) []byte {
	if pos.File == "" {
		return src
	}
	data, err := includedFiles(pos.File)(filepath.Base(pos.File))
	if err != nil {
		return nil
	}
	return data
}

// where is "file:line:col" for a position of the spec file name or of a
// file it includes.
func where(name string, pos spec.Pos) string {
	if pos.File != "" {
		return pos.String()
	}
	return name + ":" + pos.String()
}
