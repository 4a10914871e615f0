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
// environment, it copies no image or named context (those are fetched for
// the target), and what it starts from and reads is the same too.
func (in *Instance) SameForEveryTarget() bool {
	return in.sameForEveryTarget
}

// sameForEveryTarget works out SameForEveryTarget from the stage as written.
func sameForEveryTarget(in *Instance, written *spec.Stage) bool {
	if in.Kind() == spec.KindRuntime || len(in.TargetEnv) > 0 || namesTarget(reflect.ValueOf(written)) {
		return false
	}
	if in.Base != nil && !in.Base.sameForEveryTarget {
		return false
	}
	for _, st := range in.Steps {
		if !readsSameForEveryTarget(st) {
			return false
		}
	}
	return true
}

// stepsKey identifies the instances of a stage whose shared steps are one
// build: the same stage on the same base, run on the same platform.
type stepsKey struct {
	name   string
	base   *Instance
	runsOn platformKey
}

// sharedSteps works out Instance.SharedSteps: the leading native steps of an
// instance built per target platform whose base is the same for every
// target, when neither the stage's own settings, nor those steps, nor the
// spec's args (which the steps' variables expand from) name a TARGET*
// variable, and what the steps copy or mount is the same for every target.
// The target's environment is set only after them, so they are the same
// ops whatever the target.
func sharedSteps(in *Instance, written *spec.Stage, src *spec.Spec) int {
	if in.sameForEveryTarget || in.Kind() == spec.KindRuntime || in.Base == nil || !in.Base.sameForEveryTarget {
		return 0
	}
	n := 0
	for n < len(in.Steps) && in.Steps[n].Native {
		n++
	}
	if n == 0 {
		return 0
	}
	settings := *written
	settings.Steps = nil
	if namesTarget(reflect.ValueOf(&settings)) || namesTarget(reflect.ValueOf(src.Args)) {
		return 0
	}
	for _, st := range in.Steps[:n] {
		if namesTarget(reflect.ValueOf(st.Spec)) || !readsSameForEveryTarget(st) {
			return 0
		}
	}
	return n
}

// readsSameForEveryTarget reports whether what a step copies and mounts is
// the same for every target: no image or named context (those are fetched
// for the target), and stages that are the same for every target.
func readsSameForEveryTarget(st Step) bool {
	if cp := st.Spec.Copy; cp != nil && (cp.Image != "" || cp.Context != "") {
		return false
	}
	if st.Source != nil && !st.Source.sameForEveryTarget {
		return false
	}
	for _, m := range st.Mounts {
		if m.Spec != nil && m.Spec.Context != "" || m.Source != nil && !m.Source.sameForEveryTarget {
			return false
		}
	}
	return true
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
