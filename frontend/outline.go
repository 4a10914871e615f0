package frontend

import (
	"strings"

	"github.com/containerd/platforms"

	"github.com/moby/buildkit/frontend/subrequests/outline"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// outlineOf answers --call=outline for the target: the build args its
// stages reference, with the values they would get, and the secrets, SSH
// sockets and cache mounts its run steps use, as the build's plan resolves
// them (cache ids as the LLB mounts them).
//
// The outline format has no field for platforms, so they close the
// description: "platforms: linux/amd64, linux/arm64".
// Source locations point into the file each arg, secret or cache mount is
// declared in: the spec (source 0) or a file it includes.
func outlineOf(s *spec.Spec, req plan.Request, data []byte) (*outline.Outline, error) {
	st, err := targetStage(s, req.Target)
	if err != nil {
		return nil, err
	}
	req.Spec = s
	p, err := plan.Resolve(req)
	if err != nil {
		return nil, err
	}
	stages := s.Reachable(st.Name)
	targets := req.TargetPlatforms
	sources, location := sourceList(s, data)
	o := &outline.Outline{
		Name:        st.Name,
		Description: st.Description,
		Sources:     sources,
	}
	// Nor for where stages come from: the included files the target's
	// stages are declared in close it too, "from ci/go.yaml: go, lint".
	if from := includedStages(stages); from != "" {
		if o.Description != "" {
			o.Description += "\n"
		}
		o.Description += from
	}
	if len(targets) > 0 {
		var names []string
		for _, p := range targets {
			names = append(names, platforms.Format(p))
		}
		if o.Description != "" {
			o.Description += "\n"
		}
		o.Description += "platforms: " + strings.Join(names, ", ")
	}

	values := p.ArgValues
	used := s.ArgsUsedBy(stages)
	for _, a := range s.Args {
		if !used[a.Name] {
			continue
		}
		o.Args = append(o.Args, outline.Arg{
			Name:        a.Name,
			Description: a.Description,
			Value:       values[a.Name],
			Location:    location(a.Pos),
		})
	}

	uses := p.Uses()
	for _, u := range uses.Secrets {
		o.Secrets = append(o.Secrets, outline.Secret{Name: u.ID, Required: u.Required, Location: location(u.Pos)})
	}
	for _, u := range uses.SSH {
		o.SSH = append(o.SSH, outline.SSH{Name: u.ID, Required: u.Required, Location: location(u.Pos)})
	}
	for _, u := range uses.Caches {
		o.Cache = append(o.Cache, outline.CacheMount{ID: u.ID, Location: location(u.Pos)})
	}
	return o, nil
}

// includedStages names the stages among stages that an included file
// declares, one line per file, in the order the stages come.
func includedStages(stages []*spec.Stage) string {
	var files []string
	byFile := map[string][]string{}
	for _, st := range stages {
		f := st.Pos.File
		if f == "" {
			continue
		}
		if _, seen := byFile[f]; !seen {
			files = append(files, f)
		}
		byFile[f] = append(byFile[f], st.Name)
	}
	lines := make([]string, len(files))
	for i, f := range files {
		lines[i] = "from " + f + ": " + strings.Join(byFile[f], ", ")
	}
	return strings.Join(lines, "\n")
}
