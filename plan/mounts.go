package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/mstage/mstage/spec"
)

// Defaults of secret and SSH mounts, as RUN --mount has them.
const (
	secretDir    = "/run/secrets/"
	defaultSSHID = "default"
	sshSocketFmt = "/run/buildkit/ssh_agent.%d"
)

// mounts resolves the mounts of run step step of in, then adds the preset's
// cache mounts whose targets the step does not mount itself, those limited
// to commands only if it calls one; the preset's setup step gets only those.
func (r *resolver) mounts(in *Instance, step *spec.Step, setup bool) ([]Mount, error) {
	var out []Mount
	var targets []string
	sshIndex := 0
	for _, m := range step.Mounts {
		pm := Mount{Spec: m, Type: m.Type}
		var err error
		switch m.Type {
		case spec.MountCache:
			err = r.cacheMount(in, m, &pm)
		case spec.MountSecret:
			err = r.secretMount(m, &pm)
		case spec.MountSSH:
			pm.ID, pm.Target = sshDefaults(m, sshIndex)
			sshIndex++
		case spec.MountTmpfs:
			pm.Target = m.Target
		case spec.MountBind:
			err = r.bindMount(in, m, &pm)
		default:
			err = r.errorAt(m.Pos, fmt.Sprintf("unknown mount type %q", m.Type), "cache, secret, ssh, tmpfs or bind")
		}
		if err != nil {
			return nil, err
		}
		out = append(out, pm)
		if m.Target != "" {
			abs, err := r.absPath(in, m.Target, m.At("target"))
			if err != nil {
				return nil, err
			}
			if path.Clean(abs) == "/" {
				return nil, r.errorAt(m.At("target"), fmt.Sprintf("mount target %q is the root directory", m.Target), "a directory below /, such as /cache")
			}
			targets = append(targets, path.Clean(abs))
		}
	}
	if in.Preset == nil {
		return out, nil
	}
	for _, c := range in.Preset.Caches {
		limited := len(c.Commands) > 0
		if slices.Contains(targets, path.Clean(c.Target)) || limited && !Mentions(step, c.Commands) || setup && !limited {
			continue
		}
		var target []string
		if c.PerTarget && in.Preset.TargetID != nil {
			target = append(target, in.Preset.TargetID(in.BuiltFor))
		}
		id, err := r.presetCacheID(c.Name, target...)
		if err != nil {
			return nil, err
		}
		out = append(out, Mount{
			Type:    spec.MountCache,
			Target:  c.Target,
			ID:      id,
			Sharing: c.Sharing,
			Preset:  in.Preset.Name,
		})
	}
	return out, nil
}

func (r *resolver) cacheMount(in *Instance, m *spec.Mount, pm *Mount) error {
	target, err := r.absPath(in, m.Target, m.At("target"))
	if err != nil {
		return err
	}
	switch m.Sharing {
	case "":
		pm.Sharing = "shared"
	case "shared", "private", "locked":
		pm.Sharing = m.Sharing
	default:
		return r.errorAt(m.At("sharing"), fmt.Sprintf("unknown cache sharing %q", m.Sharing), "shared, private or locked")
	}
	// A cache seeded from a stage starts with its files, as
	// RUN --mount=type=cache,from=STAGE does.
	if pm.Source, err = r.mountSource(in, m); err != nil {
		return err
	}
	id := m.ID
	if id == "" {
		id = target
	}
	pm.Target = target
	pm.ID, err = CacheID(r.req.CacheNamespace, id)
	if err != nil {
		return r.errorAt(m.At("id"), err.Error(), "an id without .. segments")
	}
	return nil
}

func (r *resolver) secretMount(m *spec.Mount, pm *Mount) error {
	if m.ID == "" {
		return r.errorAt(m.Pos, "secret mount without an id", "secret: ID")
	}
	pm.ID = m.ID
	pm.Target = secretTarget(m)
	return nil
}

// secretTarget is the file a secret mount writes: its target, else
// /run/secrets/ID, or "" when it is exposed only as an environment variable.
func secretTarget(m *spec.Mount) string {
	switch {
	case m.Target != "":
		return m.Target
	case m.Env != "":
		return ""
	}
	return secretDir + m.ID
}

// sshDefaults returns the id and socket path of the index-th SSH mount of a
// step.
func sshDefaults(m *spec.Mount, index int) (id, socket string) {
	id, socket = m.ID, m.Target
	if id == "" {
		id = defaultSSHID
	}
	if socket == "" {
		socket = fmt.Sprintf(sshSocketFmt, index)
	}
	return id, socket
}

func (r *resolver) bindMount(in *Instance, m *spec.Mount, pm *Mount) error {
	var err error
	if pm.Source, err = r.mountSource(in, m); err != nil {
		return err
	}
	pm.Target, err = r.absPath(in, m.Target, m.At("target"))
	return err
}

// mountSource is the stage or artifact a bind or cache mount takes its files
// from, built for the mounting instance's platform; nil when it names none.
func (r *resolver) mountSource(in *Instance, m *spec.Mount) (*Instance, error) {
	switch {
	case m.Artifact != "":
		return r.stageAt(m.Artifact, in.BuiltFor, m.At("artifact"))
	case m.Stage != "":
		return r.stageAt(m.Stage, in.BuiltFor, m.At("stage"))
	}
	return nil, nil
}

// Mentions reports whether a run step's command has one of words as a
// word of its own, wherever it stands: after a pipe, an xargs or a sudo
// as well as first.
func Mentions(s *spec.Step, words []string) bool {
	if s.Run == nil {
		return false
	}
	text := s.Run.Shell
	if !s.Run.IsShell() {
		text = strings.Join(s.Run.Args, " ")
	}
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("&|;()`'\"$", r)
	}) {
		if slices.Contains(words, w) {
			return true
		}
	}
	return false
}
