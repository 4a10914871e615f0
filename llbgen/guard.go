package llbgen

import (
	"path"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/archguard"
	"github.com/mstage/mstage/plan"
)

// GuardImage is an image whose Binary serves archguard.Main: the frontend's
// own image, so that an arch guard runs as an op BuildKit caches.
type GuardImage struct {
	State  llb.State
	Binary string
}

// guard returns the arch guard of the artifact art: with a guard image, an
// op that walks art's outputs, on the build platform without a network,
// and leaves its verdict in State; without one, art itself, for the caller
// to walk.
func (c *compiler) guard(g plan.Guard, art llb.State) ArchGuard {
	ag := ArchGuard{Stage: g.Instance.Name(), Pos: g.Pos, State: art, Paths: g.Paths, Platform: g.Platform}
	img := c.opt.GuardImage
	if img == nil {
		return ag
	}
	name := plainName(ag.Stage, "arch guard "+strings.Join(g.Paths, " ")+" for "+platforms.Format(g.Platform))
	opts := []llb.RunOption{
		llb.Args(archguard.Args(img.Binary, g.Platform, g.Paths)),
		llb.Network(pb.NetMode_NONE),
		llb.AddMount(archguard.InputDir, art, llb.Readonly),
	}
	for _, o := range c.constraints(c.opt.BuildPlatform, name, g.Pos) {
		opts = append(opts, o)
	}
	ag.State = img.State.Run(opts...).AddMount(archguard.VerdictDir, llb.Scratch())
	ag.Verdict = path.Join("/", archguard.VerdictFile)
	return ag
}
