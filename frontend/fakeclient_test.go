package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/mstage/mstage/archguard"
)

// fakeClient is a gateway client without a daemon. Solving the local
// source that dockerui reads the spec from yields a reference serving the
// spec file; solving anything else yields a reference serving outputs.
// Images resolve to a canned config for the requested platform, with the
// working directory /go for golang images and / for the others.
type fakeClient struct {
	client.Client // methods the frontend must not call panic

	opts     map[string]string
	specName string
	specData []byte
	// contextFiles are the other files of the spec's directory; a solve
	// of it serves those its followpaths name.
	contextFiles memFS
	outputs      memFS
	// failSolve makes a solve fail when its definition has an exec op whose
	// arguments contain this string.
	failSolve string
	// anyOutput makes every path of a solved stage an empty directory, so
	// that arch guards pass whatever paths the spec names.
	anyOutput bool

	mu       sync.Mutex
	solves   []client.SolveRequest
	warnings []string
	warnOpts []client.WarnOpts // the options of each of warnings
}

func newFakeClient(t *testing.T, specFile string, opts map[string]string) *fakeClient {
	t.Helper()
	data, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = map[string]string{}
	}
	name := path.Base(specFile)
	if _, ok := opts["filename"]; !ok {
		opts["filename"] = name
	}
	return &fakeClient{opts: opts, specName: opts["filename"], specData: data, outputs: memFS{}}
}

func (c *fakeClient) BuildOpts() client.BuildOpts {
	return client.BuildOpts{
		Opts:      c.opts,
		SessionID: "fake-session",
		Product:   "mstage-test",
		Workers: []client.WorkerInfo{{
			ID:        "fake-worker",
			Platforms: []ocispecs.Platform{platforms.MustParse("linux/amd64")},
		}},
		LLBCaps: pb.Caps.CapSet(pb.Caps.All()),
		Caps:    gwpb.Caps.CapSet(gwpb.Caps.All()),
	}
}

func (c *fakeClient) Inputs(context.Context) (map[string]llb.State, error) {
	return map[string]llb.State{}, nil
}

func (c *fakeClient) Warn(_ context.Context, _ digest.Digest, msg string, opts client.WarnOpts) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, msg)
	c.warnOpts = append(c.warnOpts, opts)
	return nil
}

func (c *fakeClient) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	res, err := c.ResolveSourceMetadata(ctx, &pb.SourceOp{Identifier: "docker-image://" + ref}, opt)
	if err != nil {
		return "", "", nil, err
	}
	return ref, res.Image.Digest, res.Image.Config, nil
}

func (c *fakeClient) ResolveSourceMetadata(_ context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	ref, ok := strings.CutPrefix(op.Identifier, "docker-image://")
	if !ok {
		return &sourceresolver.MetaResponse{Op: op}, nil
	}
	p := platforms.MustParse("linux/amd64")
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	workdir := "/"
	if strings.Contains(ref, "golang") {
		workdir = "/go"
	}
	img := dockerspec.DockerOCIImage{
		Image: ocispecs.Image{
			Platform: p,
			RootFS:   ocispecs.RootFS{Type: "layers"},
		},
		Config: dockerspec.DockerOCIImageConfig{ImageConfig: ocispecs.ImageConfig{
			Env:        []string{"PATH=/usr/local/bin:/usr/bin:/bin"},
			WorkingDir: workdir,
		}},
	}
	dt, err := json.Marshal(img)
	if err != nil {
		return nil, err
	}
	dgst := digest.FromString(ref + "@" + platforms.Format(p))
	return &sourceresolver.MetaResponse{
		Op:    &pb.SourceOp{Identifier: op.Identifier, Attrs: op.Attrs},
		Image: &sourceresolver.ResolveImageResponse{Digest: dgst, Config: dt},
	}, nil
}

func (c *fakeClient) Solve(_ context.Context, req client.SolveRequest) (*client.Result, error) {
	c.mu.Lock()
	c.solves = append(c.solves, req)
	c.mu.Unlock()
	if req.Definition == nil {
		return nil, fmt.Errorf("fake client: solve without a definition")
	}
	ops, err := decodeOps(req.Definition)
	if err != nil {
		return nil, err
	}
	files := c.outputs
	for _, op := range ops {
		if src := op.GetSource(); src != nil && src.Identifier == "local://dockerfile" {
			files = memFS{c.specName: {data: c.specData, mode: 0o644}}
			var follow []string
			_ = json.Unmarshal([]byte(src.Attrs[pb.AttrFollowPaths]), &follow)
			for _, p := range follow {
				if f, ok := c.contextFiles[cleanPath(p)]; ok {
					files[cleanPath(p)] = f
				}
			}
		}
		if exec := op.GetExec(); exec != nil && len(exec.Meta.Args) > 1 && exec.Meta.Args[1] == archguard.Subcommand {
			files, err = c.runGuard(exec.Meta.Args[2:])
			if err != nil {
				return nil, err
			}
			break
		}
		if exec := op.GetExec(); exec != nil && c.failSolve != "" &&
			strings.Contains(strings.Join(exec.Meta.Args, " "), c.failSolve) {
			return nil, fmt.Errorf("process %q did not complete successfully: exit code: 1", strings.Join(exec.Meta.Args, " "))
		}
	}
	res := client.NewResult()
	res.SetRef(&memRef{fs: files, anyDir: c.anyOutput})
	return res, nil
}

// runGuard runs a guard op as its container would, with outputs written
// to a directory in place of the mount at archguard.InputDir, and serves
// the verdict it writes.
func (c *fakeClient) runGuard(args []string) (memFS, error) {
	dir, err := os.MkdirTemp("", "mstage-guard-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, archguard.VerdictFile)
	for name, f := range c.outputs {
		p := filepath.Join(in, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(in, 0o755); err != nil {
		return nil, err
	}
	args = slices.Clone(args)
	for i := range args[:len(args)-1] {
		switch args[i] {
		case "--in":
			args[i+1] = in
		case "--out":
			args[i+1] = out
		}
	}
	var stderr strings.Builder
	if code := archguard.Main(context.Background(), args, &stderr); code != 0 {
		return nil, fmt.Errorf("process %q did not complete successfully: exit code: %d: %s", args, code, stderr.String())
	}
	verdict, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	return memFS{archguard.VerdictFile: {data: verdict, mode: 0o644}}, nil
}

// frontendClient is a fakeClient whose frontend runs from an image, as
// grpcclient's does: its arch guards are ops on that image.
type frontendClient struct {
	*fakeClient
	image llb.State
}

func (c frontendClient) CurrentFrontend() (*llb.State, error) {
	return &c.image, nil
}

// solvedArgs returns the arguments of every exec op in every solved definition.
func (c *fakeClient) solvedArgs(t *testing.T) []string {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var args []string
	for _, req := range c.solves {
		ops, err := decodeOps(req.Definition)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			if exec := op.GetExec(); exec != nil {
				args = append(args, strings.Join(exec.Meta.Args, " "))
			}
		}
	}
	return args
}

func decodeOps(def *pb.Definition) ([]*pb.Op, error) {
	var ops []*pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return nil, fmt.Errorf("fake client: decode op: %w", err)
		}
		ops = append(ops, &op)
	}
	return ops, nil
}

type memFile struct {
	data []byte
	mode fs.FileMode
}

// memFS maps clean absolute-or-relative file paths (no leading slash) to
// files; directories are implied by the paths.
type memFS map[string]memFile

func cleanPath(p string) string {
	return strings.TrimPrefix(path.Clean("/"+p), "/")
}

// memRef is a solved reference serving a memFS.
type memRef struct {
	fs     memFS
	anyDir bool // every path that is not a file is a directory
}

func (r *memRef) ToState() (llb.State, error)    { return llb.Scratch(), nil }
func (r *memRef) Evaluate(context.Context) error { return nil }

func (r *memRef) ReadFile(_ context.Context, req client.ReadRequest) ([]byte, error) {
	f, ok := r.fs[cleanPath(req.Filename)]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", req.Filename, fs.ErrNotExist)
	}
	dt := f.data
	if req.Range != nil {
		start := min(req.Range.Offset, len(dt))
		end := min(start+req.Range.Length, len(dt))
		dt = dt[start:end]
	}
	return dt, nil
}

func (r *memRef) StatFile(_ context.Context, req client.StatRequest) (*fstypes.Stat, error) {
	p := cleanPath(req.Path)
	if f, ok := r.fs[p]; ok {
		return &fstypes.Stat{Path: path.Base(p), Mode: uint32(f.mode), Size: int64(len(f.data))}, nil
	}
	if r.isDir(p) {
		return &fstypes.Stat{Path: path.Base(p), Mode: uint32(fs.ModeDir | 0o755)}, nil
	}
	return nil, fmt.Errorf("stat %s: %w", req.Path, fs.ErrNotExist)
}

func (r *memRef) isDir(p string) bool {
	if p == "" || r.anyDir {
		return true
	}
	for name := range r.fs {
		if strings.HasPrefix(name, p+"/") {
			return true
		}
	}
	return false
}

func (r *memRef) ReadDir(ctx context.Context, req client.ReadDirRequest) ([]*fstypes.Stat, error) {
	dir := cleanPath(req.Path)
	if !r.isDir(dir) {
		return nil, fmt.Errorf("readdir %s: not a directory", req.Path)
	}
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	seen := map[string]bool{}
	var out []*fstypes.Stat
	for name := range r.fs {
		rest, ok := strings.CutPrefix(name, prefix)
		if !ok {
			continue
		}
		child, _, _ := strings.Cut(rest, "/")
		if seen[child] {
			continue
		}
		seen[child] = true
		st, err := r.StatFile(ctx, client.StatRequest{Path: prefix + child})
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}
