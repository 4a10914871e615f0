package lint

import (
	"regexp"
	"strings"

	"github.com/mstage/mstage/spec"
)

// builderOf returns the builder an artifact's steps run in.
func (l *linter) builderOf(artifact *spec.Stage) *spec.Stage {
	if artifact.Builder == "" {
		return nil
	}
	return l.s.Stage(artifact.Builder)
}

// runtimeBase returns the base image of a runtime through its from chain,
// and the stage that names it.
func (l *linter) runtimeBase(rt *spec.Stage) (string, *spec.Stage) {
	img, by := l.inherited(rt, "image", func(s *spec.Stage) string { return s.Image })
	if img == "" {
		return "scratch", nil
	}
	return img, by
}

// copies returns every copy of a stage: its copy steps and, for runtimes,
// its copy entries.
func copies(st *spec.Stage) []*spec.Copy {
	var out []*spec.Copy
	for _, step := range st.Steps {
		if step.Copy != nil {
			out = append(out, step.Copy)
		}
	}
	return append(out, st.Copy...)
}

var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// referencedVars returns the names of the variables s references as $NAME
// or ${NAME...}.
func referencedVars(s string) []string {
	var out []string
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// commandText returns a run command as one string.
func commandText(c *spec.Command) string {
	if c == nil {
		return ""
	}
	if c.IsShell() {
		return c.Shell
	}
	return strings.Join(c.Args, " ")
}
