// Command mstage works with mstage specs outside BuildKit: it lints them,
// lists their targets, prints their LLB, schema and stage graph, writes a
// starter spec, and builds against a BuildKit daemon.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/mstage/mstage/spec"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and found errors (or warnings with --strict)
	exitUsage = 2
)

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"lint":    {"check a spec for slow, large or unsafe patterns", runLint},
		"targets": {"list the stages that can be built with --target", runTargets},
		"outline": {"show the args, secrets, ssh, caches and platforms of a target", runOutline},
		"llb":     {"print the LLB of a target for one platform (for buildctl debug dump-llb, or --format json with gates and arch guards)", runLLB},
		"schema":  {"print the JSON schema of the spec format", runSchema},
		"graph":   {"draw the stage graph as mermaid or dot", runGraph},
		"init":    {"write a starter mstage.yaml for a project directory", runInit},
		"build":   {"build a target with a BuildKit daemon (BUILDKIT_HOST)", runBuild},
		"lock":    {"pin every image reference of a spec to its digest", runLock},
	}
}

func run(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "mstage: unknown command %q\n", args[0])
		var names []string
		for n := range cmds {
			names = append(names, n)
		}
		if s := spec.Suggest(args[0], names); s != "" {
			fmt.Fprintf(stderr, "did you mean %q?\n", s)
		}
		fmt.Fprintln(stderr, "run 'mstage help' for the list of commands")
		return exitUsage
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: mstage COMMAND [ARGS]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "run 'mstage COMMAND -h' for the flags of a command")
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments, and checks the number of positional arguments. It
// reports a bad command line on the flag set's output.
func parseArgs(fs *flag.FlagSet, args []string, minPos, maxPos int, posName string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err // the flag package has printed it
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	var err error
	switch {
	case len(pos) < minPos:
		err = fmt.Errorf("missing %s", posName)
	case len(pos) > maxPos:
		err = fmt.Errorf("unexpected argument %q", pos[maxPos])
	}
	if err != nil {
		fmt.Fprintf(fs.Output(), "mstage %s: %v\n", fs.Name(), err)
		fs.Usage()
	}
	return pos, err
}

// newFlagSet returns a flag set that reports to stderr and shows synopsis
// in its usage message.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: mstage %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// usageExit returns the exit code for an error from parseArgs: -h is not
// an error.
func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// multiFlag collects a repeatable flag such as --build-arg.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// keyValues turns K=V flags into a map. A bare K takes its value from the
// environment, as docker build does.
func keyValues(list []string) map[string]string {
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			v, ok = os.LookupEnv(k)
			if !ok {
				continue
			}
		}
		out[k] = v
	}
	return out
}
