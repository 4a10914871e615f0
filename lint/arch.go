package lint

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// plans resolves, for each runtime, the plan of its build for the lint
// platforms. A runtime whose plan does not resolve is left out: building
// it fails with that error anyway.
func (l *linter) runtimePlans() []*plan.Plan {
	build := plan.PlaceholderBuildPlatform()
	if l.opt.BuildPlatform != nil {
		build = *l.opt.BuildPlatform
	}
	targets := l.opt.Platforms
	if len(targets) == 0 {
		for _, v := range l.s.Platforms {
			if p, err := platforms.Parse(v.Value); err == nil {
				targets = append(targets, p)
			}
		}
	}
	names := make([]string, 0, len(l.s.Runtimes))
	for _, rt := range l.s.Runtimes {
		names = append(names, rt.Name)
	}
	return plan.ResolveEach(plan.Request{Spec: l.s, TargetPlatforms: targets, BuildPlatform: build, BuildArgs: l.opt.BuildArgs}, names)
}

// wrongArchArtifact reports the artifacts whose files a runtime gets for
// another platform than the runtime's. It stays silent when unsure: the
// arch guard checks the files at build time.
func (l *linter) wrongArchArtifact() {
	reported := map[spec.Pos]bool{}
	for _, p := range l.runtimePlans() {
		for _, b := range p.Builds {
			for _, c := range artifactCopies(b.Target) {
				if reported[c.pos] {
					continue
				}
				if msg := l.archMismatch(p, b.Target, c.art); msg != "" {
					reported[c.pos] = true
					l.report(c.pos, "%s", msg)
				}
			}
		}
	}
}

type artifactCopy struct {
	art *plan.Instance
	pos spec.Pos
}

// artifactCopies are the artifacts a runtime copies itself, by its copy
// steps and its copy entries.
func artifactCopies(rt *plan.Instance) []artifactCopy {
	var out []artifactCopy
	for _, st := range rt.Steps {
		if st.Source != nil && st.Spec.Copy.Artifact != "" {
			out = append(out, artifactCopy{st.Source, st.Spec.Pos})
		}
	}
	for _, e := range rt.CopyEntries {
		if e.Source != nil && e.Copy.Artifact != "" {
			out = append(out, artifactCopy{e.Source, e.Copy.Pos})
		}
	}
	return out
}

// archMismatch explains why the files of art do not match runtime rt, or
// returns "".
func (l *linter) archMismatch(p *plan.Plan, rt, art *plan.Instance) string {
	a := art.Stage
	if a.ArchGuard != nil && !*a.ArchGuard || !nativeOutputs(a.Outputs) {
		return ""
	}
	want := rt.BuiltFor
	switch {
	case !platforms.Only(want).Match(art.BuiltFor):
		return fmt.Sprintf("runtime %q copies artifact %q, which is built for %s, so the %s image gets binaries for another architecture; build it with platform: target (its $TARGETARCH then follows the image), or set arch-guard: false on it if its outputs do not depend on the architecture",
			rt.Name(), a.Name, describe(p, art.BuiltFor), platforms.Format(want))
	case platforms.Only(want).Match(art.RunsOn):
		return ""
	case len(art.TargetEnv) > 0:
		return hostCompilerCall(rt, art, want)
	case selectsTarget(l.s.Stage(a.Name)), art.Preset != nil && art.Preset.PortableOutputs:
		return ""
	}
	return fmt.Sprintf("runtime %q copies artifact %q, which runs on %s in builder %q that does not cross-compile, so the %s image gets binaries for another architecture; use a cross-compiling preset, pass $TARGETARCH to the compiler (or set GOARCH and the like in env), or build the builder for the target (platform: target)",
		rt.Name(), a.Name, describe(p, art.RunsOn), a.Builder, platforms.Format(want))
}

// hostCompilerCall explains that an artifact cross-built with a preset
// calls a compiler that builds for the platform it runs on, or returns "".
func hostCompilerCall(rt, art *plan.Instance, want ocispecs.Platform) string {
	if art.Preset == nil {
		return ""
	}
	for _, st := range art.Steps {
		for _, c := range art.Preset.HostCompilers {
			if st.Preset == "" && plan.Mentions(st.Spec, []string{c}) {
				return fmt.Sprintf("runtime %q copies artifact %q, whose step at line %d calls %s, which builds for the platform it runs on, not for %s; the %s preset sets the target's compilers: use $CC or $CXX (make and CMake read them)",
					rt.Name(), art.Name(), st.Spec.Pos.Line, c, platforms.Format(want), art.Preset.Name)
			}
		}
	}
	return ""
}

func describe(p *plan.Plan, pl ocispecs.Platform) string {
	if platforms.Only(p.BuildPlatform).Match(pl) && platforms.Only(pl).Match(p.BuildPlatform) {
		return "the build platform"
	}
	return platforms.Format(pl)
}

// nativeOutputs reports whether some output looks like a native binary: a
// file without an extension, or a library or executable by its extension.
// JS bundles, jars, scripts and the like run anywhere, and a directory may
// hold anything: when unsure, the rule stays silent.
func nativeOutputs(outputs []spec.String) bool {
	return slices.ContainsFunc(outputs, func(o spec.String) bool {
		if strings.HasSuffix(o.Value, "/") {
			return false
		}
		base := strings.ToLower(path.Base(o.Value))
		switch path.Ext(base) {
		case "", ".so", ".a", ".exe", ".dll", ".dylib", ".node":
			return true
		}
		return strings.Contains(base, ".so.")
	})
}

// targetSelectors are variables through which toolchains pick the
// platform they build for.
var targetSelectors = []string{"GOARCH", "GOOS", "CARGO_BUILD_TARGET", "TARGETARCH", "TARGETOS", "TARGETPLATFORM", "CROSS_TRIPLE", "ZIG_TARGET"}

// selectsTarget reports whether an artifact, as written, picks its target
// itself: a run command or an env value of it names a TARGET* variable, or
// its env sets a variable such as GOARCH.
func selectsTarget(a *spec.Stage) bool {
	if a == nil {
		return false
	}
	envs := [][]spec.KV{a.Env}
	for _, step := range a.Steps {
		if step.Run != nil && namesTargetVar(commandText(step.Run)) {
			return true
		}
		envs = append(envs, step.Env)
	}
	for _, env := range envs {
		for _, kv := range env {
			if slices.Contains(targetSelectors, kv.Key) || namesTargetVar(kv.Value) {
				return true
			}
		}
	}
	return false
}

func namesTargetVar(s string) bool {
	return slices.ContainsFunc(referencedVars(s), func(v string) bool { return strings.HasPrefix(v, "TARGET") })
}
