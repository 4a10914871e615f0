package main

import (
	"fmt"
	"io"

	"github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/spec"
)

func runLint(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lint", "FILE [--strict] [--build-arg K=V]... [--target T]", stderr)
	strict := fs.Bool("strict", false, "exit 1 when there are warnings")
	target := fs.String("target", "", "stage that will be built (counts as reachable)")
	var buildArgs multiFlag
	fs.Var(&buildArgs, "build-arg", "build arg K=V that will be passed (repeatable)")
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	file := pos[0]
	s, src, ok := loadSpec(file, stderr)
	if !ok {
		return exitFail
	}
	findings := lint.Run(s, lint.Options{BuildArgs: keyValues(buildArgs), Target: *target})
	warnings := 0
	for _, f := range findings {
		if f.Level == lint.LevelWarning {
			warnings++
		}
		fmt.Fprintf(stdout, "%s:%s: [%s] %s: %s\n", file, f.Pos, f.Rule.Name, f.Level, f.Msg)
		fmt.Fprint(stdout, spec.Snippet(src, &spec.Error{Pos: f.Pos}))
	}
	if *strict && warnings > 0 {
		return exitFail
	}
	return exitOK
}
