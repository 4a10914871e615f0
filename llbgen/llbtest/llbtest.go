// Package llbtest decodes marshalled LLB so that tests can assert on ops,
// mounts, platforms, vertex names and source locations without a daemon.
package llbtest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
)

// Graph is a decoded LLB definition.
type Graph struct {
	Def *llb.Definition
	// Ops are the ops in definition order; the terminal op is left out.
	Ops      []*Op
	ByDigest map[digest.Digest]*Op
	// Head is the digest of the op the terminal points at.
	Head digest.Digest
}

// Op is one decoded vertex.
type Op struct {
	Digest digest.Digest
	*pb.Op
	Name string // llb.customname
	// IgnoreCache is the op metadata's ignore_cache: BuildKit runs the op
	// again even when it has a cached result.
	IgnoreCache bool
}

// Decode marshals st and decodes every op.
func Decode(t testing.TB, st llb.State, opts ...llb.ConstraintsOpt) *Graph {
	t.Helper()
	def, err := st.Marshal(context.Background(), opts...)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return DecodeDefinition(t, def)
}

// DecodeDefinition decodes an already marshalled definition.
func DecodeDefinition(t testing.TB, def *llb.Definition) *Graph {
	t.Helper()
	g := &Graph{Def: def, ByDigest: map[digest.Digest]*Op{}}
	for i, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatalf("unmarshal op %d: %v", i, err)
		}
		dgst := digest.FromBytes(dt)
		if i == len(def.Def)-1 && op.Op == nil {
			if len(op.Inputs) > 0 {
				g.Head = digest.Digest(op.Inputs[0].Digest)
			}
			continue
		}
		md := def.Metadata[dgst]
		o := &Op{Digest: dgst, Op: &op, Name: md.Description["llb.customname"], IgnoreCache: md.IgnoreCache}
		g.Ops = append(g.Ops, o)
		g.ByDigest[dgst] = o
	}
	return g
}

// Digest is the digest of the whole definition's head.
func (g *Graph) Digest() digest.Digest { return g.Head }

// Execs returns the exec ops.
func (g *Graph) Execs() []*Op {
	return g.filter(func(o *Op) bool { return o.GetExec() != nil })
}

// Files returns the file ops.
func (g *Graph) Files() []*Op {
	return g.filter(func(o *Op) bool { return o.GetFile() != nil })
}

// Sources returns the source ops.
func (g *Graph) Sources() []*Op {
	return g.filter(func(o *Op) bool { return o.GetSource() != nil })
}

// Merges returns the merge ops.
func (g *Graph) Merges() []*Op {
	return g.filter(func(o *Op) bool { return o.GetMerge() != nil })
}

func (g *Graph) filter(keep func(*Op) bool) []*Op {
	var out []*Op
	for _, o := range g.Ops {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// ExecContaining returns the exec op whose joined args contain s, or nil.
func (g *Graph) ExecContaining(s string) *Op {
	for _, o := range g.Execs() {
		if strings.Contains(strings.Join(o.GetExec().Meta.Args, " "), s) {
			return o
		}
	}
	return nil
}

// Named returns the op whose vertex name is name, or nil.
func (g *Graph) Named(name string) *Op {
	for _, o := range g.Ops {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Names returns every vertex name, in definition order.
func (g *Graph) Names() []string {
	var names []string
	for _, o := range g.Ops {
		if o.Name != "" {
			names = append(names, o.Name)
		}
	}
	return names
}

// Env returns an exec op's environment as a map.
func Env(o *Op) map[string]string {
	env := map[string]string{}
	for _, kv := range o.GetExec().Meta.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// Mount returns the mount of an exec op at dest, or nil.
func Mount(o *Op, dest string) *pb.Mount {
	for _, m := range o.GetExec().Mounts {
		if m.Dest == dest {
			return m
		}
	}
	return nil
}

// Input returns the op that input i of o refers to.
func (g *Graph) Input(o *Op, i int) *Op {
	if i >= len(o.Inputs) {
		return nil
	}
	return g.ByDigest[digest.Digest(o.Inputs[i].Digest)]
}

// Locations returns the source ranges recorded for op d.
func (g *Graph) Locations(d digest.Digest) []*pb.Range {
	if g.Def.Source == nil {
		return nil
	}
	locs := g.Def.Source.Locations[d.String()]
	if locs == nil {
		return nil
	}
	var out []*pb.Range
	for _, l := range locs.Locations {
		out = append(out, l.Ranges...)
	}
	return out
}

// Lines returns the first line of every source range of op d, sorted.
func (g *Graph) Lines(d digest.Digest) []int {
	var lines []int
	for _, r := range g.Locations(d) {
		lines = append(lines, int(r.Start.Line))
	}
	slices.Sort(lines)
	return lines
}
