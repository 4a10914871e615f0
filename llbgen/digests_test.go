package llbgen

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/bench/specgen"
	"github.com/mstage/mstage/spec"
)

var updateDigests = flag.Bool("update-digests", false, "rewrite testdata/digests.golden")

// digestSpecs are the specs whose LLB digests are pinned: the examples,
// the spec, plan and llbgen testdata, and a small generated spec.
func digestSpecs(t *testing.T) map[string][]byte {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../examples/*/mstage.yaml", "../spec/testdata/*.yaml", "../plan/testdata/*.yaml", "testdata/*.yaml"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	out := map[string][]byte{}
	for _, f := range files {
		dt, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = dt
	}
	out["specgen-10"] = specgen.Generate(specgen.Shape{Builders: 4, Artifacts: 4, Runtimes: 2, CopiesPerRuntime: 2})
	return out
}

// headDigest is the digest of the terminal op of def, which covers the
// whole graph.
func headDigest(def *llb.Definition) string {
	if len(def.Def) == 0 {
		return "empty"
	}
	return digest.FromBytes(def.Def[len(def.Def)-1]).Encoded()[:16]
}

// dumpDigests compiles every stage of s as the target for each of the
// platform sets and writes one line per target platform: the digests of
// the target's definition, its gates and guards, and of its image config.
func dumpDigests(t *testing.T, b *strings.Builder, name string, s *spec.Spec, dt []byte) {
	ctx := context.Background()
	sets := [][]ocispecs.Platform{{amd64}, {arm64}, {amd64, arm64}}
	for _, st := range s.Stages() {
		for _, set := range sets {
			opt := options(st.Name, amd64, s, dt)
			named := map[string]llb.State{}
			for n := range s.ContextNames() {
				named[n] = llb.Local(n, llb.SessionID("session"))
			}
			opt.Contexts = fakeContexts{named: named}
			opt.GuardImage = &GuardImage{State: llb.Image("mstage-frontend-under-test"), Binary: "/bin/mstage-frontend"}
			results, err := compileEach(ctx, s, opt, set)
			if err != nil {
				fmt.Fprintf(b, "%s %s %s: error %v\n", name, st.Name, formatSet(set), err)
				continue
			}
			for i, res := range results {
				tp := platforms.Normalize(set[i])
				defs, err := res.Marshal(ctx, llb.Platform(tp), llb.LocalUniqueID("mstage"))
				if err != nil {
					t.Fatalf("%s %s: marshal: %v", name, st.Name, err)
				}
				img, err := json.Marshal(res.Image)
				if err != nil {
					t.Fatal(err)
				}
				fmt.Fprintf(b, "%s %s %s %s: target=%s image=%x", name, st.Name, formatSet(set), platforms.Format(tp), headDigest(defs.Target), sha256.Sum256(img))
				for j, g := range defs.Gates {
					fmt.Fprintf(b, " gate[%s]=%s", res.Gates[j].Stage, headDigest(g))
				}
				for j, g := range defs.Guards {
					fmt.Fprintf(b, " guard[%s %s]=%s", res.Guards[j].Stage, strings.Join(res.Guards[j].Paths, ","), headDigest(g))
				}
				b.WriteString("\n")
			}
		}
	}
}

func formatSet(ps []ocispecs.Platform) string {
	var names []string
	for _, p := range ps {
		names = append(names, platforms.Format(p))
	}
	return "[" + strings.Join(names, "+") + "]"
}

// TestDigestsAreStable pins the LLB digests of every example and testdata
// spec: a change to the compiler that changes one must update the golden
// file (-update-digests) and say why in its commit.
func TestDigestsAreStable(t *testing.T) {
	specs := digestSpecs(t)
	var names []string
	for name := range specs {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, name := range names {
		dt := specs[name]
		s, err := spec.Load(filepath.Base(name), dt, spec.DirFiles(filepath.Dir(name)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		dumpDigests(t, &b, name, s, dt)
	}
	golden := filepath.Join("testdata", "digests.golden")
	if *updateDigests {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		n := 0
		for i := 0; i < max(len(gl), len(wl)) && n < 20; i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
				n++
			}
		}
	}
}

// compileEach compiles opt.Target for ps as one build.
func compileEach(ctx context.Context, s *spec.Spec, opt Options, ps []ocispecs.Platform) ([]*Result, error) {
	return CompileEach(ctx, s, opt, ps)
}
