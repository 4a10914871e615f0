package plan

import (
	"testing"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

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
	s := load(t, "chain.yaml")
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
		"host-tool":  {"linux/arm64", "linux/amd64"},
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
	if len(b.Gates) != 2 || b.Gates[0].Name() != "unit-tests" || b.Gates[1].Name() != "generate" {
		t.Errorf("gates = %v, want unit-tests and generate", b.Gates)
	}
	if len(b.Guards) != 3 || b.Guards[0].Instance.Name() != "app" || b.Guards[1].Instance.Name() != "tool" || !platforms.Only(arm64).Match(b.Guards[0].Platform) {
		t.Errorf("guards = %+v, want app, tool and host-tool for linux/arm64", b.Guards)
	}
	gen := instanceOf(t, b, p, "generate").Steps[0].Mounts[0]
	if gen.ID != "ns1/.gen" {
		t.Errorf("generate cache id without an image resolver = %q, want ns1/.gen (images have no config)", gen.ID)
	}
}

func TestInstancesAreSharedAcrossPlatforms(t *testing.T) {
	s := load(t, "chain.yaml")
	p := resolve(t, s, "server", "", amd64, arm64)
	count := map[string]int{}
	for _, in := range p.Instances {
		count[in.Name()]++
	}
	for name, want := range map[string]bool{"go": true, "gochild": true, "unit-tests": true, "generate": true, "app": false, "child": false, "base": false, "tool": false, "server": false,
		// built for each target, but nothing in it depends on the target
		"host-tool": true,
	} {
		if got := p.BuiltOnce(name); got != want {
			t.Errorf("%s built once: %v, want %v", name, got, want)
		}
	}
	for name, want := range map[string]int{"go": 1, "gochild": 1, "unit-tests": 1, "generate": 1, "app": 2, "child": 2, "base": 2, "host-tool": 2, "server": 2} {
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
	s := load(t, "chain.yaml")
	_, err := Resolve(Request{Spec: s, Target: "nope", BuildPlatform: amd64})
	if err == nil || err.Error() != `chain.yaml:4:1: target "nope" is not a stage of chain.yaml; expected the name of a stage` {
		t.Errorf("error = %v", err)
	}
}

func TestProductionDependenciesNeedAPreset(t *testing.T) {
	src := "version: 1\nbuilders:\n  n: {image: node}\nartifacts:\n  d: {builder: n, dependencies: production, outputs: [/app/node_modules]}\n"
	s, err := spec.Parse("deps.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(Request{Spec: s, Target: "d", TargetPlatforms: []ocispecs.Platform{amd64}, BuildPlatform: amd64})
	want := `deps.yaml:5:33: artifact "d" asks for production dependencies, but its builder "n" has no preset that installs them; expected a builder with preset: node`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}
