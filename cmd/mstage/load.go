package main

import (
	"errors"
	"fmt"
	"io"
	"os"

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
	s, err := spec.Parse(file, src)
	if err != nil {
		printError(stderr, src, err)
		return nil, src, false
	}
	return s, src, true
}

// printError prints err; errors positioned in the spec get the line they
// point at, with a caret.
func printError(w io.Writer, src []byte, err error) {
	var list spec.ErrorList
	var one *spec.Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
			fmt.Fprint(w, spec.Snippet(src, e))
		}
	case errors.As(err, &one):
		fmt.Fprintln(w, one.Error())
		fmt.Fprint(w, spec.Snippet(src, one))
	default:
		fmt.Fprintln(w, err)
	}
}
