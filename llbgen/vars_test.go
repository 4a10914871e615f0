package llbgen

import (
	"slices"
	"strings"
	"testing"

	"github.com/mstage/mstage/llbgen/llbtest"
)

func TestVariablesAreExpandedPerTarget(t *testing.T) {
	res, g := build(t, "vars.yaml", "bin", arm64)
	run := g.ExecContaining("go build")
	if env := llbtest.Env(run); env["TARGETARCH"] != "arm64" || env["GO_VERSION"] != "" {
		t.Errorf("env = %v, want TARGETARCH=arm64 and no GO_VERSION", env)
	}
	if !slices.ContainsFunc(g.Sources(), func(o *llbtest.Op) bool {
		return strings.HasPrefix(o.GetSource().Identifier, "docker-image://docker.io/library/golang:1.26@")
	}) {
		t.Error("image reference not expanded")
	}
	out := g.ByDigest[g.Head].GetFile().Actions[0].GetCopy()
	if out.Src != "/out/bin-arm64" || out.Dest != "/bin-arm64" {
		t.Errorf("output %s -> %s", out.Src, out.Dest)
	}
	if !slices.Equal(res.Guards[0].Paths, []string{"/bin-arm64"}) {
		t.Errorf("guard paths = %q", res.Guards[0].Paths)
	}

	m := llbtest.Mount(run, "/cache")
	if m == nil || m.CacheOpt.ID != "/cache" || m.Selector != "/cache" {
		t.Fatalf("cache mount = %v", m)
	}
	mkdir := g.Input(run, int(m.Input)).GetFile().Actions[0].GetMkdir()
	if mkdir.Path != "/cache" || mkdir.Mode != 0o700 || mkdir.Owner.GetUser().GetByID() != 1000 || mkdir.Owner.GetGroup().GetByID() != 1000 {
		t.Errorf("cache directory = %+v", mkdir)
	}
}

func TestRuntimePortRangeAndNoHealthcheck(t *testing.T) {
	res, _ := build(t, "vars.yaml", "off", amd64)
	cfg := res.Image.Config
	for _, p := range []string{"8000/tcp", "8001/tcp", "8002/tcp"} {
		if _, ok := cfg.ExposedPorts[p]; !ok {
			t.Errorf("%s not exposed: %v", p, cfg.ExposedPorts)
		}
	}
	if cfg.Healthcheck == nil || !slices.Equal(cfg.Healthcheck.Test, []string{"NONE"}) {
		t.Errorf("healthcheck = %+v", cfg.Healthcheck)
	}
	if len(res.Guards) != 1 || !slices.Equal(res.Guards[0].Paths, []string{"/bin-amd64"}) {
		t.Errorf("guards = %+v", res.Guards)
	}
}

func TestExposedPorts(t *testing.T) {
	for in, want := range map[string][]string{
		"80":        {"80/tcp"},
		"53/UDP":    {"53/udp"},
		"1-2/sctp":  {"1/sctp", "2/sctp"},
		"0":         nil,
		"70000":     nil,
		"9-8":       nil,
		"80/carrot": nil,
	} {
		got, err := exposedPorts(in)
		if want == nil {
			if err == nil {
				t.Errorf("exposedPorts(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("exposedPorts(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{"go.mod": "go.mo[d]", "a*": "a*", "x": "[x]"} {
		if got := optionalPattern(in); got != want {
			t.Errorf("optionalPattern(%q) = %q, want %q", in, got, want)
		}
	}
}
