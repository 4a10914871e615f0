package plan

import (
	"reflect"
	"strings"

	"github.com/containerd/platforms"

	"github.com/mstage/mstage/spec"
)

// SameForEveryTarget reports whether the instance's LLB does not depend on
// the platform it is built for, so that the instances of a stage that run
// on the same platform are one build for every target: it is not a
// runtime, nothing in it names a TARGET* variable, no preset sets a target
// environment, it copies or mounts no image or named context (those are fetched for
// the target), and what it starts from and reads is the same too.
func (in *Instance) SameForEveryTarget() bool {
	return in.sameForEveryTarget
}

// sameForEveryTarget works out SameForEveryTarget from the stage as written.
func sameForEveryTarget(in *Instance, written *spec.Stage) bool {
	if in.Kind() == spec.KindRuntime || len(in.TargetEnv) > 0 || namesTarget(reflect.ValueOf(written)) || limitsSteps(written) {
		return false
	}
	if in.Base != nil && !in.Base.sameForEveryTarget {
		return false
	}
	for _, st := range in.Steps {
		if cp := st.Spec.Copy; cp != nil && (cp.Image != "" || cp.Context != "") {
			return false
		}
		if st.Source != nil && !st.Source.sameForEveryTarget {
			return false
		}
		for _, m := range st.Mounts {
			if m.Spec != nil && (m.Spec.Context != "" || m.Spec.Image != "") || m.Source != nil && !m.Source.sameForEveryTarget {
				return false
			}
		}
	}
	return true
}

// limitsSteps reports whether a step of st runs only for some platforms,
// so that its steps depend on the platform it is built for.
func limitsSteps(st *spec.Stage) bool {
	for _, s := range st.Steps {
		if len(s.Platforms) > 0 {
			return true
		}
	}
	return false
}

// namesTarget reports whether a string held in v mentions TARGET, as a
// TARGET* variable is written.
func namesTarget(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return !v.IsNil() && namesTarget(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && namesTarget(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if namesTarget(v.Index(i)) {
				return true
			}
		}
	case reflect.String:
		return strings.Contains(v.String(), "TARGET")
	}
	return false
}

// BuiltOnce reports whether the stage name, when p reaches it, is one
// build for all of p's target platforms: its instances run on one platform
// and are built for one platform, or do not depend on it.
func (p *Plan) BuiltOnce(name string) bool {
	builds := map[string]bool{}
	for _, in := range p.Instances {
		if in.Name() != name {
			continue
		}
		builtFor := platforms.FormatAll(in.BuiltFor)
		if in.sameForEveryTarget {
			builtFor = "any"
		}
		builds[platforms.FormatAll(in.RunsOn)+" "+builtFor] = true
	}
	return len(builds) == 1
}
