package main

import (
	"fmt"
	"io"

	"github.com/mstage/mstage/schema"
)

func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("schema", "", stderr)
	if _, err := parseArgs(fs, args, 0, 0, ""); err != nil {
		return usageExit(err)
	}
	out, err := schema.Generate()
	if err != nil {
		fmt.Fprintf(stderr, "mstage schema: %v\n", err)
		return exitFail
	}
	if _, err := stdout.Write(out); err != nil {
		return exitFail
	}
	return exitOK
}
