package plan

import (
	"testing"

	"github.com/containerd/platforms"
)

// chainSpec has a builder extending a builder with platform: build, and a
// builder extending one with the go preset.
const chainSpec = `version: 1
name: chain
platforms: [linux/amd64, linux/arm64]
builders:
  base:
    image: debian:bookworm
    platform: build
    steps: [{run: apt-get install -y gcc}]
  child:
    from: base
    steps: [{run: make deps}]
  go:
    image: golang:1.26
    preset: go
    workdir: /src
  gochild:
    from: go
artifacts:
  tool:
    builder: child
    steps: [{run: make tool}]
    outputs: [/out/tool]
  app:
    builder: gochild
    steps:
      - copy: .
      - run: go build -o /out/app .
        mounts: [{cache: .cache}]
    outputs: [/out/app]
  unit-tests:
    builder: gochild
    steps: [{run: go test ./...}]
runtimes:
  server:
    copy: [{artifact: app, to: /bin/}, {artifact: tool, to: /bin/}]
    needs: [unit-tests]
`

func instanceOf(t *testing.T, b *Build, p *Plan, name string) *Instance {
	t.Helper()
	var found *Instance
	for _, in := range p.Instances {
		if in.Name() == name && (found == nil || platforms.Only(b.Platform).Match(in.BuiltFor)) {
			found = in
		}
	}
	if found == nil {
		t.Fatalf("no instance of %s", name)
	}
	return found
}

func TestPlatformsOfFromChains(t *testing.T) {
	s := mustParse(t, chainSpec)
	p := resolve(t, s, "server", "ns1", arm64)
	b := p.Builds[0]
	for name, want := range map[string][2]string{
		// A builder extended by another runs where the other one runs: child
		// has no platform of its own, so both run on the target.
		"child": {"linux/arm64", "linux/arm64"},
		"base":  {"linux/arm64", "linux/arm64"},
		"tool":  {"linux/arm64", "linux/arm64"},
		// The go preset is inherited through from: gochild cross-compiles.
		"gochild":    {"linux/amd64", "linux/amd64"},
		"go":         {"linux/amd64", "linux/amd64"},
		"app":        {"linux/arm64", "linux/amd64"},
		"unit-tests": {"linux/amd64", "linux/amd64"},
	} {
		in := instanceOf(t, b, p, name)
		if got := [2]string{platforms.Format(in.BuiltFor), platforms.Format(in.RunsOn)}; got != want {
			t.Errorf("%s: built for %s, runs on %s; want %s, %s", name, got[0], got[1], want[0], want[1])
		}
	}
	app := instanceOf(t, b, p, "app")
	if app.Preset == nil || app.Preset.Name != "go" || len(app.TargetEnv) != 2 || app.TargetEnv[1].Value != "arm64" {
		t.Errorf("app: preset %v, target env %v; want go with GOOS=linux GOARCH=arm64", app.Preset, app.TargetEnv)
	}
	if go_ := instanceOf(t, b, p, "go"); len(go_.PresetEnv) != 3 {
		t.Errorf("go builder preset env = %v, want the preset's three defaults", go_.PresetEnv)
	}
	run := app.Steps[len(app.Steps)-1]
	if len(run.Mounts) != 3 || run.Mounts[0].ID != "ns1/src/.cache" || run.Mounts[0].Target != "/src/.cache" {
		t.Fatalf("app mounts = %+v; want ns1/src/.cache at /src/.cache, then the preset's two caches", run.Mounts)
	}
	if got := run.Mounts[1].ID; got != "ns1/mstage/chain/gomod" {
		t.Errorf("preset cache id = %q, want ns1/mstage/chain/gomod", got)
	}
	if len(b.Gates) != 1 || b.Gates[0].Name() != "unit-tests" {
		t.Errorf("gates = %v, want unit-tests", b.Gates)
	}
	if len(b.Guards) != 2 || b.Guards[0].Instance.Name() != "app" || b.Guards[1].Instance.Name() != "tool" || !platforms.Only(arm64).Match(b.Guards[0].Platform) {
		t.Errorf("guards = %+v, want app and tool for linux/arm64", b.Guards)
	}
}

func TestInstancesAreSharedAcrossPlatforms(t *testing.T) {
	s := mustParse(t, chainSpec)
	p := resolve(t, s, "server", "", amd64, arm64)
	count := map[string]int{}
	for _, in := range p.Instances {
		count[in.Name()]++
	}
	for name, want := range map[string]int{"go": 1, "gochild": 1, "unit-tests": 1, "app": 2, "child": 2, "base": 2, "server": 2} {
		if count[name] != want {
			t.Errorf("%s has %d instances, want %d", name, count[name], want)
		}
	}
}

func TestSecretAndSSHDefaults(t *testing.T) {
	s := mustParse(t, `version: 1
builders:
  b:
    image: alpine:3.20
    steps:
      - run: cat /run/secrets/token
        mounts: [{secret: token}, {secret: npm, env: NPM_TOKEN}, {ssh: }, {ssh: gh, target: /s.sock}]
`)
	p := resolve(t, s, "b", "", amd64)
	ms := p.Builds[0].Target.Steps[0].Mounts
	got := []string{ms[0].ID + "@" + ms[0].Target, ms[1].ID + "@" + ms[1].Target, ms[2].ID + "@" + ms[2].Target, ms[3].ID + "@" + ms[3].Target}
	want := []string{"token@/run/secrets/token", "npm@", "default@/run/buildkit/ssh_agent.0", "gh@/s.sock"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("mount %d = %s, want %s", i, got[i], want[i])
		}
	}
}

func TestResolveErrorsArePositioned(t *testing.T) {
	s := mustParse(t, chainSpec)
	_, err := Resolve(Request{Spec: s, Target: "nope", BuildPlatform: amd64})
	if err == nil || err.Error() != `mstage.yaml: target stage "nope" not found; expected one of the stages: base, child, go, gochild, tool, app, unit-tests, server` {
		t.Errorf("error = %v", err)
	}
}
