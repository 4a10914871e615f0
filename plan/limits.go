package plan

import (
	"fmt"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// admits reports whether a stage's or a step's platforms list admits p,
// the platform the stage is built for; an empty list admits every one. The
// placeholder build platform of lint and outline is admitted: what it
// stands for is not known.
func admits(list []spec.String, p ocispecs.Platform) bool {
	if len(list) == 0 || p.Architecture == PlaceholderBuildPlatform().Architecture {
		return true
	}
	for _, s := range list {
		lp, err := platforms.Parse(s.Value)
		if err == nil && platforms.NewMatcher(platforms.Normalize(lp)).Match(platforms.Normalize(p)) {
			return true
		}
	}
	return false
}

// checkLimited rejects building st for builtFor when its platforms do not
// list it. The error points at the reference that needs the stage (pos),
// or at the list itself for the target.
func (r *resolver) checkLimited(st *spec.Stage, builtFor ocispecs.Platform, pos spec.Pos) error {
	if admits(st.Platforms, builtFor) {
		return nil
	}
	var listed []string
	for _, s := range st.Platforms {
		listed = append(listed, s.Value)
	}
	where := fmt.Sprintf(" (its platforms at %s)", st.At("platforms"))
	if !pos.IsValid() {
		pos, where = st.At("platforms"), ""
	}
	return r.errorAt(pos, fmt.Sprintf("%s %q is limited to %s%s, so it cannot be built for %s", st.Kind, st.Name, strings.Join(listed, ", "), where, platforms.FormatAll(builtFor)),
		"a --platform the stage lists, or a reference that picks a stage per platform, such as builder: base-${TARGETARCH}")
}

// stepsFor returns the steps that run when the stage is built for p: those
// without platforms, and those whose platforms list p.
func stepsFor(steps []*spec.Step, p ocispecs.Platform) []*spec.Step {
	out := steps[:0:0]
	for _, s := range steps {
		if admits(s.Platforms, p) {
			out = append(out, s)
		}
	}
	return out
}
