package frontend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	fstypes "github.com/tonistiigi/fsutil/types"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/archguard"
	"github.com/mstage/mstage/llbgen"
)

// frontendBinary is the frontend image's entrypoint (see Dockerfile), which
// also serves archguard.Main.
const frontendBinary = "/bin/mstage-frontend"

// solver solves LLB states through the gateway.
type solver struct {
	c            client.Client
	cacheImports []client.CacheOptionsEntry
	sources      specSources // the spec's files, to point errors at them
}

// solve solves a marshalled state. With evaluate, the state is built
// before solve returns instead of when the result is first used.
func (s solver) solve(ctx context.Context, def *llb.Definition, evaluate bool) (client.Reference, error) {
	res, err := s.c.Solve(ctx, client.SolveRequest{
		Definition:   def.ToPB(),
		CacheImports: s.cacheImports,
		Evaluate:     evaluate,
	})
	if err != nil {
		return nil, err
	}
	return res.SingleRef()
}

// checkGate builds a stage the target needs and reports its failure under
// the stage's name.
func (s solver) checkGate(ctx context.Context, target string, g llbgen.Gate, def *llb.Definition) error {
	if _, err := s.solve(ctx, def, true); err != nil {
		return wrapContext(err, "stage %q (needed by %s) failed", g.Stage, target)
	}
	return nil
}

// checkArchGuard fails when an output of the guarded artifact is an ELF
// file built for another platform. A guard op has walked the outputs and
// left its verdict, one small file, to read; without one (the frontend is
// not running from its image), the outputs are walked here, through the
// gateway.
func (s solver) checkArchGuard(ctx context.Context, g llbgen.ArchGuard, def *llb.Definition) error {
	ref, err := s.solve(ctx, def, true)
	if err != nil {
		return wrapContext(err, "stage %q failed", g.Stage)
	}
	if g.Verdict != "" {
		err = readVerdict(ctx, ref, g.Verdict)
	} else {
		err = archguard.Walk(ctx, gatewayTree{ref: ref}, g.Paths, g.Platform)
	}
	if _, ok := errors.AsType[*archguard.MismatchError](err); ok {
		err = fmt.Errorf("stage %q: %w (cross-compile it for $TARGETOS/$TARGETARCH, build it with platform: target, or turn the check off with arch-guard: false)",
			g.Stage, err)
		return withSourceAt(err, s.sources.of(g.Pos), g.Pos)
	}
	if err != nil {
		return fmt.Errorf("stage %q: %w", g.Stage, err)
	}
	return nil
}

// readVerdict reads a guard op's verdict and returns it as archguard.Walk
// would have.
func readVerdict(ctx context.Context, ref client.Reference, file string) error {
	data, err := ref.ReadFile(ctx, client.ReadRequest{
		Filename: file,
		Range:    &client.FileRange{Length: archguard.MaxVerdictBytes},
	})
	if err != nil {
		return fmt.Errorf("arch guard: read the verdict: %w", err)
	}
	v, err := archguard.ParseVerdict(data)
	if err != nil {
		return err
	}
	return v.Err()
}

// gatewayTree is a solved artifact's outputs as an archguard.Tree.
type gatewayTree struct {
	ref client.Reference
}

func entryOf(st *fstypes.Stat) archguard.Entry {
	return archguard.Entry{Name: path.Base(st.Path), Mode: os.FileMode(st.Mode), Size: st.Size}
}

func (t gatewayTree) Stat(ctx context.Context, p string) (archguard.Entry, error) {
	st, err := t.ref.StatFile(ctx, client.StatRequest{Path: p})
	if err != nil {
		return archguard.Entry{}, err
	}
	return entryOf(st), nil
}

// ReadDir lists all of dir: the gateway cannot list part of a directory.
func (t gatewayTree) ReadDir(ctx context.Context, dir string, _ int) ([]archguard.Entry, error) {
	sts, err := t.ref.ReadDir(ctx, client.ReadDirRequest{Path: dir})
	if err != nil {
		return nil, err
	}
	entries := make([]archguard.Entry, len(sts))
	for i, st := range sts {
		entries[i] = entryOf(st)
	}
	return entries, nil
}

func (t gatewayTree) ReadHeader(ctx context.Context, p string, n int) ([]byte, error) {
	return t.ref.ReadFile(ctx, client.ReadRequest{Filename: p, Range: &client.FileRange{Length: n}})
}

// solveVerified solves the target of r together with its gates and arch
// guards; the first failure cancels the others. With gates or guards to wait
// for, the target is built alongside them rather than after them.
func (s solver) solveVerified(ctx context.Context, r *llbgen.Result) (client.Reference, error) {
	defs, err := r.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	target, gates, guards := defs.Target, defs.Gates, defs.Guards

	var ref client.Reference
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error {
		var err error
		ref, err = s.solve(ctx, target, len(gates)+len(guards) > 0)
		return err
	})
	for i, g := range r.Gates {
		eg.Go(func() error { return s.checkGate(ctx, r.Stage.Name, g, gates[i]) })
	}
	for i, g := range r.Guards {
		eg.Go(func() error { return s.checkArchGuard(ctx, g, guards[i]) })
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return ref, nil
}
