package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mstage/mstage/frontend"
)

func runTargets(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("targets", "[--format text|json] FILE|-", stderr)
	format := fs.String("format", "text", "output format: text, or json (the result of --call=targets)")
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	if !checkFormat("targets", *format, stderr) {
		return exitUsage
	}
	s, src, name, ok := readSpec(pos[0], stdin, stderr)
	if !ok {
		return exitFail
	}
	if *format == "json" {
		return writeJSON(stdout, stderr, "targets", frontend.Targets(s, src))
	}
	def := s.DefaultTarget()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tDEFAULT\tDESCRIPTION\tLOCATION")
	for _, st := range s.Stages() {
		mark := ""
		if st.Name == def {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", st.Name, st.Kind, mark, oneLine(st.Description), where(name, st.Pos))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "mstage targets: %v\n", err)
		return exitFail
	}
	return exitOK
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
