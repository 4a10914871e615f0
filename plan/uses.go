package plan

import (
	"slices"

	"github.com/mstage/mstage/spec"
)

// Uses is what a plan asks of the client and of the cache: the secrets, SSH
// sockets and cache mounts of the run steps of its instances, with their
// defaults applied and their final cache ids. Each is listed once, in the
// order the instances were reached (caches: the spec's, then the presets'),
// with the stages that use it.
type Uses struct {
	Secrets []SecretUse
	SSH     []SSHUse
	Caches  []CacheUse
}

// SecretUse is one secret id. Required is true when any step requires it;
// As is where the first step that mounts it finds it.
type SecretUse struct {
	ID       string
	Required bool
	As       string // a file path, or "env NAME"
	Stages   []string
	Pos      spec.Pos
}

// SSHUse is one SSH socket id.
type SSHUse struct {
	ID       string
	Required bool
	Stages   []string
	Pos      spec.Pos
}

// CacheUse is one cache mount by its final id.
type CacheUse struct {
	ID      string // as the LLB mounts it: namespaced, and absolute when it defaults to the target
	Preset  string // the preset that mounts it; empty for a mount in the spec
	Target  string
	Sharing string
	Stages  []string
	Pos     spec.Pos // the mount, or the stage's preset key
}

// Uses collects the Uses of every instance of p.
func (p *Plan) Uses() Uses {
	var u Uses
	secrets, ssh, caches := map[string]int{}, map[string]int{}, map[string]int{}
	for _, in := range p.Instances {
		for _, step := range in.Steps {
			for _, m := range step.Mounts {
				switch m.Type {
				case spec.MountSecret:
					i, ok := secrets[m.ID]
					if !ok {
						i = len(u.Secrets)
						secrets[m.ID] = i
						u.Secrets = append(u.Secrets, SecretUse{ID: m.ID, As: secretAs(m), Pos: m.Spec.Pos})
					}
					u.Secrets[i].Required = u.Secrets[i].Required || m.Spec.Required
					u.Secrets[i].Stages = addName(u.Secrets[i].Stages, in.Name())
				case spec.MountSSH:
					i, ok := ssh[m.ID]
					if !ok {
						i = len(u.SSH)
						ssh[m.ID] = i
						u.SSH = append(u.SSH, SSHUse{ID: m.ID, Pos: m.Spec.Pos})
					}
					u.SSH[i].Required = u.SSH[i].Required || m.Spec.Required
					u.SSH[i].Stages = addName(u.SSH[i].Stages, in.Name())
				case spec.MountCache:
					i, ok := caches[m.ID]
					if !ok {
						i = len(u.Caches)
						caches[m.ID] = i
						pos := in.Stage.At("preset")
						if m.Spec != nil {
							pos = m.Spec.Pos
						}
						u.Caches = append(u.Caches, CacheUse{ID: m.ID, Preset: m.Preset, Target: m.Target, Sharing: m.Sharing, Pos: pos})
					}
					u.Caches[i].Stages = addName(u.Caches[i].Stages, in.Name())
				}
			}
		}
	}
	// The spec's own caches first: they are the ones its author wrote.
	slices.SortStableFunc(u.Caches, func(a, b CacheUse) int {
		return cmpBool(a.Preset != "", b.Preset != "")
	})
	return u
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func secretAs(m Mount) string {
	if m.Spec.Env != "" {
		return "env " + m.Spec.Env
	}
	return m.Target
}

func addName(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(names, name)
}
