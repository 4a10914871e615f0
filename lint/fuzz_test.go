package lint

import (
	"testing"

	"github.com/mstage/mstage/internal/hostile"
	"github.com/mstage/mstage/spec"
)

// FuzzLint lints every spec that parses, with a build arg and a target. It
// must never panic, and every finding must be positioned in the file.
func FuzzLint(f *testing.F) {
	seeds, err := hostile.SeedFiles("../examples/*/mstage.yaml", "testdata/*.yaml", "../spec/testdata/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range append(seeds, hostile.Seeds(4<<10)...) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := spec.Parse("mstage.yaml", data)
		if err != nil {
			return
		}
		for _, finding := range Run(s, Options{BuildArgs: map[string]string{"A": "a", "UNDECLARED": "1"}, Target: s.DefaultTarget()}) {
			if !finding.Pos.IsValid() || finding.Msg == "" {
				t.Fatalf("finding without a position or message: %+v", finding)
			}
		}
	})
}
