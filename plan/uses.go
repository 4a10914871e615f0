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
	addSecret := func(id, as string, required bool, stage string, pos spec.Pos) {
		i, ok := secrets[id]
		if !ok {
			i = len(u.Secrets)
			secrets[id] = i
			u.Secrets = append(u.Secrets, SecretUse{ID: id, As: as, Pos: pos})
		}
		u.Secrets[i].Required = u.Secrets[i].Required || required
		u.Secrets[i].Stages = addName(u.Secrets[i].Stages, stage)
	}
	addSSH := func(id string, required bool, stage string, pos spec.Pos) {
		i, ok := ssh[id]
		if !ok {
			i = len(u.SSH)
			ssh[id] = i
			u.SSH = append(u.SSH, SSHUse{ID: id, Pos: pos})
		}
		u.SSH[i].Required = u.SSH[i].Required || required
		u.SSH[i].Stages = addName(u.SSH[i].Stages, stage)
	}
	for _, in := range p.Instances {
		for _, g := range gitSources(in) {
			// BuildKit reads the default secrets GIT_AUTH_TOKEN and
			// GIT_AUTH_HEADER when the client has them; only ids the spec
			// names are listed. An ssh URL needs the agent.
			if g.AuthToken != "" {
				addSecret(g.AuthToken, "git auth token", false, in.Name(), g.Node.At("auth-token"))
			}
			if g.AuthHeader != "" {
				addSecret(g.AuthHeader, "git auth header", false, in.Name(), g.Node.At("auth-header"))
			}
			if u, err := spec.ParseGitURL(g.URL); err == nil && u.SSH {
				id := g.SSHAgent
				if id == "" {
					id = "default"
				}
				addSSH(id, true, in.Name(), g.Node.At("git"))
			}
		}
		for _, step := range in.Steps {
			for _, m := range step.Mounts {
				switch m.Type {
				case spec.MountSecret:
					addSecret(m.ID, secretAs(m), m.Spec.Required, in.Name(), m.Spec.Pos)
				case spec.MountSSH:
					addSSH(m.ID, m.Spec.Required, in.Name(), m.Spec.Pos)
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

// gitSources returns the git sources in's steps and copy entries read.
func gitSources(in *Instance) []spec.GitSource {
	var out []spec.GitSource
	for _, step := range in.Steps {
		if cp := step.Spec.Copy; cp != nil && cp.Git != "" {
			out = append(out, cp.GitSource())
		}
		for _, m := range step.Mounts {
			if m.Spec != nil && m.Spec.Git != "" {
				out = append(out, m.Spec.GitSource())
			}
		}
	}
	for _, e := range in.CopyEntries {
		if e.Copy.Git != "" {
			out = append(out, e.Copy.GitSource())
		}
	}
	return out
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
