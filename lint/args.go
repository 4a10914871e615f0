package lint

import (
	"sort"
	"strings"

	"github.com/mstage/mstage/spec"
)

// builtinArg reports whether BuildKit accepts a build arg without a
// declaration: proxies, SOURCE_DATE_EPOCH and BUILDKIT_* settings.
func builtinArg(name string) bool {
	switch strings.ToUpper(name) {
	case "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY", "SOURCE_DATE_EPOCH":
		return true
	}
	return strings.HasPrefix(name, "BUILDKIT_")
}

func (l *linter) unusedArg() {
	used := l.s.ArgsUsedBy(l.s.Stages())
	for _, a := range l.s.Args {
		// A file shared through include offers args a spec may not use.
		if !used[a.Name] && !builtinArg(a.Name) && a.Pos.File == "" {
			l.report(a.Pos, "arg %s is declared but never referenced as $%s or ${%s}; remove it or use it", a.Name, a.Name, a.Name)
		}
	}
}

func (l *linter) undeclaredBuildArg() {
	var declared []string
	for _, a := range l.s.Args {
		declared = append(declared, a.Name)
	}
	var names []string
	for k := range l.opt.BuildArgs {
		if !contains(declared, k) && !builtinArg(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	pos := l.s.At("args")
	for _, n := range names {
		msg := "--build-arg " + n + " is not declared in args, so nothing uses it"
		if c := spec.Suggest(n, declared); c != "" {
			msg += "; did you mean " + c + "?"
		}
		l.report(pos, "%s", msg)
	}
}
