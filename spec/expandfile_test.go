package spec

import (
	"errors"
	"slices"
)

// expandFile returns a copy of s in which ${VAR} references are replaced by
// their values in: image, env values, workdir, user, copy src/to/chown/chmod/
// exclude, mount targets, ids and src, outputs, label values, expose,
// volumes and platform. Run commands, entrypoint, cmd and healthcheck tests
// are left as written. A `\$` writes a literal dollar. The expanded values
// are checked again (image references, platforms, paths); errors are an
// ErrorList positioned at the value's node. It expands every stage with a
// StageExpander, so stages without variables are shared with s. Builds
// expand only the stages they reach (plan); tests and the fuzzer check
// the expansion of whole files with it.
func expandFile(s *Spec, vars map[string]string) (*Spec, error) {
	x := NewStageExpander(s, vars)
	errs := &errorSink{filename: s.Filename}
	expandAll := func(stages []*Stage) []*Stage {
		if stages == nil {
			return nil
		}
		out := make([]*Stage, len(stages))
		for i, st := range stages {
			exp, err := x.Stage(st.Name)
			var list ErrorList
			switch {
			case errors.As(err, &list):
				errs.addList(list)
			case err != nil:
				errs.add(st.Pos, err.Error(), "", "")
			}
			out[i] = exp
		}
		return out
	}
	builders, artifacts, runtimes := expandAll(s.Builders), expandAll(s.Artifacts), expandAll(s.Runtimes)
	if errs.empty() {
		c := valueChecker{errs: errs, expanded: true}
		c.platforms(s.Platforms)
	}
	if err := errs.result(); err != nil {
		return nil, err
	}
	return s.withStages(builders, artifacts, runtimes), nil
}

// withStages returns a copy of s's top-level settings (platforms, args,
// lint) that holds the given stages, indexed by name. The Keys maps of nodes
// are shared: they are never modified after parsing.
func (s *Spec) withStages(builders, artifacts, runtimes []*Stage) *Spec {
	out := *s
	out.Platforms = slices.Clone(s.Platforms)
	out.Args = make([]*Arg, len(s.Args))
	for i, a := range s.Args {
		c := *a
		out.Args[i] = &c
	}
	if s.Lint != nil {
		l := *s.Lint
		l.Skip = slices.Clone(s.Lint.Skip)
		out.Lint = &l
	}
	out.Builders, out.Artifacts, out.Runtimes = builders, artifacts, runtimes
	out.index()
	return &out
}
