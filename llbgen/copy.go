package llbgen

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/client/llb"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// copyStep compiles a copy step or a runtime's copy entry; the plan decided
// its source and whether it is linked.
func (c *compiler) copyStep(sc *stepCtx, cp *spec.Copy, source *plan.Instance, pos spec.Pos, link bool, ps plan.Step) error {
	fs := &sc.inst.fs
	src, from, err := c.copySource(sc, cp, source, pos)
	if err != nil {
		return err
	}

	var chmod *llb.ChmodOpt
	if cp.Chmod != "" {
		m, err := spec.ParseChmod(cp.Chmod)
		if err != nil {
			return c.errorAt(cp.At("chmod"), "invalid chmod %q: %v", cp.Chmod, err)
		}
		chmod = &llb.ChmodOpt{Mode: m.Perm, ModeStr: m.Symbolic}
	}

	var excludes []string
	for _, e := range cp.Exclude {
		excludes = append(excludes, e.Value)
	}
	srcs := make([]string, 0, len(cp.Src))
	for _, s := range cp.Src {
		srcs = append(srcs, s.Value)
	}
	if len(srcs) == 0 {
		srcs = []string{"/"}
	}
	dest := cp.To
	if dest == "" {
		dest = fs.workdir() + "/"
	}
	dest = fs.absPath(dest)

	var action *llb.FileAction
	for _, s := range srcs {
		p := s
		if ps.Optional {
			p = optionalPattern(s)
		}
		info := &llb.CopyInfo{
			Mode:                chmod,
			FollowSymlinks:      true,
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			AllowWildcard:       true,
			AllowEmptyWildcard:  true,
			ExcludePatterns:     excludes,
			CreatedTime:         &c.epoch,
		}
		opts := []llb.CopyOption{info}
		if cp.Chown != "" {
			opts = append(opts, llb.WithUser(cp.Chown))
		}
		if action == nil {
			action = llb.Copy(src, p, dest, opts...)
		} else {
			action = action.Copy(src, p, dest, opts...)
		}
	}

	text := copyText(cp, from, srcs, cp.To)
	if ps.Display != "" {
		text = ps.Display
	}
	name := sc.names.next(text)
	opts := c.constraints(sc.inst.plan.RunsOn, name, pos)
	if link {
		diff := llb.Scratch().File(action, opts...)
		merged := llb.Merge([]llb.State{fs.st, diff}, c.constraints(sc.inst.plan.RunsOn, sc.names.current("LINK "+text), pos)...)
		fs.st = fs.st.WithOutput(merged.Output())
	} else {
		fs.st = fs.st.File(action, opts...)
	}
	c.history(fs, text, true)
	return nil
}

// copySource returns the filesystem a copy reads and how the vertex name
// shows it ("" for the main context).
func (c *compiler) copySource(sc *stepCtx, cp *spec.Copy, source *plan.Instance, pos spec.Pos) (llb.State, string, error) {
	tp := sc.inst.plan.BuiltFor
	switch {
	case source != nil:
		st, err := c.output(source)
		return st, source.Name(), err
	case cp.Context != "":
		st, err := c.namedContext(cp.Context, tp, cp.At("context"))
		return st, cp.Context, err
	case cp.Image != "":
		ipos := cp.At("image")
		r, err := c.resolveImage(cp.Image, tp, ipos)
		if err != nil {
			return llb.State{}, "", err
		}
		switch {
		case r.named != nil:
			return r.named.Platform(tp), cp.Image, nil
		case r.empty:
			return llb.Scratch(), cp.Image, nil
		}
		opts := []llb.ImageOption{c.opt.ResolveMode}
		for _, o := range c.constraints(tp, plainName(sc.inst.plan.Name(), "FROM "+r.display), ipos) {
			opts = append(opts, o)
		}
		return llb.Image(r.pinned, opts...), cp.Image, nil
	}
	st, err := c.mainContext(pos)
	return st, "", err
}

func copyText(cp *spec.Copy, from string, srcs []string, to string) string {
	var b strings.Builder
	b.WriteString("COPY")
	if from != "" {
		fmt.Fprintf(&b, " --from=%s", from)
	}
	if cp.Chown != "" {
		fmt.Fprintf(&b, " --chown=%s", cp.Chown)
	}
	if cp.Chmod != "" {
		fmt.Fprintf(&b, " --chmod=%s", cp.Chmod)
	}
	for _, s := range srcs {
		b.WriteString(" " + s)
	}
	if to == "" {
		to = "./"
	}
	b.WriteString(" " + to)
	return b.String()
}

// optionalPattern turns a path into a wildcard that matches only itself, so
// that a copy with AllowEmptyWildcard tolerates its absence.
func optionalPattern(p string) string {
	if p == "" || strings.ContainsAny(p, "*?[") {
		return p
	}
	last := len(p) - 1
	return p[:last] + "[" + p[last:] + "]"
}
