package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mstage/mstage/spec"
)

// stdinName names a spec read from stdin in messages and results.
const stdinName = "<stdin>"

// readSource reads a spec file, or stdin for "-", and returns its name as
// messages show it.
func readSource(file string, stdin io.Reader) (string, []byte, error) {
	if file != "-" {
		data, err := os.ReadFile(file)
		return file, data, err
	}
	if stdin == nil {
		return stdinName, nil, errors.New("no stdin to read the spec from")
	}
	data, err := io.ReadAll(io.LimitReader(stdin, spec.MaxFileSize+1))
	if err != nil {
		return stdinName, nil, fmt.Errorf("reading stdin: %w", err)
	}
	return stdinName, data, nil
}

// readSpec is loadSpec for a file that may be "-" (stdin). It returns the
// name the spec is known by.
func readSpec(file string, stdin io.Reader, stderr io.Writer) (*spec.Spec, []byte, string, bool) {
	name, src, err := readSource(file, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "mstage: %v\n", err)
		return nil, nil, name, false
	}
	s, err := spec.Load(name, src, includedFiles(name))
	if err != nil {
		printError(stderr, src, err)
		return nil, src, name, false
	}
	return s, src, name, true
}

// checkFormat reports an unknown --format on stderr.
func checkFormat(cmd, format string, stderr io.Writer) bool {
	if format == "text" || format == "json" {
		return true
	}
	fmt.Fprintf(stderr, "mstage %s: unknown format %q; expected text or json\n", cmd, format)
	return false
}

// writeJSON writes v as indented JSON, as buildx prints --call results
// with format=json.
func writeJSON(stdout, stderr io.Writer, cmd string, v any) int {
	dt, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "mstage %s: %v\n", cmd, err)
		return exitFail
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", dt); err != nil {
		return exitFail
	}
	return exitOK
}
