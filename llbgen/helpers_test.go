package llbgen

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

var (
	amd64 = platforms.MustParse("linux/amd64")
	arm64 = platforms.MustParse("linux/arm64")
	armv7 = platforms.Normalize(platforms.MustParse("linux/arm/v7"))
)

// fakeContexts serves the main context as a local and named contexts from
// a map.
type fakeContexts struct {
	named map[string]llb.State
}

func (f fakeContexts) Main(context.Context) (llb.State, error) {
	return llb.Local("context", llb.SessionID("session"), llb.SharedKeyHint("context")), nil
}

func (f fakeContexts) Named(_ context.Context, name string, _ ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	if st, ok := f.named[name]; ok {
		return &st, nil, nil
	}
	return nil, nil, nil
}

// fakeResolver returns canned image configs; the digest depends on the
// reference and the platform, as a registry's would.
type fakeResolver struct {
	configs map[string]dockerspec.DockerOCIImage // by normalized reference
}

func (f fakeResolver) ResolveSourceMetadata(_ context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	ref := op.Identifier[len("docker-image://"):]
	p := *opt.ImageOpt.Platform
	img, ok := f.configs[ref]
	if !ok {
		img.RootFS.DiffIDs = []digest.Digest{digest.FromString(ref)}
	}
	img.OS, img.Architecture, img.Variant = p.OS, p.Architecture, p.Variant
	dt, err := json.Marshal(img)
	if err != nil {
		return nil, err
	}
	return &sourceresolver.MetaResponse{
		Op:    op,
		Image: &sourceresolver.ResolveImageResponse{Digest: digest.FromString(ref + platforms.Format(p)), Config: dt},
	}, nil
}

func golangConfig() dockerspec.DockerOCIImage {
	var img dockerspec.DockerOCIImage
	img.RootFS.Type = "layers"
	img.RootFS.DiffIDs = []digest.Digest{digest.FromString("golang-layer")}
	img.Config.Env = []string{"PATH=/usr/local/go/bin:/go/bin:/usr/local/bin:/usr/bin:/bin", "GOLANG_VERSION=1.26.0", "GOPATH=/go"}
	img.Config.WorkingDir = "/go"
	img.History = []ocispecs.History{{CreatedBy: "golang base"}}
	return img
}

func defaultResolver() fakeResolver {
	return fakeResolver{configs: map[string]dockerspec.DockerOCIImage{
		"docker.io/library/golang:1.26": golangConfig(),
	}}
}

// load parses testdata/name.
func load(t *testing.T, name string) (*spec.Spec, []byte) {
	t.Helper()
	dt, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(name, dt)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return s, dt
}

// options returns the options of a build of target for tp on linux/amd64.
func options(target string, tp ocispecs.Platform, s *spec.Spec, dt []byte) Options {
	return Options{
		Target:         target,
		TargetPlatform: tp,
		BuildPlatform:  amd64,
		Contexts:       fakeContexts{},
		MetaResolver:   defaultResolver(),
		SourceMap:      llb.NewSourceMap(nil, s.Filename, "yaml", dt),
	}
}

func compile(t *testing.T, s *spec.Spec, opt Options) *Result {
	t.Helper()
	res, err := Compile(context.Background(), s, opt)
	if err != nil {
		t.Fatalf("compile %s for %s: %v", opt.Target, platforms.Format(opt.TargetPlatform), err)
	}
	if res.Image == nil {
		t.Fatalf("compile %s: nil image", opt.Target)
	}
	return res
}

func build(t *testing.T, file, target string, tp ocispecs.Platform) (*Result, *llbtest.Graph) {
	t.Helper()
	s, dt := load(t, file)
	res := compile(t, s, options(target, tp, s, dt))
	return res, llbtest.Decode(t, res.State)
}

func platformOf(o *llbtest.Op) string {
	if o.Platform == nil {
		return ""
	}
	return platforms.Format(ocispecs.Platform{OS: o.Platform.OS, Architecture: o.Platform.Architecture, Variant: o.Platform.Variant})
}
