package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// testCase runs in every mode unless only names some.
type testCase struct {
	name string
	only []string
	run  func(t *testing.T, e *env, m mode)
}

func (c testCase) runsIn(m mode) bool {
	if len(c.only) == 0 {
		return true
	}
	for _, n := range c.only {
		if n == m.name() {
			return true
		}
	}
	return false
}

func cases() []testCase {
	return []testCase{
		{name: "examples", run: testExamples},
		{name: "go-service-multiarch", run: testGoServiceMultiArch},
		{name: "rust-multiarch", only: []string{"buildx"}, run: testRustMultiArch},
		{name: "python-multiarch", only: []string{"buildx"}, run: testPythonMultiArch},
		{name: "init-presets", only: []string{"buildx"}, run: testInitPresets},
		{name: "target-builder", run: testTargetBuilder},
		{name: "target-artifact", run: testTargetArtifact},
		{name: "target-runtime", run: testTargetRuntime},
		{name: "build-arg", run: testBuildArg},
		{name: "named-context", run: testNamedContext},
		{name: "dockerignore", run: testDockerignore},
		{name: "secret", run: testSecret},
		{name: "cache-mount", run: testCacheMount},
		{name: "no-cache", run: testNoCache},
		{name: "registry-cache", run: testRegistryCache},
		{name: "needs-fail", run: testNeedsFail},
		{name: "run-fail-location", run: testRunFailLocation},
		{name: "arch-guard", run: testArchGuard},
		{name: "env-path", run: testEnvPath},
		{name: "stage-args", run: testStageArgs},
		{name: "url-sources", run: testURLSources},
		{name: "git-sources", run: testGitSources},
		{name: "per-platform", run: testPerPlatform},
		{name: "include", run: testInclude},
		{name: "mount-sources", run: testMountSources},
		{name: "bake", only: []string{"buildx"}, run: testBake},
		{name: "bake-example", only: []string{"buildx"}, run: testBakeExample},
		{name: "c-preset", only: []string{"buildx"}, run: testCPreset},
		{name: "node-web", only: []string{"buildx"}, run: testNodeWeb},
		{name: "init-node", only: []string{"buildx"}, run: testInitNode},
		{name: "node-native", only: []string{"buildx"}, run: testNodeNative},
	}
}

// TestE2E runs every case in every mode, as subtests named mode/case, and
// prints a summary table at the end.
func TestE2E(t *testing.T) {
	e := loadEnv(t)
	t.Logf("e2e: BUILDKIT_HOST=%s registry=%s builder=%s frontend image=%q run=%s",
		e.host, e.registry, e.builder, e.frontend, e.runID)
	modes := allModes()
	all := cases()
	status := map[string]string{} // mode/case -> PASS|FAIL|SKIP
	for _, m := range modes {
		t.Run(m.name(), func(t *testing.T) {
			if why := m.unavailable(e); why != "" {
				t.Skipf("e2e: %s mode unavailable: %s", m.name(), why)
			}
			for _, c := range all {
				if !c.runsIn(m) {
					continue
				}
				t.Run(c.name, func(t *testing.T) {
					defer func() { status[m.name()+"/"+c.name] = outcome(t) }()
					c.run(t, e, m)
				})
			}
		})
	}
	printSummary(modes, all, status)
}

func outcome(t *testing.T) string {
	switch {
	case t.Failed():
		return "FAIL"
	case t.Skipped():
		return "SKIP"
	}
	return "PASS"
}

func printSummary(modes []mode, all []testCase, status map[string]string) {
	var b strings.Builder
	fmt.Fprintf(&b, "e2e summary: %-22s", "case")
	for _, m := range modes {
		fmt.Fprintf(&b, " %-8s", m.name())
	}
	b.WriteString("\n")
	for _, c := range all {
		fmt.Fprintf(&b, "e2e summary: %-22s", c.name)
		for _, m := range modes {
			s, ok := status[m.name()+"/"+c.name]
			if !ok {
				s = "-"
			}
			fmt.Fprintf(&b, " %-8s", s)
		}
		b.WriteString("\n")
	}
	fmt.Fprint(os.Stdout, b.String())
}
