package main

import (
	"maps"
	"testing"

	"github.com/moby/buildkit/client"
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
	opt, err := solveOpt("testdata/lint_bad.yaml", "testdata", "web", "linux/amd64,linux/arm64",
		[]string{"A=1"}, []string{"type=local,dest=out"}, nil, []string{"assets=testdata/init-go"})
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
