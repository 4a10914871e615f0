package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// flagCollector is passed to a command as its stderr to learn its flags
// without running it: parseArgs hands it the command's flag set instead of
// parsing.
type flagCollector struct {
	fs      *flag.FlagSet
	posName string
}

func (*flagCollector) Write(p []byte) (int, error) { return len(p), nil }

// flagInfo describes one flag of a command for completion.
type flagInfo struct {
	name  string
	value bool // takes a value
	usage string
}

// commandFlags returns the flags of a command, sorted by name, and what its
// positional arguments are (FILE, DIR, ...).
func commandFlags(cmd command) ([]flagInfo, string) {
	if cmd.run == nil {
		return nil, "COMMAND"
	}
	fc := &flagCollector{}
	cmd.run(nil, io.Discard, fc)
	if fc.fs == nil {
		return nil, ""
	}
	var out []flagInfo
	fc.fs.VisitAll(func(f *flag.Flag) {
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		out = append(out, flagInfo{name: f.Name, value: !ok || !b.IsBoolFlag(), usage: f.Usage})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, fc.posName
}

func dashes(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func runCompletion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("completion", "bash|zsh|fish", stderr)
	pos, err := parseArgs(fs, args, 1, 1, "SHELL")
	if err != nil {
		return usageExit(err)
	}
	cmds := commands(nil)
	switch pos[0] {
	case "bash":
		writeBash(stdout, cmds)
	case "zsh":
		writeZsh(stdout, cmds)
	case "fish":
		writeFish(stdout, cmds)
	default:
		fmt.Fprintf(stderr, "mstage completion: unknown shell %q; expected bash, zsh or fish\n", pos[0])
		return exitUsage
	}
	return exitOK
}

// fileArgs reports whether a command's positional arguments are paths.
func fileArgs(posName string) bool {
	switch posName {
	case "FILE", "DIR", "CONTEXT":
		return true
	}
	return false
}

func writeBash(w io.Writer, cmds map[string]command) {
	names := commandNames(cmds)
	fmt.Fprintf(w, `# bash completion for mstage; load with: source <(mstage completion bash)
_mstage() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		COMPREPLY=($(compgen -W "%s --help --version" -- "$cur"))
		return
	fi
	local flags="" valued="" args=""
	case "${COMP_WORDS[1]}" in
`, strings.Join(names, " "))
	for _, n := range names {
		flags, posName := commandFlags(cmds[n])
		var all, valued []string
		for _, f := range flags {
			all = append(all, dashes(f.name))
			if f.value {
				valued = append(valued, dashes(f.name))
			}
		}
		args := ""
		switch n {
		case "help":
			args = strings.Join(names, " ")
		case "completion":
			args = "bash zsh fish"
		}
		if !fileArgs(posName) && args == "" {
			args = " " // no file completion
		}
		fmt.Fprintf(w, "\t%s) flags=%q valued=%q args=%q ;;\n", n, strings.Join(all, " "), strings.Join(valued, " "), args)
	}
	fmt.Fprint(w, `	esac
	case " $valued " in
	*" $prev "*)
		local formats="text json"
		[ "${COMP_WORDS[1]}" = graph ] && formats="mermaid dot"
		[ "$prev" = --format ] && COMPREPLY=($(compgen -W "$formats" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$flags --help" -- "$cur"))
	elif [ -n "$args" ]; then
		COMPREPLY=($(compgen -W "$args" -- "$cur"))
	fi
}
complete -o default -F _mstage mstage
`)
}

func writeZsh(w io.Writer, cmds map[string]command) {
	names := commandNames(cmds)
	fmt.Fprint(w, `#compdef mstage
# zsh completion for mstage; load with: source <(mstage completion zsh)
_mstage() {
	local -a commands
	commands=(
`)
	for _, n := range names {
		fmt.Fprintf(w, "\t\t%s\n", zshQuote(n+":"+cmds[n].summary))
	}
	fmt.Fprint(w, `	)
	if (( CURRENT == 2 )); then
		_describe 'command' commands
		return
	fi
	local -a specs
	case $words[2] in
`)
	for _, n := range names {
		flags, posName := commandFlags(cmds[n])
		var specs []string
		for _, f := range flags {
			desc := strings.NewReplacer("[", "(", "]", ")").Replace(f.usage)
			spec := dashes(f.name) + "[" + desc + "]"
			if f.value {
				spec += ":" + f.name + ":"
				if f.name == "f" {
					spec += "_files"
				}
			}
			specs = append(specs, zshQuote(spec))
		}
		switch {
		case n == "help":
			specs = append(specs, zshQuote("1:command:("+strings.Join(names, " ")+")"))
		case n == "completion":
			specs = append(specs, zshQuote("1:shell:(bash zsh fish)"))
		case fileArgs(posName):
			specs = append(specs, zshQuote("*:"+strings.ToLower(posName)+":_files"))
		}
		fmt.Fprintf(w, "\t%s) specs=(%s) ;;\n", n, strings.Join(specs, " "))
	}
	fmt.Fprint(w, `	esac
	shift words
	(( CURRENT-- ))
	_arguments -s $specs
}
if [ "$funcstack[1]" = "_mstage" ]; then
	_mstage "$@"
else
	compdef _mstage mstage
fi
`)
}

func zshQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func writeFish(w io.Writer, cmds map[string]command) {
	names := commandNames(cmds)
	fmt.Fprintln(w, "# fish completion for mstage; load with: mstage completion fish | source")
	fmt.Fprintf(w, "complete -c mstage -n __fish_use_subcommand -l help -d 'show help'\n")
	fmt.Fprintf(w, "complete -c mstage -n __fish_use_subcommand -l version -d 'print the version'\n")
	for _, n := range names {
		fmt.Fprintf(w, "complete -c mstage -f -n __fish_use_subcommand -a %s -d %s\n", n, fishQuote(cmds[n].summary))
	}
	for _, n := range names {
		cond := "'__fish_seen_subcommand_from " + n + "'"
		flags, posName := commandFlags(cmds[n])
		for _, f := range flags {
			opt := "-l " + f.name
			if len(f.name) == 1 {
				opt = "-s " + f.name
			}
			if f.value {
				opt += " -r"
			}
			fmt.Fprintf(w, "complete -c mstage -n %s %s -d %s\n", cond, opt, fishQuote(f.usage))
		}
		switch {
		case n == "help":
			fmt.Fprintf(w, "complete -c mstage -f -n %s -a %s\n", cond, fishQuote(strings.Join(names, " ")))
		case n == "completion":
			fmt.Fprintf(w, "complete -c mstage -f -n %s -a 'bash zsh fish'\n", cond)
		case !fileArgs(posName):
			fmt.Fprintf(w, "complete -c mstage -f -n %s\n", cond)
		}
	}
}

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
