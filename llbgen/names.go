package llbgen

import (
	"strconv"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// namer numbers the ops of one stage the way BuildKit's progress output
// shows Dockerfile instructions: "[app 3/4] RUN go build".
type namer struct {
	stage string
	total int
	n     int
}

func (n *namer) next(cmd string) string {
	n.n++
	return n.current(cmd)
}

// current names a second op of the same step, such as the merge of a
// linked copy.
func (n *namer) current(cmd string) string {
	return "[" + n.stage + " " + strconv.Itoa(n.n) + "/" + strconv.Itoa(n.total) + "] " + cmd
}

func plainName(stage, cmd string) string {
	return "[" + stage + "] " + cmd
}

// location points an op at pos in the spec file, when the caller gave a
// source map.
func (c *compiler) location(pos spec.Pos) []llb.ConstraintsOpt {
	sm := c.opt.SourceMap
	if pos.File != "" {
		sm = c.opt.IncludedSources[pos.File]
	}
	if sm == nil || !pos.IsValid() {
		return nil
	}
	col := int32(max(pos.Col-1, 0))
	return []llb.ConstraintsOpt{sm.Location([]*pb.Range{{
		Start: &pb.Position{Line: int32(pos.Line), Character: col},
		End:   &pb.Position{Line: int32(pos.Line), Character: col},
	}})}
}

// constraints are the options every op gets: its platform, its name and its
// location.
func (c *compiler) constraints(p ocispecs.Platform, name string, pos spec.Pos) []llb.ConstraintsOpt {
	opts := []llb.ConstraintsOpt{llb.Platform(p), llb.WithCustomName(name)}
	return append(opts, c.location(pos)...)
}
