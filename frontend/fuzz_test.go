package frontend

import (
	"errors"
	"testing"

	"github.com/mstage/mstage/internal/hostile"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// FuzzOutline answers --call=outline for every spec that parses, for its
// default target and four platforms (or its own platforms), after the
// checks a build request makes. It must never panic; an error must be a
// positioned spec error.
func FuzzOutline(f *testing.F) {
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
		targets := hostilePlatforms()
		if len(s.Platforms) > 0 {
			if targets, err = specPlatforms(s); err != nil {
				t.Fatalf("platforms of a parsed spec: %v", err)
			}
		}
		err = checkBuildSize(s, "", targets)
		if err == nil {
			_, err = outlineOf(s, plan.Request{BuildArgs: map[string]string{"A": "a"}, CacheNamespace: "tenant-a", TargetPlatforms: targets, BuildPlatform: plan.PlaceholderBuildPlatform()}, data)
		}
		if err == nil {
			return
		}
		var list spec.ErrorList
		var one *spec.Error
		switch {
		case errors.As(err, &list):
			for _, e := range list {
				if !e.Pos.IsValid() && len(s.Stages()) > 0 {
					t.Fatalf("error without a position: %v", e)
				}
			}
		case errors.As(err, &one):
		default:
			t.Fatalf("error %T is not a spec error: %v", err, err)
		}
	})
}
