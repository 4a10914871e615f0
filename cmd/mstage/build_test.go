package main

import (
	"maps"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/connhelper"
)

func TestParseOutput(t *testing.T) {
	tests := []struct {
		in       string
		typ, dir string
		attrs    map[string]string
	}{
		{"out", client.ExporterLocal, "out", nil},
		{"type=local,dest=bin", client.ExporterLocal, "bin", map[string]string{}},
		{"type=image,name=localhost:5000/app:1,push=true", client.ExporterImage, "", map[string]string{"name": "localhost:5000/app:1", "push": "true"}},
		{"type=registry,name=r/app", client.ExporterImage, "", map[string]string{"name": "r/app", "push": "true"}},
		{`type=image,"name=r/a:1,r/a:latest"`, client.ExporterImage, "", map[string]string{"name": "r/a:1,r/a:latest"}},
	}
	for _, tt := range tests {
		e, err := parseOutput(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if e.Type != tt.typ || e.OutputDir != tt.dir || (tt.attrs != nil && !maps.Equal(e.Attrs, tt.attrs)) {
			t.Errorf("%q: got %+v", tt.in, e)
		}
	}
	for _, bad := range []string{"type=local", "type=image", "type=s3,dest=x", "dest=x", "type=oci"} {
		if _, err := parseOutput(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	e, err := parseOutput("type=oci,dest=out.tar")
	if err != nil || e.Output == nil {
		t.Errorf("oci: %v, output func set: %v", err, e.Output != nil)
	}
}

func TestParseSecret(t *testing.T) {
	s, err := parseSecret("id=npmrc,src=/home/me/.npmrc")
	if err != nil || s.ID != "npmrc" || s.FilePath != "/home/me/.npmrc" {
		t.Errorf("src: %+v %v", s, err)
	}
	s, err = parseSecret("id=token,env=GITHUB_TOKEN")
	if err != nil || s.ID != "token" || s.Env != "GITHUB_TOKEN" {
		t.Errorf("env: %+v %v", s, err)
	}
	for _, bad := range []string{"src=x", "id=a,src=x,env=Y", "id=a,path=x"} {
		if _, err := parseSecret(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestSolveOpt(t *testing.T) {
	opt, err := solveOpt(buildFlags{
		file: "testdata/lint_bad.yaml", contextDir: "testdata", target: "web", platform: "linux/amd64,linux/arm64",
		buildArgs: []string{"A=1"}, outputs: []string{"type=local,dest=out"}, buildContexts: []string{"assets=testdata/init-go"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"filename": "lint_bad.yaml", "target": "web", "platform": "linux/amd64,linux/arm64",
		"build-arg:A": "1", "context:assets": "local:assets",
	}
	if !maps.Equal(opt.FrontendAttrs, want) {
		t.Errorf("FrontendAttrs = %v, want %v", opt.FrontendAttrs, want)
	}
	for _, local := range []string{"dockerfile", "context", "assets"} {
		if opt.LocalMounts[local] == nil {
			t.Errorf("local %q not mounted", local)
		}
	}
	if len(opt.Exports) != 1 || opt.Exports[0].OutputDir != "out" {
		t.Errorf("exports = %+v", opt.Exports)
	}
}

func TestBuildxFlags(t *testing.T) {
	sock := t.TempDir() + "/agent.sock"
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	opt, err := solveOpt(buildFlags{
		file: "testdata/lint_bad.yaml", contextDir: "testdata",
		tags:      []string{"r.example/app:1", "r.example/app:latest"},
		push:      true,
		ssh:       []string{"default=" + sock},
		cacheFrom: []string{"type=registry,ref=r.example/app:cache", "r.example/app:old"},
		cacheTo:   []string{"type=registry,ref=r.example/app:cache,mode=max"},
		allow:     []string{"network.host"},
		attest:    []string{"type=provenance,mode=max", "type=sbom"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.Exports) != 1 || opt.Exports[0].Type != client.ExporterImage ||
		!maps.Equal(opt.Exports[0].Attrs, map[string]string{"name": "r.example/app:1,r.example/app:latest", "push": "true"}) {
		t.Errorf("exports = %+v", opt.Exports)
	}
	if len(opt.CacheImports) != 2 || opt.CacheImports[1].Attrs["ref"] != "r.example/app:old" ||
		len(opt.CacheExports) != 1 || opt.CacheExports[0].Attrs["mode"] != "max" {
		t.Errorf("cache imports %+v, exports %+v", opt.CacheImports, opt.CacheExports)
	}
	if !slices.Equal(opt.AllowedEntitlements, []string{"network.host"}) {
		t.Errorf("entitlements = %v", opt.AllowedEntitlements)
	}
	if opt.FrontendAttrs["attest:provenance"] != "mode=max" || opt.FrontendAttrs["attest:sbom"] != "" {
		t.Errorf("attrs = %v", opt.FrontendAttrs)
	}
	if _, ok := opt.FrontendAttrs["attest:sbom"]; !ok {
		t.Error("no attest:sbom")
	}
	if len(opt.Session) != 3 {
		t.Errorf("session attachables: %d, want secrets, auth and ssh", len(opt.Session))
	}

	// -t adds its names to an --output image; without --push nothing is pushed.
	exp, err := tagExports([]string{"a:1"}, false, false, []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{"name": "b:2"}}})
	if err != nil || len(exp) != 1 || exp[0].Attrs["name"] != "b:2,a:1" || exp[0].Attrs["push"] != "" {
		t.Errorf("tag with --output: %+v %v", exp, err)
	}
	for _, bad := range []buildFlags{
		{push: true},
		{load: true},
		{tags: []string{"Bad:Name"}},
		{allow: []string{"network.everything"}},
		{attest: []string{"type=slsa"}},
		{attest: []string{"mode=max"}},
		{ssh: []string{"id=a=raw=true"}},
		{cacheTo: []string{"ref=x"}},
		{ssh: []string{"default=/nonexistent/agent.sock"}},
	} {
		bad.file, bad.contextDir = "testdata/lint_bad.yaml", "testdata"
		if _, err := solveOpt(bad); err == nil {
			t.Errorf("%+v: want an error", bad)
		}
	}
	_, err = solveOpt(buildFlags{file: "testdata/lint_bad.yaml", contextDir: "testdata", load: true})
	if err == nil || !strings.Contains(err.Error(), "type=docker,dest=") {
		t.Errorf("--load: %v", err)
	}
}

// BUILDKIT_HOST schemes that need a helper are registered.
func TestConnectionHelpers(t *testing.T) {
	for _, addr := range []string{"docker-container://buildkitd", "podman-container://buildkitd", "kube-pod://buildkitd", "nerdctl-container://buildkitd", "ssh://me@host"} {
		h, err := connhelper.GetConnectionHelper(addr)
		if err != nil || h == nil {
			t.Errorf("%s: no connection helper (%v)", addr, err)
		}
	}
}
