package spec

import "slices"

// Uses is what a set of stages asks of the client and of the cache: the
// secrets, SSH sockets and cache mounts of their run steps, and the caches
// their presets mount. Each is listed once, in the order the stages are
// given, with the stages that use it.
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
	Pos      Pos
}

// SSHUse is one SSH socket id ("default" when the spec names none).
type SSHUse struct {
	ID       string
	Required bool
	Stages   []string
	Pos      Pos
}

// CacheUse is one cache mount: a mount of a run step, by its id (its target
// when it has no id), or a cache of Preset, by the preset's cache name.
type CacheUse struct {
	ID      string
	Preset  string // the preset that mounts it; empty for a mount in the spec
	Target  string
	Sharing string
	Stages  []string
	Pos     Pos // the mount, or the stage's preset key
}

// UsesOf collects the Uses of stages, such as those Reachable returns.
func (s *Spec) UsesOf(stages []*Stage) Uses {
	var u Uses
	secrets, ssh, caches := map[string]int{}, map[string]int{}, map[string]int{}
	for _, st := range stages {
		for _, step := range st.Steps {
			for _, m := range step.Mounts {
				switch m.Type {
				case MountSecret:
					i, ok := secrets[m.ID]
					if !ok {
						i = len(u.Secrets)
						secrets[m.ID] = i
						u.Secrets = append(u.Secrets, SecretUse{ID: m.ID, As: secretPath(m), Pos: m.Pos})
					}
					u.Secrets[i].Required = u.Secrets[i].Required || m.Required
					u.Secrets[i].Stages = addName(u.Secrets[i].Stages, st.Name)
				case MountSSH:
					id := m.ID
					if id == "" {
						id = "default"
					}
					i, ok := ssh[id]
					if !ok {
						i = len(u.SSH)
						ssh[id] = i
						u.SSH = append(u.SSH, SSHUse{ID: id, Pos: m.Pos})
					}
					u.SSH[i].Required = u.SSH[i].Required || m.Required
					u.SSH[i].Stages = addName(u.SSH[i].Stages, st.Name)
				case MountCache:
					id := m.ID
					if id == "" {
						id = m.Target
					}
					sharing := m.Sharing
					if sharing == "" {
						sharing = "shared"
					}
					u.addCache(caches, CacheUse{ID: id, Target: m.Target, Sharing: sharing, Pos: m.Pos}, st.Name)
				}
			}
		}
	}
	for _, st := range stages {
		p := s.PresetOf(st)
		if p == nil || !hasRunStep(st) {
			continue
		}
		for _, c := range p.Caches {
			u.addCache(caches, CacheUse{ID: c.Name, Preset: p.Name, Target: c.Target, Sharing: c.Sharing, Pos: st.At("preset")}, st.Name)
		}
	}
	return u
}

func (u *Uses) addCache(index map[string]int, c CacheUse, stage string) {
	key := c.Preset + "\x00" + c.ID
	i, ok := index[key]
	if !ok {
		i = len(u.Caches)
		index[key] = i
		u.Caches = append(u.Caches, c)
	}
	u.Caches[i].Stages = addName(u.Caches[i].Stages, stage)
}

func secretPath(m *Mount) string {
	switch {
	case m.Env != "":
		return "env " + m.Env
	case m.Target != "":
		return m.Target
	}
	return "/run/secrets/" + m.ID
}

func addName(names []string, name string) []string {
	if slices.Contains(names, name) {
		return names
	}
	return append(names, name)
}

func hasRunStep(st *Stage) bool {
	for _, step := range st.Steps {
		if step.Run != nil {
			return true
		}
	}
	return false
}
