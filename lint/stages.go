package lint

import (
	"regexp"
	"strings"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// builderOf returns the builder an artifact's steps run in.
func (l *linter) builderOf(artifact *spec.Stage) *spec.Stage {
	if artifact.Builder == "" {
		return nil
	}
	return l.s.Stage(artifact.Builder)
}

// presetOf returns the preset of a builder, inherited through from.
func (l *linter) presetOf(builder *spec.Stage) *preset.Preset {
	if builder == nil {
		return nil
	}
	name, _ := l.inherited(builder, "preset", func(s *spec.Stage) string { return s.Preset })
	if name == "" {
		return nil
	}
	p, _ := preset.Lookup(name)
	return p
}

func (l *linter) crossCompiles(builder *spec.Stage) bool {
	p := l.presetOf(builder)
	return p != nil && p.CrossCompiles
}

// builderPlatform returns a builder's platform selector with its default
// applied: build, target, or a fixed os/arch.
func (l *linter) builderPlatform(builder *spec.Stage) string {
	if p, _ := l.inherited(builder, "platform", func(s *spec.Stage) string { return s.Platform }); p != "" {
		return p
	}
	if l.crossCompiles(builder) {
		return spec.PlatformBuild
	}
	return spec.PlatformTarget
}

// artifactPlatform returns an artifact's platform selector with its default
// applied.
func artifactPlatform(a *spec.Stage) string {
	switch {
	case a.Platform != "":
		return a.Platform
	case len(a.Outputs) > 0:
		return spec.PlatformTarget
	default:
		return spec.PlatformBuild
	}
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

// deps returns the names of the stages st uses directly.
func deps(st *spec.Stage) []string {
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			if n != "" {
				out = append(out, n)
			}
		}
	}
	add(st.From, st.Builder)
	for _, n := range st.Needs {
		add(n.Value)
	}
	for _, c := range copies(st) {
		add(c.Artifact, c.Stage)
	}
	for _, step := range st.Steps {
		for _, m := range step.Mounts {
			add(m.Artifact, m.Stage)
		}
	}
	return out
}

// isMainContext reports whether c copies from the main build context.
func isMainContext(c *spec.Copy) bool {
	return c.Artifact == "" && c.Stage == "" && c.Image == "" && c.Context == ""
}

// copiesWholeContext reports whether c copies the whole main build context.
func copiesWholeContext(c *spec.Copy) bool {
	if !isMainContext(c) {
		return false
	}
	if len(c.Src) == 0 {
		return true
	}
	for _, s := range c.Src {
		switch strings.TrimSpace(s.Value) {
		case "", ".", "./", "/", "*", "./*", "/*":
			return true
		}
	}
	return false
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

// referencesTargetPlatform reports whether any run step of st uses a
// TARGET* variable, which means it selects the target platform itself
// (cross-compiles by hand).
func referencesTargetPlatform(st *spec.Stage) bool {
	for _, step := range st.Steps {
		for _, v := range referencedVars(commandText(step.Run)) {
			if strings.HasPrefix(v, "TARGET") {
				return true
			}
		}
	}
	return false
}
