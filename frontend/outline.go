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

	secrets := map[string]int{}
	ssh := map[string]int{}
	caches := map[string]bool{}
	for _, stage := range stages {
		for _, step := range stage.Steps {
			for _, m := range step.Mounts {
				switch m.Type {
				case spec.MountSecret:
					if i, ok := secrets[m.ID]; ok {
						o.Secrets[i].Required = o.Secrets[i].Required || m.Required
						continue
					}
					secrets[m.ID] = len(o.Secrets)
					o.Secrets = append(o.Secrets, outline.Secret{Name: m.ID, Required: m.Required, Location: location(m.Pos)})
				case spec.MountSSH:
					id := m.ID
					if id == "" {
						id = "default"
					}
					if i, ok := ssh[id]; ok {
						o.SSH[i].Required = o.SSH[i].Required || m.Required
						continue
					}
					ssh[id] = len(o.SSH)
					o.SSH = append(o.SSH, outline.SSH{Name: id, Required: m.Required, Location: location(m.Pos)})
				case spec.MountCache:
					id := m.ID
					if id == "" {
						id = m.Target
					}
					if caches[id] {
						continue
					}
					caches[id] = true
					o.Cache = append(o.Cache, outline.CacheMount{ID: id, Location: location(m.Pos)})
				}
			}
		}
	}
	for _, stage := range stages {
		ps := s.PresetOf(stage)
		if ps == nil || !hasRunStep(stage) {
			continue
		}
		for _, cm := range ps.Caches {
			id := llbgen.PresetCacheID(s, cm.Name, cacheNamespace)
			if caches[id] {
				continue
			}
			caches[id] = true
			o.Cache = append(o.Cache, outline.CacheMount{ID: id, Location: location(stage.At("preset"))})
		}
	}
	return o, nil
}

func hasRunStep(st *spec.Stage) bool {
	for _, step := range st.Steps {
		if step.Run != nil {
			return true
		}
	}
	return false
}
