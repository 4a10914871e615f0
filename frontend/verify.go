package frontend

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/archguard"
	"github.com/mstage/mstage/llbgen"
)

// maxGuardedFiles bounds how many files one arch guard reads, and
// maxGuardedEntries how many directory entries it lists, so that an
// artifact with a huge output tree does not stall the build.
const (
	maxGuardedFiles   = 1000
	maxGuardedEntries = 100000
)

// headerBytes is how much of each file an arch guard reads; more than
// archguard needs, so that a truncated read still tells ELF from not-ELF.
const headerBytes = 64

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

// checkArchGuard reads the first bytes of every file under the guarded
// paths and fails on the first ELF file built for another architecture.
func (s solver) checkArchGuard(ctx context.Context, g llbgen.ArchGuard, def *llb.Definition) error {
	ref, err := s.solve(ctx, def, true)
	if err != nil {
		return wrapContext(err, "stage %q failed", g.Stage)
	}
	w := &guardWalker{ref: ref, entries: maxGuardedEntries}
	for _, p := range g.Paths {
		st, err := ref.StatFile(ctx, client.StatRequest{Path: p})
		if err != nil {
			return fmt.Errorf("arch guard: stage %q: output %s: %w", g.Stage, p, err)
		}
		if err := w.walk(ctx, p, st); err != nil {
			return err
		}
	}
	if err := w.check(ctx, g.Platform, maxGuardedFiles); err != nil {
		err = fmt.Errorf("stage %q: %w (cross-compile it for $TARGETOS/$TARGETARCH, build it with platform: target, or turn the check off with arch-guard: false)",
			g.Stage, err)
		return withSourceAt(err, s.sources.of(g.Pos), g.Pos)
	}
	return nil
}

// guardWalker lists the files under an artifact's outputs, then reads the
// headers of the likeliest binaries first: in a node_modules tree of
// thousands of scripts, the one .node addon is what can be wrong.
type guardWalker struct {
	ref     client.Reference
	entries int      // directory entries it may still list
	likely  []string // files named or moded like binaries
	others  []string // the other files big enough to be ELF
}

// guardReadDirs is how many directories a guard lists, or file headers it
// reads, at once: the cost of a tree is round trips to BuildKit, not work.
const guardReadDirs = 16

// walk lists the tree under p level by level, the directories of a level
// concurrently, and sorts its files into likely binaries and others, in
// the same order every time.
func (w *guardWalker) walk(ctx context.Context, p string, st *fstypes.Stat) error {
	level := []string{}
	w.add(p, st, &level)
	for len(level) > 0 && w.entries > 0 {
		listed := make([][]*fstypes.Stat, len(level))
		eg, ctx := errgroup.WithContext(ctx)
		eg.SetLimit(guardReadDirs)
		for i, dir := range level {
			eg.Go(func() error {
				entries, err := w.ref.ReadDir(ctx, client.ReadDirRequest{Path: dir})
				if err != nil {
					return fmt.Errorf("arch guard: read %s: %w", dir, err)
				}
				listed[i] = entries
				return nil
			})
		}
		if err := eg.Wait(); err != nil {
			return err
		}
		var next []string
		for i, entries := range listed {
			for _, e := range entries {
				if w.entries <= 0 {
					break
				}
				w.entries--
				w.add(path.Join(level[i], path.Base(e.Path)), e, &next)
			}
		}
		level = next
	}
	return nil
}

// add files p: a directory to list next, a file to read, or nothing.
func (w *guardWalker) add(p string, st *fstypes.Stat, dirs *[]string) {
	mode := os.FileMode(st.Mode)
	switch {
	case mode.IsDir():
		*dirs = append(*dirs, p)
	case !mode.IsRegular() || st.Size < archguard.HeaderSize:
	case likelyBinary(p, mode):
		w.likely = append(w.likely, p)
	case !textFile(p):
		w.others = append(w.others, p)
	}
}

// textExtensions name files that are loaded as text, never as ELF: reading
// the thousands of them in a node_modules tree would slow every build.
var textExtensions = []string{".js", ".cjs", ".mjs", ".ts", ".mts", ".cts", ".json", ".map", ".md", ".markdown", ".txt", ".html", ".css", ".yml", ".yaml"}

func textFile(p string) bool {
	return slices.Contains(textExtensions, strings.ToLower(path.Ext(p)))
}

// likelyBinary reports whether a file's name or mode suggests a native
// binary: executable, a shared library or a Node addon.
func likelyBinary(p string, mode os.FileMode) bool {
	base := path.Base(p)
	return mode&0o111 != 0 || path.Ext(base) == ".node" || path.Ext(base) == ".so" || strings.Contains(base, ".so.")
}

// check reads the headers of at most budget files, likely binaries first,
// several at once, and fails on the first ELF file, in that order, built
// for another platform.
func (w *guardWalker) check(ctx context.Context, platform ocispecs.Platform, budget int) error {
	files := slices.Concat(w.likely, w.others)
	files = files[:min(len(files), budget)]
	headers := make([][]byte, len(files))
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(guardReadDirs)
	for i, p := range files {
		eg.Go(func() error {
			header, err := w.ref.ReadFile(ectx, client.ReadRequest{
				Filename: p,
				Range:    &client.FileRange{Length: headerBytes},
			})
			if err != nil {
				return fmt.Errorf("arch guard: read %s: %w", p, err)
			}
			headers[i] = header
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	for i, p := range files {
		if err := archguard.Check(p, headers[i], platform); err != nil {
			return err
		}
	}
	return nil
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
