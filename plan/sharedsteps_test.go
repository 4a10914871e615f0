package plan

import (
	"fmt"
	"testing"
)

// sharedStepsSpec is a go artifact whose whole-context copy makes the plan
// copy the manifests and fetch the modules first, natively.
const sharedStepsSpec = `version: 1
args:
  GLOBAL: %s
builders:
  go:
    image: golang:1.26
    preset: go
    workdir: /src
artifacts:
  app:
    builder: go
    env:
      MODE: %s
    steps:
      - copy: .
      - run: go build -o /out/app .
    outputs: [/out/app]
runtimes:
  img:
    copy:
      - artifact: app
        to: /usr/local/bin/
`

func appInstances(t *testing.T, p *Plan) []*Instance {
	t.Helper()
	var apps []*Instance
	for _, in := range p.Instances {
		if in.Name() == "app" {
			apps = append(apps, in)
		}
	}
	if len(apps) != 2 {
		t.Fatalf("app instances: %d, want one per target platform", len(apps))
	}
	return apps
}

func TestNativeStepsAreSharedByTheTargets(t *testing.T) {
	s := mustParse(t, fmt.Sprintf(sharedStepsSpec, "x", "release"))
	apps := appInstances(t, resolve(t, s, "img", "", amd64, arm64))
	for _, in := range apps {
		if in.SharedSteps != 2 {
			t.Errorf("%s for %s: SharedSteps %d, want 2 (the manifests copy and the fetch)", in.Name(), in.BuiltFor.Architecture, in.SharedSteps)
		}
		if in.StepsOf != apps[0] {
			t.Errorf("%s for %s: StepsOf is not the first instance", in.Name(), in.BuiltFor.Architecture)
		}
		for _, st := range in.Steps[:in.SharedSteps] {
			if !st.Native {
				t.Errorf("shared step %q is not native", st.Display)
			}
		}
	}
}

func TestStepsNamingTheTargetAreNotShared(t *testing.T) {
	for name, src := range map[string]string{
		"stage env":  fmt.Sprintf(sharedStepsSpec, "x", "${TARGETARCH}"),
		"global arg": fmt.Sprintf(sharedStepsSpec, "${TARGETARCH}", "release"),
	} {
		t.Run(name, func(t *testing.T) {
			apps := appInstances(t, resolve(t, mustParse(t, src), "img", "", amd64, arm64))
			for _, in := range apps {
				if in.SharedSteps != 0 || in.StepsOf != nil {
					t.Errorf("%s for %s: SharedSteps %d, StepsOf %v; want none shared", in.Name(), in.BuiltFor.Architecture, in.SharedSteps, in.StepsOf != nil)
				}
			}
		})
	}
}
