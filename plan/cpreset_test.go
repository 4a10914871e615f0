package plan

import (
	"strings"
	"testing"

	"github.com/containerd/platforms"

	"github.com/mstage/mstage/spec"
)

// TestCPresetSetupStep: an artifact of a c builder gets the toolchain step
// first, on the build platform, for each target; the builder is one
// instance for both targets; apt's caches go only on apt steps, one per
// target so that the targets' installs do not wait for each other's lock.
func TestCPresetSetupStep(t *testing.T) {
	s := mustParse(t, `version: 1
name: c
builders:
  cc:
    image: debian:bookworm
    preset: c
    steps:
      - run: apt-get update && apt-get install -y cmake
artifacts:
  app:
    builder: cc
    steps:
      - copy: .
      - run: cmake -S . -B /b && cmake --build /b && cmake --install /b --prefix /out
    outputs: [/out/]
`)
	p := resolve(t, s, "app", "", amd64, arm64)
	builders := 0
	for _, in := range p.Instances {
		switch in.Name() {
		case "cc":
			builders++
			if len(in.Steps[0].Mounts) != 2 {
				t.Errorf("the builder's apt step has mounts %+v, want apt's two caches", in.Steps[0].Mounts)
			}
		case "app":
			if platforms.Format(in.RunsOn) != "linux/amd64" {
				t.Errorf("app for %s runs on %s", platforms.Format(in.BuiltFor), platforms.Format(in.RunsOn))
			}
			setup := in.Steps[0]
			wantPkg := map[string]string{"amd64": "gcc g++ ", "arm64": "gcc-aarch64-linux-gnu g++-aarch64-linux-gnu "}[in.BuiltFor.Architecture]
			if setup.Spec.Run == nil || !strings.Contains(setup.Spec.Run.Shell, wantPkg) || setup.Native {
				t.Errorf("app for %s: first step %+v does not install %q after the target env", in.BuiltFor.Architecture, setup.Spec.Run, wantPkg)
			}
			if setup.Display != "c preset: setup for "+platforms.Format(in.BuiltFor) {
				t.Errorf("setup step shows as %q", setup.Display)
			}
			wantID := "mstage/c/apt-lists/" + in.TargetEnv[0].Value
			if len(setup.Mounts) != 2 || setup.Mounts[0].ID != wantID || setup.Mounts[1].Sharing != "locked" {
				t.Errorf("setup mounts %+v", setup.Mounts)
			}
			if m := in.Steps[2].Mounts; len(m) != 0 {
				t.Errorf("the compile mounts %+v; apt's locked caches would serialize the targets", m)
			}
			if !in.Guarded() {
				t.Error("the arch guard is off for a c artifact")
			}
			if len(in.TargetEnv) == 0 || in.TargetEnv[0].Name != "MSTAGE_TRIPLE" {
				t.Errorf("target env %+v", in.TargetEnv)
			}
		}
	}
	if builders != 1 {
		t.Errorf("%d builder instances, want one on the build platform", builders)
	}
}

func TestMentions(t *testing.T) {
	words := []string{"apt-get", "apt"}
	for cmd, want := range map[string]bool{
		"apt-get update": true,
		"grep -v '^#' p.txt | xargs apt-get install": true,
		"DEBIAN_FRONTEND=noninteractive apt install": true,
		"sudo apt-get install x":                     true,
		"(cd /x && apt-get update)":                  true,
		"make apt-get-helper":                        false,
		"echo aptitude":                              false,
		"$CXX -O2 -o /out/app main.cpp":              false,
	} {
		s := &spec.Step{Run: &spec.Command{Shell: cmd}}
		if got := Mentions(s, words); got != want {
			t.Errorf("Mentions(%q) = %v, want %v", cmd, got, want)
		}
	}
	if !Mentions(&spec.Step{Run: &spec.Command{Args: []string{"apt-get", "update"}}}, words) {
		t.Error("an exec-form apt-get is not mentioned")
	}
}
