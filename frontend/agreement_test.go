package frontend

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

// chainSpec uses from chains, platform: build and the go preset.
const chainSpec = "../plan/testdata/chain.yaml"

// mainContextOnly serves the main context as a local source and has no
// named contexts.
type mainContextOnly struct{}

func (mainContextOnly) Main(context.Context) (llb.State, error) { return llb.Local("context"), nil }

func (mainContextOnly) Named(context.Context, string, ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	return nil, nil, nil
}

// chainLLB compiles the server of chainSpec for tp on linux/amd64 and
// decodes its target and gates.
func chainLLB(t *testing.T, c *fakeClient, tp ocispecs.Platform) []*llbtest.Graph {
	t.Helper()
	data, err := os.ReadFile(chainSpec)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("chain.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := llbgen.Compile(context.Background(), s, llbgen.Options{
		Target: "server", TargetPlatform: tp, BuildPlatform: platforms.MustParse("linux/amd64"),
		Contexts: mainContextOnly{}, MetaResolver: c, CacheNamespace: "ns1",
	})
	if err != nil {
		t.Fatal(err)
	}
	graphs := []*llbtest.Graph{llbtest.Decode(t, res.State)}
	for _, g := range res.Gates {
		graphs = append(graphs, llbtest.Decode(t, g.State))
	}
	return graphs
}

func chainRequest(requestID string) map[string]string {
	return map[string]string{
		"requestid":                         requestID,
		"target":                            "server",
		"platform":                          "linux/amd64,linux/arm64",
		"build-arg:BUILDKIT_CACHE_MOUNT_NS": "ns1",
	}
}

// TestOutlineCacheIDsAreTheLLBs checks that --call=outline lists exactly the
// cache ids the LLB mounts, namespaced, with relative targets resolved
// against the stage's workdir or the image's (golang: /go).
func TestOutlineCacheIDsAreTheLLBs(t *testing.T) {
	c := newFakeClient(t, chainSpec, chainRequest(outline.RequestSubrequestsOutline))
	mounted := map[string]bool{}
	for _, tp := range []string{"linux/amd64", "linux/arm64"} {
		for _, g := range chainLLB(t, c, platforms.MustParse(tp)) {
			for _, op := range g.Execs() {
				for _, m := range op.GetExec().Mounts {
					if m.CacheOpt != nil {
						mounted[m.CacheOpt.ID] = true
					}
				}
			}
		}
	}
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var o outline.Outline
	if err := json.Unmarshal(res.Metadata["result.json"], &o); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, cm := range o.Cache {
		listed[cm.ID] = true
	}
	if !maps.Equal(listed, mounted) {
		t.Errorf("outline cache ids %v, LLB cache ids %v", slices.Sorted(maps.Keys(listed)), slices.Sorted(maps.Keys(mounted)))
	}
	for _, want := range []string{"ns1/work/apt", "ns1/work/.ccache", "ns1/src/.cache", "ns1/go/.gen", "ns1/mstage/chain/gomod"} {
		if !listed[want] {
			t.Errorf("outline has no cache %s", want)
		}
	}
	if len(o.Secrets) != 1 || o.Secrets[0].Name != "token" || len(o.SSH) != 1 || o.SSH[0].Name != "default" {
		t.Errorf("secrets %+v, ssh %+v; want token and default", o.Secrets, o.SSH)
	}
}

// TestWrongArchArtifactAgreesWithLLB checks that --check reports exactly the
// artifacts the runtime copies whose run step, in the LLB of the arm64
// build, runs on another platform without selecting arm64 through GOARCH.
func TestWrongArchArtifactAgreesWithLLB(t *testing.T) {
	c := newFakeClient(t, chainSpec, chainRequest(lint.RequestLint))
	copyLines := map[string]int32{"app": 59, "tool": 60, "host-tool": 61}
	commands := map[string]string{"app": "go build", "tool": "make tool", "host-tool": "make host-tool"}
	graphs := chainLLB(t, c, platforms.MustParse("linux/arm64"))
	wantLines := map[int32]bool{}
	for art, cmd := range commands {
		var run *llbtest.Op
		for _, g := range graphs {
			if run = g.ExecContaining(cmd); run != nil {
				break
			}
		}
		if run == nil {
			t.Fatalf("no exec of %q", cmd)
		}
		onArm64 := run.Platform.Architecture == "arm64"
		if !onArm64 && llbtest.Env(run)["GOARCH"] != "arm64" {
			wantLines[copyLines[art]] = true
		}
	}
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var results lint.LintResults
	if err := json.Unmarshal(res.Metadata["result.json"], &results); err != nil {
		t.Fatal(err)
	}
	gotLines := map[int32]bool{}
	for _, w := range results.Warnings {
		if w.RuleName == "WrongArchArtifact" {
			gotLines[w.Location.Ranges[0].Start.Line] = true
			if !strings.Contains(w.Detail, "host-tool") {
				t.Errorf("WrongArchArtifact: %s", w.Detail)
			}
		}
	}
	if !maps.Equal(gotLines, wantLines) || len(wantLines) != 1 {
		t.Errorf("WrongArchArtifact at lines %v; the LLB says %v (host-tool only)", gotLines, wantLines)
	}
}
