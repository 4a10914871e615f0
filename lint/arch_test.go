package lint

import (
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// TestWrongArchArtifactCases changes one thing at a time in an artifact
// that a two-platform runtime copies.
func TestWrongArchArtifactCases(t *testing.T) {
	const tmpl = `version: 1
platforms: [linux/amd64, linux/arm64]
builders:
  native:
    image: debian:12
    platform: build
  emulated:
    from: native
  cross:
    image: debian:12
    preset: c
  node:
    image: node:18
    preset: node
artifacts:
  out:
    builder: BUILDER
    PLATFORM
    ENV
    GUARD
    steps:
      - run: RUN
    outputs: [OUTPUT]
runtimes:
  image:
    copy: [{artifact: out, to: /usr/local/bin/}]
`
	amd64 := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	tests := []struct {
		name        string
		replace     []string
		build       *ocispecs.Platform
		wantWarning string // a part of the message, or "" for none
	}{
		{"native binary from a build-platform builder", nil, nil, "runs on the build platform in builder \"native\""},
		{"known build platform", nil, &amd64, "so the linux/arm64 image"},
		{"artifact built for the build platform", []string{"PLATFORM", "platform: build"}, nil, "built for the build platform"},
		{"builder extending a build-platform builder runs on the target", []string{"BUILDER", "emulated"}, nil, ""},
		{"arch-guard: false", []string{"GUARD", "arch-guard: false"}, nil, ""},
		{"arch-guard: false on a build artifact", []string{"GUARD", "arch-guard: false", "PLATFORM", "platform: build"}, nil, ""},
		{"JS bundle", []string{"OUTPUT", "/out/app.js"}, nil, ""},
		{"jar", []string{"OUTPUT", "/out/app.jar"}, nil, ""},
		{"directory", []string{"OUTPUT", "/out/"}, nil, ""},
		{"shared library", []string{"OUTPUT", "/out/libx.so.1"}, nil, "runs on the build platform"},
		{"GOARCH in env", []string{"ENV", "env: {GOARCH: arm64}"}, nil, ""},
		{"TARGETARCH in env", []string{"ENV", "env: {ARCH: $TARGETARCH}"}, nil, ""},
		{"node_modules from the node preset", []string{"BUILDER", "node", "RUN", "npm ci", "OUTPUT", "/app/node_modules"}, nil, ""},
		{"TARGETARCH in the command", []string{"RUN", "cc --target=${TARGETARCH}-linux -o /out/app"}, nil, ""},
		{"c preset with $CXX", []string{"BUILDER", "cross", "RUN", "$CXX -o /out/app main.cpp"}, nil, ""},
		{"c preset calling the host g++", []string{"BUILDER", "cross", "RUN", "g++ -o /out/app main.cpp"}, nil, "calls g++, which builds for the platform it runs on"},
		{"c preset calling cc after make", []string{"BUILDER", "cross", "RUN", "make && cc -o /out/app main.c"}, &amd64, "not for linux/arm64; the c preset sets the target's compilers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repl := append([]string{}, tt.replace...)
			repl = append(repl, "BUILDER", "native", "PLATFORM", "", "ENV", "", "GUARD", "", "RUN", "cc -o /out/app", "OUTPUT", "/out/app")
			src := strings.NewReplacer(repl...).Replace(tmpl)
			s, err := spec.Parse("mstage.yaml", []byte(src))
			if err != nil {
				t.Fatalf("%v\n%s", err, src)
			}
			var msgs []string
			for _, f := range Run(s, Options{BuildPlatform: tt.build}) {
				if f.Rule.Name == WrongArchArtifact {
					msgs = append(msgs, f.Msg)
				}
			}
			switch {
			case tt.wantWarning == "" && len(msgs) > 0:
				t.Errorf("unexpected warnings: %q", msgs)
			case tt.wantWarning != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tt.wantWarning)):
				t.Errorf("warnings = %q, want one with %q", msgs, tt.wantWarning)
			}
		})
	}
}
