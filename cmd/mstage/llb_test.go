package main

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
)

func decodeOps(t *testing.T, out []byte) []*pb.Op {
	t.Helper()
	def, err := llb.ReadFrom(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not a marshalled definition: %v", err)
	}
	var ops []*pb.Op
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		ops = append(ops, &op)
	}
	return ops
}

func TestLLB(t *testing.T) {
	args := []string{"llb", goService, "--target", "server", "--platform", "linux/arm64", "--build-platform", "linux/amd64"}
	code, out, errOut := mstage(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	ops := decodeOps(t, []byte(out))
	var sources []string
	var goarch []string
	for _, op := range ops {
		if src := op.GetSource(); src != nil {
			p := ""
			if op.Platform != nil {
				p = op.Platform.OS + "/" + op.Platform.Architecture
			}
			sources = append(sources, src.Identifier+" "+p)
		}
		if ex := op.GetExec(); ex != nil {
			for _, e := range ex.Meta.Env {
				if strings.HasPrefix(e, "GOARCH=") {
					goarch = append(goarch, e)
				}
			}
		}
	}
	if !slices.Contains(sources, "local://context ") && !slices.ContainsFunc(sources, func(s string) bool { return strings.HasPrefix(s, "local://context") }) {
		t.Errorf("no local context source in %q", sources)
	}
	if !slices.ContainsFunc(sources, func(s string) bool { return strings.Contains(s, "golang:1.26") && strings.HasSuffix(s, "linux/amd64") }) {
		t.Errorf("the go builder must run on the build platform (linux/amd64); sources %q", sources)
	}
	if len(goarch) == 0 || !slices.Contains(goarch, "GOARCH=arm64") {
		t.Errorf("the build step must cross-compile for arm64; GOARCH env %q", goarch)
	}

	for range 5 {
		if _, again, _ := mstage(t, args...); again != out {
			t.Fatal("two runs of mstage llb differ")
		}
	}
	if code, _, errOut := mstage(t, "llb", goService, "--platform", "linux/nope/x/y"); code != exitUsage {
		t.Errorf("bad platform: exit %d, stderr %q", code, errOut)
	}
}

// TestLLBJSON checks that --format json shows the target, the needs gates
// and the arch guards the frontend solves, with ops readable as JSON.
func TestLLBJSON(t *testing.T) {
	args := []string{"llb", goService, "--target", "server", "--platform", "linux/arm64", "--build-platform", "linux/amd64", "--format", "json"}
	code, out, errOut := mstage(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, again, _ := mstage(t, args...); again != out {
		t.Error("two runs print different JSON")
	}
	var d llbDump
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if d.Target.Stage != "server" || d.Target.Platform != "linux/arm64" || len(d.Target.Ops) == 0 {
		t.Errorf("target = %s on %s with %d ops", d.Target.Stage, d.Target.Platform, len(d.Target.Ops))
	}
	if len(d.Gates) != 1 || d.Gates[0].Stage != "unit-tests" || len(d.Gates[0].Ops) == 0 {
		t.Errorf("gates = %+v, want unit-tests", d.Gates)
	}
	if len(d.Guards) != 1 || d.Guards[0].Stage != "app" || d.Guards[0].Platform != "linux/arm64" || !slices.Equal(d.Guards[0].Paths, []string{"/app"}) {
		t.Errorf("guards = %+v, want app's /app checked for linux/arm64", d.Guards)
	}
	var goBuild struct {
		Exec struct {
			Meta struct {
				Env []string `json:"env"`
			} `json:"meta"`
		} `json:"exec"`
		Platform struct {
			Architecture string `json:"Architecture"`
		} `json:"platform"`
	}
	for _, op := range d.Target.Ops {
		if strings.Contains(op.Name, "go build") {
			if err := json.Unmarshal(op.Op, &goBuild); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !slices.Contains(goBuild.Exec.Meta.Env, "GOARCH=arm64") || goBuild.Platform.Architecture != "amd64" {
		t.Errorf("go build: env %q on %q; want GOARCH=arm64 on amd64", goBuild.Exec.Meta.Env, goBuild.Platform.Architecture)
	}
}
