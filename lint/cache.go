package lint

import (
	"strings"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// fetchCommand returns the dependency fetch in a run command, such as
// "npm ci", or "".
func fetchCommand(cmd string) string {
	segments := strings.FieldsFunc(cmd, func(r rune) bool { return r == ';' || r == '&' || r == '|' || r == '\n' })
	for _, seg := range segments {
		f := strings.Fields(seg)
		if len(f) > 0 && strings.Contains(f[0], "=") { // VAR=value cmd
			f = f[1:]
		}
		if f := fetchIn(f); f != "" {
			return f
		}
	}
	return ""
}

func fetchIn(f []string) string {
	if len(f) < 2 {
		return ""
	}
	onlyFlags := func(rest []string) bool {
		for _, a := range rest {
			if !strings.HasPrefix(a, "-") {
				return false
			}
		}
		return true
	}
	cmd := strings.Join(f[:2], " ")
	switch cmd {
	case "go mod":
		if len(f) > 2 && f[2] == "download" {
			return "go mod download"
		}
	case "npm ci", "cargo fetch", "bundle install", "composer install":
		return cmd
	case "npm install", "npm i", "yarn install", "pnpm install":
		if onlyFlags(f[2:]) {
			return cmd
		}
	case "pip install", "pip3 install":
		for _, a := range f[2:] {
			if a == "-r" || strings.HasPrefix(a, "--requirement") {
				return cmd + " -r"
			}
		}
	}
	return ""
}

func (l *linter) copyOrderDefeatsCache() {
	for _, st := range append(append([]*spec.Stage{}, l.s.Builders...), l.s.Artifacts...) {
		if plan.FetchesFirst(l.s, st) {
			continue // the build fetches before the copy
		}
		var wholeCopy *spec.Step
		for _, step := range st.Steps {
			if step.Copy != nil && wholeCopy == nil && plan.CopiesWholeContext(step.Copy) {
				wholeCopy = step
				continue
			}
			if wholeCopy == nil || step.Run == nil {
				continue
			}
			fetch := fetchCommand(commandText(step.Run))
			if fetch == "" {
				continue
			}
			l.report(wholeCopy.Pos, "%s %q copies the whole context before %q (line %d), so any source change refetches every dependency; copy the dependency manifests first, run %q, then copy the rest%s",
				st.Kind, st.Name, fetch, step.Pos.Line, fetch, presetHint(fetch))
			break
		}
	}
}

func presetHint(fetch string) string {
	if fetch == "go mod download" {
		return " (or use preset: go, which does this for you)"
	}
	return ""
}
