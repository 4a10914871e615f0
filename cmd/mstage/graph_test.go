package main

import (
	"context"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"

	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

// TestGraphOnceAgreesWithLLB checks that `mstage graph` marks a stage as
// built once exactly when its ops have the same digests in the LLB of the
// amd64 and of the arm64 build, on a spec with from chains, platform: build
// and the go preset.
func TestGraphOnceAgreesWithLLB(t *testing.T) {
	data, err := os.ReadFile("../../plan/testdata/chain.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse("chain.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	once, _, err := stagesBuiltOnce(s)
	if err != nil {
		t.Fatal(err)
	}
	// ops[platform][stage] are the digests of the stage's ops.
	ops := map[string]map[string]map[digest.Digest]bool{}
	for _, tp := range []string{"linux/amd64", "linux/arm64"} {
		res, err := llbgen.Compile(context.Background(), s, llbgen.Options{
			Target: "server", TargetPlatform: platforms.MustParse(tp), BuildPlatform: platforms.MustParse("linux/amd64"),
			Contexts: llbgen.LocalContexts{},
		})
		if err != nil {
			t.Fatal(err)
		}
		// A fixed id for the local context, which is otherwise random.
		graphs := []*llbtest.Graph{llbtest.Decode(t, res.State, llb.LocalUniqueID("mstage"))}
		for _, g := range res.Gates {
			graphs = append(graphs, llbtest.Decode(t, g.State, llb.LocalUniqueID("mstage")))
		}
		ops[tp] = map[string]map[digest.Digest]bool{}
		for _, g := range graphs {
			for _, op := range g.Ops {
				stage, _, ok := strings.Cut(strings.TrimPrefix(op.Name, "["), " ")
				if !ok || !strings.HasPrefix(op.Name, "[") {
					continue
				}
				stage = strings.TrimSuffix(stage, "]")
				if ops[tp][stage] == nil {
					ops[tp][stage] = map[digest.Digest]bool{}
				}
				ops[tp][stage][op.Digest] = true
			}
		}
	}
	checked := 0
	for stage, amd := range ops["linux/amd64"] {
		arm := ops["linux/arm64"][stage]
		if arm == nil {
			continue
		}
		checked++
		if same := maps.Equal(amd, arm); once[stage] != same {
			t.Errorf("graph says %s is built once: %v; its ops are the same for both platforms: %v", stage, once[stage], same)
		}
	}
	if checked < 7 {
		t.Errorf("compared %d stages, want every stage with ops", checked)
	}
	for stage, want := range map[string]bool{"base": false, "child": false, "go": true, "unit-tests": true, "generate": true, "app": false, "host-tool": true, "tool": false, "server": false} {
		if once[stage] != want {
			t.Errorf("%s built once: %v, want %v", stage, once[stage], want)
		}
	}
}

// The graph shows the preset a builder names and the steps it inserts.
func TestGraphShowsPresetAdditions(t *testing.T) {
	code, out, errOut := mstage(t, "graph", "../../examples/node-web/mstage.yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		`s_node{{"node<br/><small>builder · once</small><br/><small>preset node</small>"}}`,
		`<small>artifact · once</small><br/><small>+ install dependencies (npm ci, pnpm or yarn by lockfile)</small>`,
		`<br/><small>+ install dependencies (npm ci, pnpm or yarn by lockfile), production only</small>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("graph lacks %q:\n%s", want, out)
		}
	}
}

func TestOutlineShowsPresetAdditions(t *testing.T) {
	code, out, errOut := mstage(t, "outline", "../../examples/node-web/mstage.yaml")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"ADDED BY PRESETS:",
		"prod-deps  node    RUN install dependencies (npm ci, pnpm or yarn by lockfile), production only",
		"tests      node    COPY package.json package-lock.json npm-shrinkwrap.json pnpm-lock.yaml yarn.lock .npmrc .yarnrc .pnpmfile.cjs ./",
		"mstage/node-web/npm (preset node)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("outline lacks %q:\n%s", want, out)
		}
	}
}
