package plan

import (
	"fmt"
	"strings"
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
    args: [%s]
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
	for name, src := range map[string]string{
		"plain": fmt.Sprintf(sharedStepsSpec, "x", "GLOBAL", "release"),
		// GLOBAL names the target but no shared step gets it.
		"unused arg naming the target": fmt.Sprintf(sharedStepsSpec, "${TARGETARCH}", "", "release"),
	} {
		t.Run(name, func(t *testing.T) {
			apps := appInstances(t, resolve(t, mustParse(t, src), "img", "", amd64, arm64))
			for _, in := range apps {
				if in.SharedSteps != 3 {
					t.Errorf("%s for %s: SharedSteps %d, want 3 (the manifests copy, the fetch and the copy of the sources)", in.Name(), in.BuiltFor.Architecture, in.SharedSteps)
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
		})
	}
}

// TestStepsNamingTheTargetAreNotShared: the first instance builds its
// native steps, the second builds its own when they differ.
func TestStepsNamingTheTargetAreNotShared(t *testing.T) {
	for name, src := range map[string]string{
		"stage env":            fmt.Sprintf(sharedStepsSpec, "x", "GLOBAL", "${TARGETARCH}"),
		"stage arg TARGETARCH": fmt.Sprintf(sharedStepsSpec, "x", "TARGETARCH", "release"),
	} {
		t.Run(name, func(t *testing.T) {
			apps := appInstances(t, resolve(t, mustParse(t, src), "img", "", amd64, arm64))
			if apps[0].StepsOf != apps[0] {
				t.Errorf("the first instance does not build its native steps")
			}
			if apps[1].SharedSteps != 0 || apps[1].StepsOf != nil {
				t.Errorf("%s for %s: SharedSteps %d, shares %v; want none shared", apps[1].Name(), apps[1].BuiltFor.Architecture, apps[1].SharedSteps, apps[1].StepsOf != nil)
			}
		})
	}
}

// TestCopiesBeforeTheTargetAreNative: an artifact's leading copies are
// native unless they read something fetched for the target, and shared
// only when they are the same for both targets.
func TestCopiesBeforeTheTargetAreNative(t *testing.T) {
	for name, tc := range map[string]struct {
		copy           string
		native, shared bool
	}{
		"from the context":        {"src/\n        to: /src/", true, true},
		"naming the target":       {"src/${TARGETARCH}/\n        to: /src/", true, false},
		"to a path naming target": {"src/\n        to: /src/${TARGETOS}-${TARGETARCH}/", true, false},
		"from an image":           {"/bin/busybox\n        image: busybox:1\n        to: /src/", false, false},
		"content":                 {"[]\n        content: hello\n        to: /src/hello.txt", false, false},
		"from a url":              {"[]\n        url: https://example.com/a.tar\n        sha256: " + strings.Repeat("a", 64) + "\n        to: /src/", false, false},
	} {
		t.Run(name, func(t *testing.T) {
			src := fmt.Sprintf(`version: 1
builders:
  go:
    image: golang:1.26
    preset: go
artifacts:
  app:
    builder: go
    steps:
      - copy: %s
      - run: go build -o /out/app ./src
    outputs: [/out/app]
runtimes:
  img:
    copy:
      - artifact: app
        to: /usr/local/bin/
`, tc.copy)
			apps := appInstances(t, resolve(t, mustParse(t, src), "img", "", amd64, arm64))
			for _, in := range apps {
				if got := in.Steps[0].Native; got != tc.native {
					t.Errorf("%s for %s: copy native %v, want %v", in.Name(), in.BuiltFor.Architecture, got, tc.native)
				}
				if in.Steps[1].Native {
					t.Errorf("%s for %s: the build step is native", in.Name(), in.BuiltFor.Architecture)
				}
			}
			if got := apps[1].StepsOf == apps[0]; got != tc.shared {
				t.Errorf("the second target shares the first's copy: %v, want %v", got, tc.shared)
			}
		})
	}
}
