package spec

import "slices"

func (st *Stage) clone() *Stage {
	out := *st
	out.Env = slices.Clone(st.Env)
	out.Args = slices.Clone(st.Args)
	out.Platforms = slices.Clone(st.Platforms)
	out.Outputs = slices.Clone(st.Outputs)
	out.ArchGuard = clonePtr(st.ArchGuard)
	out.Needs = slices.Clone(st.Needs)
	out.Expose = slices.Clone(st.Expose)
	out.Volumes = slices.Clone(st.Volumes)
	out.Labels = slices.Clone(st.Labels)
	out.Entrypoint = st.Entrypoint.clone()
	out.Cmd = st.Cmd.clone()
	if st.Steps != nil {
		out.Steps = make([]*Step, len(st.Steps))
		for i, step := range st.Steps {
			out.Steps[i] = step.clone()
		}
	}
	if st.Copy != nil {
		out.Copy = make([]*Copy, len(st.Copy))
		for i, c := range st.Copy {
			out.Copy[i] = c.clone()
		}
	}
	if st.Healthcheck != nil {
		h := *st.Healthcheck
		h.Test = st.Healthcheck.Test.clone()
		out.Healthcheck = &h
	}
	return &out
}

func (c *Command) clone() *Command {
	if c == nil {
		return nil
	}
	out := *c
	out.Args = slices.Clone(c.Args)
	return &out
}

func (step *Step) clone() *Step {
	out := *step
	out.Run = step.Run.clone()
	out.Copy = step.Copy.clone()
	out.Env = slices.Clone(step.Env)
	out.Platforms = slices.Clone(step.Platforms)
	if step.Mounts != nil {
		out.Mounts = make([]*Mount, len(step.Mounts))
		for i, m := range step.Mounts {
			c := *m
			c.UID = clonePtr(m.UID)
			c.GID = clonePtr(m.GID)
			c.KeepGitDir = clonePtr(m.KeepGitDir)
			out.Mounts[i] = &c
		}
	}
	return &out
}

func (c *Copy) clone() *Copy {
	if c == nil {
		return nil
	}
	out := *c
	out.Src = slices.Clone(c.Src)
	out.Exclude = slices.Clone(c.Exclude)
	out.Link = clonePtr(c.Link)
	out.KeepGitDir = clonePtr(c.KeepGitDir)
	out.Unpack = clonePtr(c.Unpack)
	return &out
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
