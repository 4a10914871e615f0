package lint

import (
	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// Facts of a stage that depend on the stages it extends through from are
// computed once per stage and kept, so that rules that look at the chain of
// every stage cost time linear in the number of stages, not quadratic (or
// cubic, for runtimes whose chains copy artifacts whose builders have
// chains).

// chainKey names one fact of one stage.
type chainKey struct {
	st   *spec.Stage
	fact string
}

type inheritedValue struct {
	value string
	by    *spec.Stage
}

// parent returns the stage st extends, or nil.
func (l *linter) parent(st *spec.Stage) *spec.Stage {
	if st.From == "" {
		return nil
	}
	p := l.s.Stage(st.From)
	if p == st {
		return nil
	}
	return p
}

// inherited returns the first non-empty value of field along st's chain and
// the stage that set it. fact names field: the result is kept per stage and
// fact.
func (l *linter) inherited(st *spec.Stage, fact string, field func(*spec.Stage) string) (string, *spec.Stage) {
	if l.inheritedMemo == nil {
		l.inheritedMemo = map[chainKey]inheritedValue{}
	}
	// Walk up until a stage sets the value or its result is known, then
	// give every stage walked that result. A cycle (rejected by Parse) or a
	// chain longer than the spec ends the walk.
	var path []*spec.Stage
	result := inheritedValue{}
	for c := st; c != nil && len(path) <= len(l.s.Builders)+len(l.s.Runtimes); c = l.parent(c) {
		if known, ok := l.inheritedMemo[chainKey{c, fact}]; ok {
			result = known
			break
		}
		path = append(path, c)
		if v := field(c); v != "" {
			result = inheritedValue{v, c}
			break
		}
	}
	for _, c := range path {
		l.inheritedMemo[chainKey{c, fact}] = result
	}
	return result.value, result.by
}

// anyAlong reports whether pred holds for a stage of st's chain, kept per
// stage and fact.
func (l *linter) anyAlong(st *spec.Stage, fact string, pred func(*spec.Stage) bool) bool {
	v, _ := l.inherited(st, fact, func(c *spec.Stage) string {
		if pred(c) {
			return "yes"
		}
		return ""
	})
	return v != ""
}

// copiedArtifacts is what the copies of a runtime's chain take from
// artifacts: how many copies, and whether every artifact is static.
type copiedArtifacts struct {
	count  int
	static bool
}

// chainArtifacts returns the copiedArtifacts of st's chain, kept per stage.
func (l *linter) chainArtifacts(st *spec.Stage) copiedArtifacts {
	if l.artifactsMemo == nil {
		l.artifactsMemo = map[*spec.Stage]copiedArtifacts{}
	}
	var path []*spec.Stage
	seen := map[*spec.Stage]bool{}
	acc := copiedArtifacts{static: true}
	for c := st; c != nil && !seen[c]; c = l.parent(c) {
		if known, ok := l.artifactsMemo[c]; ok {
			acc = known
			break
		}
		seen[c] = true
		path = append(path, c)
	}
	// Fold from the far end of the chain back to st.
	for i := len(path) - 1; i >= 0; i-- {
		c := path[i]
		for _, cp := range copies(c) {
			if cp.Artifact == "" {
				continue
			}
			acc.count++
			if a := l.s.Stage(cp.Artifact); a == nil || !l.isStatic(a) {
				acc.static = false
			}
		}
		l.artifactsMemo[c] = acc
	}
	return acc
}

// presetOf is the preset builder names, its own or inherited, or nil.
func (l *linter) presetOf(builder *spec.Stage) *preset.Preset {
	if builder == nil {
		return nil
	}
	name, _ := l.inherited(builder, "preset", func(s *spec.Stage) string { return s.Preset })
	p, _ := preset.Lookup(name)
	return p
}
