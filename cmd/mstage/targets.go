package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

func runTargets(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("targets", "FILE", stderr)
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	s, _, ok := loadSpec(pos[0], stderr)
	if !ok {
		return exitFail
	}
	def := s.DefaultTarget()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tDEFAULT\tDESCRIPTION\tLOCATION")
	for _, st := range s.Stages() {
		mark := ""
		if st.Name == def {
			mark = "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s:%s\n", st.Name, st.Kind, mark, oneLine(st.Description), pos[0], st.Pos)
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
