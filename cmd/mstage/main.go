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
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit codes. Scripts and pre-commit hooks tell them apart: 1 is a spec a
// build would reject, 3 a valid spec with warnings under --strict.
const (
	exitOK       = 0
	exitFail     = 1 // the spec is invalid, or the command failed
	exitUsage    = 2 // a bad command line
	exitWarnings = 3 // lint --strict: the spec is valid but has warnings
)

type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

// commands returns the subcommands; those that read a spec from "-" read
// stdin.
func commands(stdin io.Reader) map[string]command {
	withStdin := func(f func(args []string, stdin io.Reader, stdout, stderr io.Writer) int) func([]string, io.Writer, io.Writer) int {
		return func(args []string, stdout, stderr io.Writer) int { return f(args, stdin, stdout, stderr) }
	}
	return map[string]command{
		"lint":       {"check specs for errors and for slow, large or unsafe patterns", withStdin(runLint)},
		"targets":    {"list the stages that can be built with --target", withStdin(runTargets)},
		"outline":    {"show the args, secrets, ssh, caches and platforms of a target", withStdin(runOutline)},
		"llb":        {"print the LLB of a target for one platform (for buildctl debug dump-llb, or --format json with gates and arch guards)", runLLB},
		"schema":     {"print the JSON schema of the spec format", runSchema},
		"graph":      {"draw the stage graph as mermaid or dot", runGraph},
		"init":       {"write a starter mstage.yaml for a project directory", runInit},
		"build":      {"build a target with a BuildKit daemon (BUILDKIT_HOST)", runBuild},
		"lock":       {"pin every image reference of a spec to its digest", runLock},
		"version":    {"print the version of mstage", runVersion},
		"completion": {"print a shell completion script for bash, zsh or fish", runCompletion},
		"help":       {"show the help of a command", nil}, // handled by run
	}
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands(stdin)
	if len(args) == 0 {
		usage(stderr, cmds)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout, cmds)
		return exitOK
	case "--version":
		return runVersion([]string{"--short"}, stdout, stderr)
	case "help":
		if len(args) == 1 {
			usage(stdout, cmds)
			return exitOK
		}
		if len(args) > 2 {
			fmt.Fprintf(stderr, "mstage help: unexpected argument %q\n", args[2])
			return exitUsage
		}
		if wantsHelp(args[1:]) {
			return help(cmds, "help", stdout, stderr)
		}
		return help(cmds, args[1], stdout, stderr)
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		unknownCommand(cmds, args[0], stderr)
		return exitUsage
	}
	if wantsHelp(args[1:]) {
		return help(cmds, args[0], stdout, stderr)
	}
	return cmd.run(args[1:], stdout, stderr)
}

// help prints the help of a command on stdout.
func help(cmds map[string]command, name string, stdout, stderr io.Writer) int {
	cmd, ok := cmds[name]
	if !ok {
		unknownCommand(cmds, name, stderr)
		return exitUsage
	}
	fmt.Fprintf(stdout, "mstage %s: %s\n\n", name, cmd.summary)
	if cmd.run == nil {
		fmt.Fprintln(stdout, "usage: mstage help [COMMAND]")
		return exitOK
	}
	// The command's flag set prints its usage where it reports errors;
	// asked for, help goes to stdout.
	cmd.run([]string{"-h"}, stdout, stdout)
	return exitOK
}

// wantsHelp reports whether a command line asks for help: -h, -help or
// --help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func unknownCommand(cmds map[string]command, name string, stderr io.Writer) {
	fmt.Fprintf(stderr, "mstage: unknown command %q\n", name)
	if s := spec.Suggest(name, commandNames(cmds)); s != "" {
		fmt.Fprintf(stderr, "did you mean %q?\n", s)
	}
	fmt.Fprintln(stderr, "run 'mstage help' for the list of commands")
}

func commandNames(cmds map[string]command) []string {
	var names []string
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "mstage works with mstage specs: lint, inspect and build them.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: mstage COMMAND [ARGS]")
	fmt.Fprintln(w, "       mstage --help | --version")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, n := range commandNames(cmds) {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "run 'mstage help COMMAND' or 'mstage COMMAND --help' for the flags of a command")
	fmt.Fprintln(w, "exit codes: 0 ok, 1 invalid spec or failure, 2 bad command line, 3 warnings with lint --strict")
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments, and checks the number of positional arguments. It
// reports a bad command line on the flag set's output.
// A negative maxPos allows any number.
func parseArgs(fs *flag.FlagSet, args []string, minPos, maxPos int, posName string) ([]string, error) {
	if fc, ok := fs.Output().(*flagCollector); ok {
		fc.fs, fc.posName = fs, posName
		return nil, flag.ErrHelp
	}
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
	case maxPos >= 0 && len(pos) > maxPos:
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
		printFlags(stderr, fs)
	}
	return fs
}

// printFlags is flag.PrintDefaults with the GNU spelling the usage lines
// use: --name for long flags, -n for one letter (Go's flag package accepts
// both).
func printFlags(w io.Writer, fs *flag.FlagSet) {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(&b, "  %s", dashes(f.Name))
		if typ != "" {
			fmt.Fprintf(&b, " %s", typ)
		}
		fmt.Fprintf(&b, "\n    \t%s", strings.ReplaceAll(usage, "\n", "\n    \t"))
		if d := f.DefValue; d != "" && d != "false" && d != "[]" {
			fmt.Fprintf(&b, " (default %q)", d)
		}
		b.WriteString("\n")
	})
	fmt.Fprint(w, b.String())
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
