package lint

import "github.com/mstage/mstage/spec"

func (l *linter) unreachableStage() {
	reached := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if reached[name] {
			return
		}
		reached[name] = true
		if st := l.s.Stage(name); st != nil {
			for _, d := range l.s.Deps(st) {
				visit(d.Name)
			}
		}
	}
	for _, rt := range l.s.Runtimes {
		visit(rt.Name)
	}
	visit(l.s.DefaultTarget())
	if l.opt.Target != "" {
		visit(l.opt.Target)
	}
	for _, st := range l.s.Stages() {
		// A file shared through include offers stages a spec may not use.
		if reached[st.Name] || st.Pos.File != "" {
			continue
		}
		hint := "remove it, use it, or make it the default"
		if st.Kind == spec.KindArtifact && len(st.Outputs) > 0 {
			hint = "copy it into a runtime, or build it with --target " + st.Name + " --output"
		}
		l.report(st.Pos, "%s %q is used by no runtime and is not the default target; %s", st.Kind, st.Name, hint)
	}
}
