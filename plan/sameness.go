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
// environment, it copies or mounts no image or named context (those are
// fetched for the target), and what it starts from and reads is the same
// too.
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
		if !readsSameForEveryTarget(st) {
			return false
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

// stepsKey identifies the instances of a stage whose shared steps are one
// build: the same stage on the same base, run on the same platform.
type stepsKey struct {
	name   string
	base   *Instance
	runsOn platformKey
}

// nativePrefix is how many leading steps of an instance built per target
// platform, on a base that every target shares, are native: the candidates
// for Instance.SharedSteps.
func nativePrefix(in *Instance) int {
	if in.sameForEveryTarget || in.Kind() == spec.KindRuntime || in.Base == nil || !in.Base.sameForEveryTarget {
		return 0
	}
	n := 0
	for n < len(in.Steps) && in.Steps[n].Native {
		n++
	}
	return n
}

// sameSteps reports whether the first n steps of in are the same ops as
// those of first, another instance of the same stage on the same base and
// run platform: the stage's settings and the steps as expanded are equal,
// the variables their commands get have the same values, and what they
// copy and mount is the same instance or the same for every target.
// Comparing the expanded values, not the written ones, is what proves it:
// a value that names a TARGET* variable, or an arg that does, differs
// there.
func sameSteps(first, in *Instance, n int) bool {
	if first.SharedSteps != n {
		return false
	}
	a, b := first.Stage, in.Stage
	if a.User != b.User || a.Workdir != b.Workdir || !reflect.DeepEqual(a.Env, b.Env) || !reflect.DeepEqual(a.Args, b.Args) {
		return false
	}
	for i := range n {
		if !sameStep(first, in, first.Steps[i], in.Steps[i]) {
			return false
		}
	}
	return true
}

func sameStep(first, in *Instance, x, y Step) bool {
	if x.Display != y.Display || x.Optional != y.Optional || x.Link != y.Link || len(x.Mounts) != len(y.Mounts) ||
		!reflect.DeepEqual(x.Spec, y.Spec) || !copiesSameOps(x) || !sameSource(x.Source, y.Source) {
		return false
	}
	for i, m := range x.Mounts {
		o := y.Mounts[i]
		if m.Type != o.Type || m.Target != o.Target || m.ID != o.ID || m.Sharing != o.Sharing || m.Preset != o.Preset ||
			!reflect.DeepEqual(m.Spec, o.Spec) || !sameSource(m.Source, o.Source) {
			return false
		}
	}
	if run := x.Spec.Run; run != nil {
		for _, kv := range spec.RunVars(run, first.Variables) {
			if v, ok := in.Variables[kv.Key]; !ok || v != kv.Value {
				return false
			}
		}
		for _, arg := range first.Stage.Args {
			if first.Variables[arg.Value] != in.Variables[arg.Value] {
				return false
			}
		}
	}
	return true
}

// sameSource reports whether two copy or mount sources give the same
// filesystem: the same instance, or instances of one stage on one run
// platform that do not depend on the target.
func sameSource(a, b *Instance) bool {
	if a == b {
		return true
	}
	return a != nil && b != nil && a.sameForEveryTarget && b.sameForEveryTarget && a.Name() == b.Name() && keyOf(a.RunsOn) == keyOf(b.RunsOn)
}

// markNativeCopies marks the copies before an artifact's first step that
// depends on the target native, when they read what is the same for every
// target: a copy does not see the environment, so the preset's target
// environment can be set after them without changing an op. Whether the
// targets can share them (a copy's paths may still name the target) is
// sameSteps' to say.
func markNativeCopies(steps []Step) {
	for i := range steps {
		st := &steps[i]
		if st.Native {
			continue
		}
		if st.Spec.Copy == nil || !copiesSameOps(*st) {
			return
		}
		st.Native = true
	}
}

// copiesSameOps reports whether a step's ops can be the same for every
// target: it reads what is the same for every target, and it copies or
// mounts no url or content, whose source op is made for the platform the
// stage is built for.
func copiesSameOps(st Step) bool {
	if cp := st.Spec.Copy; cp != nil && (cp.URL != "" || cp.Has("content")) {
		return false
	}
	for _, m := range st.Mounts {
		if m.Spec != nil && m.Spec.URL != "" {
			return false
		}
	}
	return readsSameForEveryTarget(st)
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
		if m.Spec != nil && (m.Spec.Context != "" || m.Spec.Image != "") || m.Source != nil && !m.Source.sameForEveryTarget {
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
