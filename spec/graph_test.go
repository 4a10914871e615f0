package spec

import "testing"

func TestDepsAndReachable(t *testing.T) {
	s := parseFile(t, "testdata/full.yaml")
	tests := []struct{ stage, deps string }{
		{"go", ""},
		{"go-tools", "go"},
		{"app", "go"},
		{"unit-tests", "go-tools"},
		{"service", "app unit-tests"},
	}
	for _, tt := range tests {
		if got := names(s.Deps(s.Stage(tt.stage))); got != tt.deps {
			t.Errorf("Deps(%s) = %q, want %q", tt.stage, got, tt.deps)
		}
	}
	if got := names(s.Reachable("service")); got != "go app go-tools unit-tests service" {
		t.Errorf("Reachable(service) = %q", got)
	}
	if got := names(s.Reachable("unit-tests")); got != "go go-tools unit-tests" {
		t.Errorf("Reachable(unit-tests) = %q", got)
	}
	if got := s.Reachable("nope"); got != nil {
		t.Errorf("Reachable(nope) = %v, want nil", got)
	}
}

func TestDepsOrderAndDedup(t *testing.T) {
	s := mustParse(t, `version: 1
builders:
  go: {image: golang}
artifacts:
  a: {builder: go}
  b: {builder: go}
  c:
    builder: go
    needs: [a]
    steps:
      - copy: x
        artifact: b
      - run: make
        mounts:
          - bind: /a
            artifact: a
          - bind: /g
            stage: go
`)
	if got := names(s.Deps(s.Stage("c"))); got != "go b a" {
		t.Errorf("Deps(c) = %q, want builder, then copy and bind sources in step order, then needs, each once", got)
	}
	if got := names(s.Reachable("c")); got != "go b a c" {
		t.Errorf("Reachable(c) = %q", got)
	}
}

func TestDefaultTarget(t *testing.T) {
	tests := []struct{ src, want string }{
		{"version: 1\ndefault: go\nbuilders: {go: {image: golang}}\nruntimes: {r: {}}\n", "go"},
		{"version: 1\nbuilders: {go: {image: golang}}\nruntimes: {r1: {}, r2: {}}\n", "r2"},
		{"version: 1\nbuilders: {go: {image: golang}}\nartifacts: {a: {builder: go}, b: {builder: go}}\n", "b"},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.src).DefaultTarget(); got != tt.want {
			t.Errorf("DefaultTarget of %q = %q, want %q", tt.src, got, tt.want)
		}
	}
	if got := (&Spec{}).DefaultTarget(); got != "" {
		t.Errorf("DefaultTarget of a spec without stages = %q, want empty", got)
	}
}

func TestCycleThroughThreeStages(t *testing.T) {
	got := firstError(t, `version: 1
builders:
  go: {image: golang}
artifacts:
  a: {builder: go, needs: [b]}
  b:
    builder: go
    steps:
      - run: make
        mounts:
          - bind: /c
            stage: c
  c:
    builder: go
    steps:
      - copy: .
        artifact: a
`).Error()
	if want := "mstage.yaml:17:19: dependency cycle: a -> b -> c -> a; expected stages that do not depend on themselves"; got != want {
		t.Errorf("error:\n%s\nwant:\n%s", got, want)
	}
}

// An arg a stage lists in its args is used by that stage, as is one a used
// default names.
func TestArgsUsedByStageArgs(t *testing.T) {
	s := mustParse(t, "version: 1\nargs: {A: a, B: b, C: \"${B}\", D: d}\nbuilders:\n  b:\n    image: golang\n    args: [A, C, TARGETARCH]\n")
	used := s.ArgsUsedBy(s.Stages())
	for name, want := range map[string]bool{"A": true, "B": true, "C": true, "D": false} {
		if used[name] != want {
			t.Errorf("used[%s] = %v, want %v", name, used[name], want)
		}
	}
}
