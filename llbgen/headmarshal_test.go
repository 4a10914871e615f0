package llbgen

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"

	"github.com/mstage/mstage/spec"
)

// TestMarshalIsStateMarshal checks that Result.Marshal, which marshals the
// ops its states share once, gives the definitions State.Marshal gives
// for each state: the same ops in the same order, metadata and source map.
func TestMarshalIsStateMarshal(t *testing.T) {
	ctx := context.Background()
	specs := digestSpecs(t)
	for name, dt := range specs {
		s, err := spec.Parse(filepath.Base(name), dt)
		if err != nil {
			continue
		}
		for _, st := range s.Stages() {
			opt := options(st.Name, arm64, s, dt)
			named := map[string]llb.State{}
			for n := range s.ContextNames() {
				named[n] = llb.Local(n, llb.SessionID("session"))
			}
			opt.Contexts = fakeContexts{named: named}
			res, err := Compile(ctx, s, opt)
			if err != nil {
				continue
			}
			co := []llb.ConstraintsOpt{llb.Platform(platforms.Normalize(arm64)), llb.LocalUniqueID("x")}
			defs, err := res.Marshal(ctx, co...)
			if err != nil {
				t.Fatal(err)
			}
			states := []llb.State{res.State}
			got := []*llb.Definition{defs.Target}
			for i, g := range res.Gates {
				states, got = append(states, g.State), append(got, defs.Gates[i])
			}
			for i, g := range res.Guards {
				states, got = append(states, g.State), append(got, defs.Guards[i])
			}
			for i, state := range states {
				want, err := state.Marshal(ctx, co...)
				if err != nil {
					t.Fatal(err)
				}
				if !proto.Equal(got[i].ToPB(), want.ToPB()) {
					g, w := got[i].ToPB(), want.ToPB()
					t.Errorf("%s %s: definition %d differs from State.Marshal's: def %v meta %v source %v", name, st.Name, i,
						len(g.Def) == len(w.Def), proto.Equal(&pb.Definition{Metadata: g.Metadata}, &pb.Definition{Metadata: w.Metadata}), proto.Equal(g.Source, w.Source))
					if testing.Verbose() {
						t.Logf("got %v\nwant %v", g.Source, w.Source)
					}
				}
			}
		}
	}
}

// TestCompileEachResultsMarshalAtOnce marshals the results of CompileEach,
// which share vertices, from one goroutine each (run it with -race), and
// checks that they are the definitions Compile gives for each platform
// alone: the targets, which CompileEach compiles in parallel, sharing the
// instances they have in common, are the ones each compiles on its own.
func TestCompileEachResultsMarshalAtOnce(t *testing.T) {
	ctx := context.Background()
	ps := []ocispecs.Platform{amd64, arm64, armv7, platforms.MustParse("linux/riscv64")}
	for name, dt := range digestSpecs(t) {
		s, err := spec.Parse(filepath.Base(name), dt)
		if err != nil {
			continue
		}
		opt := options("", amd64, s, dt)
		named := map[string]llb.State{}
		for n := range s.ContextNames() {
			named[n] = llb.Local(n, llb.SessionID("session"))
		}
		opt.Contexts = fakeContexts{named: named}
		results, err := CompileEach(ctx, s, opt, ps)
		if err != nil {
			continue
		}
		got := make([]*Definitions, len(ps))
		var eg errgroup.Group
		for i, res := range results {
			eg.Go(func() error {
				var err error
				got[i], err = res.Marshal(ctx, llb.Platform(platforms.Normalize(ps[i])))
				return err
			})
		}
		if err := eg.Wait(); err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			o := opt
			o.TargetPlatform = p
			alone, err := Compile(ctx, s, o)
			if err != nil {
				t.Fatal(err)
			}
			want, err := alone.Marshal(ctx, llb.Platform(platforms.Normalize(p)))
			if err != nil {
				t.Fatal(err)
			}
			if !sameDefinitions(got[i], want) {
				t.Errorf("%s for %s: the shared compile differs from Compile alone", name, platforms.Format(p))
			}
		}
	}
}

// sameDefinitions reports whether a and b hold the same definitions: the
// target's, each gate's and each guard's.
func sameDefinitions(a, b *Definitions) bool {
	if len(a.Gates) != len(b.Gates) || len(a.Guards) != len(b.Guards) {
		return false
	}
	as := append(append([]*llb.Definition{a.Target}, a.Gates...), a.Guards...)
	bs := append(append([]*llb.Definition{b.Target}, b.Gates...), b.Guards...)
	for i := range as {
		if !proto.Equal(as[i].ToPB(), bs[i].ToPB()) {
			return false
		}
	}
	return true
}
