package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/frontend"
	"github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/spec"
)

func runLint(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("lint", "[--strict] [--format text|json] [--target T] [--platform P,...] [--build-arg K=V]... FILE|-...", stderr)
	strict := fs.Bool("strict", false, "exit 3 when there are warnings")
	format := fs.String("format", "text", "output format: text, or json (the result of --call=check, one document per file)")
	target := fs.String("target", "", "stage that will be built (default: the spec's default target)")
	platform := fs.String("platform", "", "comma-separated platforms the build is for (default: the spec's platforms)")
	var buildArgs multiFlag
	fs.Var(&buildArgs, "build-arg", "build arg `K=V` that will be passed (repeatable)")
	files, err := parseArgs(fs, args, 1, -1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	if !checkFormat("lint", *format, stderr) {
		return exitUsage
	}
	opt := lint.Options{BuildArgs: keyValues(buildArgs), Target: *target}
	if *platform != "" {
		if opt.Platforms, err = platformList(*platform); err != nil {
			fmt.Fprintf(stderr, "mstage lint: --platform: %v\n", err)
			return exitUsage
		}
	}
	invalid, warned := false, false
	for _, file := range files {
		var bad, warn bool
		if *format == "json" {
			bad, warn = lintJSON(file, stdin, opt, stdout, stderr)
		} else {
			bad, warn = lintText(file, stdin, opt, stdout, stderr)
		}
		invalid = invalid || bad
		warned = warned || warn
	}
	switch {
	case invalid:
		return exitFail
	case *strict && warned:
		return exitWarnings
	}
	return exitOK
}

// lintText lints one file, printing findings on stdout and what makes the
// file invalid on stderr.
func lintText(file string, stdin io.Reader, opt lint.Options, stdout, stderr io.Writer) (invalid, warned bool) {
	name, src, err := readSource(file, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "mstage: %v\n", err)
		return true, false
	}
	opt.Files = includedFiles(name)
	_, findings, err := lint.File(name, src, opt)
	if err != nil && findings == nil {
		printError(stderr, src, err)
		return true, false
	}
	nwarn := 0
	for _, f := range findings {
		if f.Level == lint.LevelWarning {
			nwarn++
		}
		fmt.Fprintf(stdout, "%s: [%s] %s: %s\n", where(name, f.Pos), f.Rule.Name, f.Level, f.Msg)
		fmt.Fprint(stdout, spec.Snippet(sourceOf(src, f.Pos), &spec.Error{Pos: f.Pos}))
	}
	if err != nil {
		// The check directive has error=true: a build fails on the
		// warnings printed above.
		fmt.Fprintf(stderr, "%s: %d lint warning(s) fail the build: check error=true\n", name, nwarn)
		return true, true
	}
	return false, nwarn > 0
}

// lintJSON lints one file and prints the frontend's answer to --call=check.
func lintJSON(file string, stdin io.Reader, opt lint.Options, stdout, stderr io.Writer) (invalid, warned bool) {
	name, src, err := readSource(file, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "mstage: %v\n", err)
		return true, false
	}
	opt.Files = includedFiles(name)
	res := frontend.Lint(context.Background(), name, src, opt)
	if writeJSON(stdout, stderr, "lint", res) != exitOK {
		return true, false
	}
	return res.Error != nil, len(res.Warnings) > 0
}

// platformList parses a comma-separated --platform.
func platformList(s string) ([]ocispecs.Platform, error) {
	var out []ocispecs.Platform
	for _, p := range strings.Split(s, ",") {
		pl, err := parsePlatform(strings.TrimSpace(p))
		if err != nil {
			return nil, err
		}
		out = append(out, pl)
	}
	return out, nil
}
