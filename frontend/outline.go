package frontend

import (
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/moby/buildkit/frontend/subrequests/outline"

	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/spec"
)

// outlineOf answers --call=outline for the target: the build args its
// stages reference, with the values they would get, and the secrets, SSH
// sockets and cache mounts its run steps use.
//
// The outline format has no field for platforms, so they close the
// description: "platforms: linux/amd64, linux/arm64".
func outlineOf(s *spec.Spec, target string, buildArgs map[string]string, cacheNamespace string, targets []ocispecs.Platform, data []byte) (*outline.Outline, error) {
	st, err := targetStage(s, target)
	if err != nil {
		return nil, err
	}
	stages := s.Reachable(st.Name)
	o := &outline.Outline{
		Name:        st.Name,
		Description: st.Description,
		Sources:     [][]byte{data},
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

	values, _ := s.ArgValues(buildArgs)
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

	uses := s.UsesOf(stages)
	for _, u := range uses.Secrets {
		o.Secrets = append(o.Secrets, outline.Secret{Name: u.ID, Required: u.Required, Location: location(u.Pos)})
	}
	for _, u := range uses.SSH {
		o.SSH = append(o.SSH, outline.SSH{Name: u.ID, Required: u.Required, Location: location(u.Pos)})
	}
	for _, u := range uses.Caches {
		id, err := llbgen.CacheID(cacheNamespace, u.ID)
		if u.Preset != "" {
			id, err = llbgen.PresetCacheID(s, u.ID, cacheNamespace)
		}
		if err != nil {
			return nil, &spec.Error{Filename: s.Filename, Pos: u.Pos, Msg: err.Error(), Expected: "a cache id without .. segments"}
		}
		o.Cache = append(o.Cache, outline.CacheMount{ID: id, Location: location(u.Pos)})
	}
	return o, nil
}
