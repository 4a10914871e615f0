package llbgen

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// TestExecsRunWhereThePlanSays compiles every stage of every test spec and
// example for two targets and checks that each exec op of a stage runs on
// a platform the plan gives one of the stage's instances.
func TestExecsRunWhereThePlanSays(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	examples, _ := filepath.Glob("../examples/*/mstage.yaml")
	files = append(append(files, examples...), "../plan/testdata/chain.yaml")
	checked := 0
	for _, file := range files {
		dt, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s, err := spec.Load(filepath.Base(file), dt, spec.DirFiles(filepath.Dir(file)))
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range s.Stages() {
			for _, tp := range []ocispecs.Platform{amd64, arm64} {
				p, err := plan.Resolve(plan.Request{Spec: s, Target: st.Name, TargetPlatforms: []ocispecs.Platform{tp}, BuildPlatform: amd64})
				if err != nil {
					continue // a stage that needs what the test does not give (a named context)
				}
				runsOn := map[string][]string{}
				for _, in := range p.Instances {
					runsOn[in.Name()] = append(runsOn[in.Name()], platforms.Format(in.RunsOn))
				}
				opt := options(st.Name, tp, s, dt)
				res, err := Compile(context.Background(), s, opt)
				if err != nil {
					t.Fatalf("%s %s: %v", file, st.Name, err)
				}
				graphs := []*llbtest.Graph{llbtest.Decode(t, res.State, llb.LocalUniqueID("t"))}
				for _, g := range res.Gates {
					graphs = append(graphs, llbtest.Decode(t, g.State, llb.LocalUniqueID("t")))
				}
				for _, g := range graphs {
					for _, op := range g.Execs() {
						stage, _, _ := strings.Cut(strings.TrimPrefix(op.Name, "["), " ")
						want, ok := runsOn[stage]
						if !ok {
							continue
						}
						checked++
						if got := platformOf(op); !slices.Contains(want, got) {
							t.Errorf("%s: %s for %s: %q runs on %s; the plan says %v", file, st.Name, platforms.Format(tp), op.Name, got, want)
						}
					}
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked %d exec ops", checked)
	}
}
