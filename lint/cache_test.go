package lint

import (
	"slices"
	"testing"

	"github.com/mstage/mstage/spec"
)

// TestCopyOrderFollowsThePlan checks that the rule is silent exactly where
// the build copies the manifests and fetches first: in an artifact of a go
// preset builder with a later go build, not in the builder's own steps.
func TestCopyOrderFollowsThePlan(t *testing.T) {
	s, err := spec.Parse("mstage.yaml", []byte(`version: 1
builders:
  go:
    image: golang:1.26
    preset: go
    steps:
      - copy: .
      - run: go mod download
artifacts:
  app:
    builder: go
    steps:
      - copy: .
      - run: go mod download
      - run: go build -o /out/app .
    outputs: [/out/app]
  deps:
    builder: go
    steps:
      - copy: .
      - run: go mod download
`))
	if err != nil {
		t.Fatal(err)
	}
	got := positions(Run(s, Options{}), CopyOrderDefeatsCache)
	if want := []string{"7:9 warning", "20:9 warning"}; !slices.Equal(got, want) {
		t.Errorf("findings = %q, want %q (the builder and deps, not app)", got, want)
	}
}
