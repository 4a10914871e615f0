package spec

import (
	"regexp"
	"strings"
)

// A reference to a stage (builder, from, a copy's or a bind mount's
// artifact or stage) may name the stage through ${VAR}, as a Dockerfile's
// FROM base-$TARGETARCH does: the plan expands it for the platform the
// stage is built for. Before that, a reference with a variable stands for
// every stage whose name it could expand to (its candidates), so that the
// stage graph, its cycles and its limits hold for every platform.

var refVariable = regexp.MustCompile(`\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)`)

// IsRefPattern reports whether a stage reference holds a variable.
func IsRefPattern(name string) bool { return strings.Contains(name, "$") }

// refMatcher matches the names a reference with variables may expand to:
// its literal parts, in order, with anything in place of each variable.
type refMatcher []string

func newRefMatcher(pattern string) refMatcher {
	return refMatcher(refVariable.Split(pattern, -1))
}

func (m refMatcher) matches(name string) bool {
	if len(m) == 1 {
		return name == m[0]
	}
	first, last := m[0], m[len(m)-1]
	if len(name) < len(first)+len(last) || !strings.HasPrefix(name, first) || !strings.HasSuffix(name, last) {
		return false
	}
	rest := name[len(first) : len(name)-len(last)]
	for _, part := range m[1 : len(m)-1] {
		i := strings.Index(rest, part)
		if i < 0 {
			return false
		}
		rest = rest[i+len(part):]
	}
	return true
}

// refPatterns returns the references with variables of stages, each once,
// in file order.
func refPatterns(stages []*Stage) []String {
	var out []String
	seen := map[string]bool{}
	add := func(value string, pos Pos) {
		if IsRefPattern(value) && !seen[value] {
			seen[value] = true
			out = append(out, String{Value: value, Pos: pos})
		}
	}
	for _, st := range stages {
		add(st.Builder, st.At("builder"))
		add(st.From, st.At("from"))
		eachCopy(st, func(c *Copy) {
			add(c.Artifact, c.At("artifact"))
			add(c.Stage, c.At("stage"))
		})
		for _, step := range st.Steps {
			for _, m := range step.Mounts {
				add(m.Artifact, m.At("artifact"))
				add(m.Stage, m.At("stage"))
			}
		}
	}
	return out
}

func eachCopy(st *Stage, fn func(*Copy)) {
	for _, step := range st.Steps {
		if step.Copy != nil {
			fn(step.Copy)
		}
	}
	for _, c := range st.Copy {
		fn(c)
	}
}

// refCandidates maps each of the first MaxRefPatterns references with
// variables of stages to the names of the stages it may expand to, in file
// order. Validation rejects a spec with more patterns.
func refCandidates(stages []*Stage) map[string][]string {
	patterns := refPatterns(stages)
	out := make(map[string][]string, min(len(patterns), MaxRefPatterns))
	for i, p := range patterns {
		if i == MaxRefPatterns {
			break
		}
		m := newRefMatcher(p.Value)
		names := []string{}
		for _, st := range stages {
			if m.matches(st.Name) {
				names = append(names, st.Name)
			}
		}
		out[p.Value] = names
	}
	return out
}

// RefNames returns the names a stage reference stands for: the name
// itself, or for a reference with variables every stage name it may
// expand to.
func (s *Spec) RefNames(name string) []string {
	if !IsRefPattern(name) {
		return []string{name}
	}
	if s.refs != nil {
		return s.refs[name] // none beyond MaxRefPatterns, which validation rejects
	}
	m := newRefMatcher(name)
	var names []string
	for _, st := range s.Stages() {
		if m.matches(st.Name) {
			names = append(names, st.Name)
		}
	}
	return names
}
