package examples_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/spec"
)

// specFiles returns the path of every examples/*/mstage.yaml.
func specFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("*", "mstage.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no examples/*/mstage.yaml found")
	}
	return files
}

func parseExample(t *testing.T, file string) *spec.Spec {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("# syntax=")) {
		t.Errorf("%s: first line is not a # syntax= line", file)
	}
	s, err := spec.Load(file, data, spec.DirFiles(filepath.Dir(file)))
	if err != nil {
		t.Fatalf("%s does not parse:\n%v", file, err)
	}
	return s
}

func TestExamplesHaveReadme(t *testing.T) {
	for _, file := range specFiles(t) {
		readme := filepath.Join(filepath.Dir(file), "README.md")
		info, err := os.Stat(readme)
		if err != nil {
			t.Errorf("%s: %v", filepath.Dir(file), err)
			continue
		}
		if info.Size() == 0 {
			t.Errorf("%s is empty", readme)
		}
	}
}

func TestExamplesParse(t *testing.T) {
	for _, file := range specFiles(t) {
		t.Run(filepath.Dir(file), func(t *testing.T) {
			s := parseExample(t, file)
			if len(s.Stages()) == 0 {
				t.Fatalf("%s declares no stages", file)
			}
			if s.Default != "" && s.Stage(s.Default) == nil {
				t.Errorf("%s: default %q is not a stage", file, s.Default)
			}
		})
	}
}

// fakeContexts serves the main context as a local source and has no named
// contexts, so every image reference stays an image. The fixed unique id
// stands in for the session id the real frontend sets; without either, llb
// gives every local source a random id and no two compiles would match.
type fakeContexts struct{}

func (fakeContexts) Main(context.Context) (llb.State, error) {
	return llb.Local("context", llb.LocalUniqueID("examples-test")), nil
}

func (fakeContexts) Named(context.Context, string, ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	return nil, nil, nil
}

// TestExamplesCompile compiles every stage of every example for both
// platforms the examples use, and checks that the LLB is well formed and
// the same on a second compile.
func TestExamplesCompile(t *testing.T) {
	buildPlatform := platforms.MustParse("linux/amd64")
	targets := []ocispecs.Platform{
		platforms.MustParse("linux/amd64"),
		platforms.MustParse("linux/arm64"),
	}
	for _, file := range specFiles(t) {
		s := parseExample(t, file)
		for _, st := range s.Stages() {
			for _, p := range targets {
				name := filepath.Dir(file) + "/" + st.Name + "/" + platforms.Format(p)
				t.Run(name, func(t *testing.T) {
					opt := llbgen.Options{
						Target:         st.Name,
						TargetPlatform: p,
						BuildPlatform:  buildPlatform,
						Contexts:       fakeContexts{},
					}
					res, first := compileDef(t, s, opt)
					_, second := compileDef(t, s, opt)
					if !slices.EqualFunc(first, second, bytes.Equal) {
						t.Error("the LLB differs between two compiles of the same spec")
					}
					// Only an artifact without outputs may have an empty
					// filesystem, which marshals to the terminal op alone.
					if len(first) < 2 && !(st.Kind == spec.KindArtifact && len(st.Outputs) == 0) {
						t.Errorf("definition has %d op(s); want the stage's own ops too", len(first))
					}
					for _, need := range st.Needs {
						if !slices.ContainsFunc(res.Gates, func(g llbgen.Gate) bool { return g.Stage == need.Value }) {
							t.Errorf("needs %q, but the result has no gate for it", need.Value)
						}
					}
				})
			}
		}
	}
}

// compileDef compiles opt.Target and returns its marshalled ops, after
// checking that they and the gates' ops decode.
func compileDef(t *testing.T, s *spec.Spec, opt llbgen.Options) (*llbgen.Result, [][]byte) {
	t.Helper()
	ctx := context.Background()
	res, err := llbgen.Compile(ctx, s, opt)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if res.Image == nil {
		t.Error("result has no image config")
	}
	def, err := res.State.Marshal(ctx, llb.Platform(opt.TargetPlatform))
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if len(def.Def) == 0 {
		t.Fatal("empty definition")
	}
	for i, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatalf("op %d does not decode: %v", i, err)
		}
	}
	for _, g := range res.Gates {
		gdef, err := g.State.Marshal(ctx, llb.Platform(opt.TargetPlatform))
		if err != nil {
			t.Fatalf("marshal gate %s: %v", g.Stage, err)
		}
		if len(gdef.Def) == 0 {
			t.Errorf("gate %s has an empty definition", g.Stage)
		}
	}
	return res, def.Def
}
