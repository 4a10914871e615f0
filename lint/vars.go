package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// undefinedVar reports ${NAME} references that expand to nothing because
// nothing defines NAME where the value is expanded, as the Dockerfile
// frontend's UndefinedVar check does. What a value sees (see docs/spec.md,
// Variables): an arg default, the args declared before it; image and
// platform, the args and platform variables; the stage's env entries, also
// the env of the stages it starts from, its preset's default env and the
// entries before them; every other value, all of the stage's env. Run
// commands are not checked: the shell expands them.
//
// The base image's env is not known without resolving the image, so in a
// stage on an image other than scratch an unknown name is reported only
// when it is close to a defined one (a likely typo); otherwise it may come
// from the image and the rule stays silent.
func (l *linter) undefinedVar() {
	args := map[string]bool{}
	for _, a := range l.s.Args {
		l.reportUndefined(a.Default, a.At("default"), func(n string) bool { return args[n] }, true)
		args[a.Name] = true
	}
	for _, st := range l.s.Stages() {
		known := map[string]bool{}
		for n := range args {
			known[n] = true
		}
		for _, n := range spec.PlatformVarNames() {
			known[n] = true
		}
		has := func(n string) bool { return known[n] }
		l.reportUndefined(st.Image, st.At("image"), has, true)
		l.reportUndefined(st.Platform, st.At("platform"), has, true)

		sure := l.onScratch(st)
		known["PATH"] = true // set by the image or by default
		for _, n := range l.inheritedEnv(st) {
			known[n] = true
		}
		for _, kv := range st.Env {
			l.reportUndefined(kv.Value, kv.Pos, has, sure)
			known[kv.Key] = true
		}
		st.ValuesAfterEnv(func(value string, pos spec.Pos) {
			l.reportUndefined(value, pos, has, sure)
		})
	}
}

func (l *linter) reportUndefined(value string, pos spec.Pos, defined func(string) bool, sure bool) {
	if !strings.Contains(value, "$") {
		return
	}
	for _, name := range spec.UndefinedRefs(value, defined) {
		suggestion := spec.Suggest(name, l.definedNames(defined))
		if !sure && suggestion == "" {
			continue
		}
		msg := fmt.Sprintf("usage of undefined variable $%s, which expands to nothing here", name)
		if suggestion != "" {
			msg += fmt.Sprintf(" (did you mean $%s?)", suggestion)
		}
		l.report(pos, "%s", msg)
	}
}

// definedNames lists the candidates for "did you mean": every arg, platform
// variable and env name of the spec that defined accepts.
func (l *linter) definedNames(defined func(string) bool) []string {
	var names []string
	add := func(n string) {
		if defined(n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, a := range l.s.Args {
		add(a.Name)
	}
	for _, n := range spec.PlatformVarNames() {
		add(n)
	}
	add("PATH")
	for _, st := range l.s.Stages() {
		for _, kv := range st.Env {
			add(kv.Key)
		}
	}
	for _, name := range preset.Names() {
		p, _ := preset.Lookup(name)
		for _, e := range p.DefaultEnv {
			add(e.Name)
		}
	}
	slices.Sort(names)
	return names
}

// inheritedEnv returns the env names a stage starts with besides its base
// image's: those of the stages it extends (from, an artifact's builder) and
// the default env of the presets along the way.
func (l *linter) inheritedEnv(st *spec.Stage) []string {
	var names []string
	base := l.parent(st)
	if st.Kind == spec.KindArtifact {
		base = l.s.Stage(st.Builder)
	}
	if base != nil {
		names = append(names, l.envNames(base)...)
	}
	if p, ok := preset.Lookup(st.Preset); ok && st.Preset != "" {
		for _, e := range p.DefaultEnv {
			names = append(names, e.Name)
		}
	}
	return names
}

// envNames returns the env names the stages built on st start with: what
// st inherits and its own env. It is kept per stage, so that a chain costs
// time linear in its length.
func (l *linter) envNames(st *spec.Stage) []string {
	if names, ok := l.envMemo[st]; ok {
		return names
	}
	if l.envMemo == nil {
		l.envMemo = map[*spec.Stage][]string{}
	}
	l.envMemo[st] = nil // a from cycle (rejected by Parse) ends here
	names := l.inheritedEnv(st)
	for _, kv := range st.Env {
		names = append(names, kv.Key)
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	l.envMemo[st] = names
	return names
}

// onScratch reports whether st's filesystem starts from scratch, whose
// config has no env besides the default PATH, so that every unknown name is
// surely undefined.
func (l *linter) onScratch(st *spec.Stage) bool {
	if st.Kind == spec.KindArtifact {
		st = l.s.Stage(st.Builder)
	}
	if st == nil {
		return false
	}
	_, root := l.inherited(st, "chain root", func(s *spec.Stage) string {
		if s.From == "" {
			return "root"
		}
		return ""
	})
	if root == nil {
		return false
	}
	return root.Image == "scratch" || root.Image == "" && root.Kind == spec.KindRuntime
}
