package plan

import (
	"path"
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// needs resolves the stages in needs and records them as gates of the
// current build. An artifact built for the target that is needed is
// guarded too: its outputs are checked although they are not copied.
func (r *resolver) needs(in *Instance, tp ocispecs.Platform) error {
	for _, n := range in.Stage.Needs {
		need, err := r.stageAt(n.Value, tp, n.Pos)
		if err != nil {
			return err
		}
		if r.gateSeen[need] {
			continue
		}
		r.gateSeen[need] = true
		r.current.Gates = append(r.current.Gates, need)
		if need.Guarded() && artifactSelector(need.Stage) != spec.PlatformBuild {
			r.needGuards = append(r.needGuards, Guard{
				Instance: need, Pos: need.Stage.At("outputs"), Paths: outputPaths(need.Stage), Platform: need.BuiltFor,
			})
		}
	}
	return nil
}

// targetGuards are the guards a build runs: a runtime's copies, or an
// artifact target's own outputs, then those of the artifacts it needs.
func targetGuards(target *Instance, needGuards []Guard) []Guard {
	var guards []Guard
	switch {
	case target.Kind() == spec.KindRuntime:
		guards = slices.Clone(target.Guards)
	case target.Guarded():
		guards = append(guards, Guard{
			Instance: target, Pos: target.Stage.At("outputs"), Paths: outputPaths(target.Stage), Platform: target.BuiltFor,
		})
	}
	for _, g := range needGuards {
		if !slices.ContainsFunc(guards, func(h Guard) bool { return h.Instance.Name() == g.Instance.Name() }) {
			guards = append(guards, g)
		}
	}
	return guards
}

// OutputPath is where an output lands in the artifact's filesystem: at the
// root by its base name, or the root itself for a directory's contents.
func OutputPath(o string) string {
	if strings.HasSuffix(o, "/") {
		return "/"
	}
	return "/" + path.Base(o)
}

// outputPaths are the paths the arch guard checks in an artifact's
// filesystem; "/" means every file.
func outputPaths(a *spec.Stage) []string {
	var paths []string
	for _, o := range a.Outputs {
		p := OutputPath(o.Value)
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	return paths
}
