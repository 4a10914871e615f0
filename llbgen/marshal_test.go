package llbgen

import (
	"context"
	"testing"

	"github.com/mstage/mstage/llbgen/llbtest"
)

// TestResultMarshal checks that a result's definitions are its target, gates
// and guards, in order.
func TestResultMarshal(t *testing.T) {
	s, dt := load(t, "go.yaml")
	res := compile(t, s, options("web", arm64, s, dt))
	defs, err := res.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(defs.Gates) != len(res.Gates) || len(defs.Guards) != len(res.Guards) || len(res.Gates) == 0 || len(res.Guards) == 0 {
		t.Fatalf("%d gate and %d guard definitions for %d gates and %d guards", len(defs.Gates), len(defs.Guards), len(res.Gates), len(res.Guards))
	}
	if got, want := llbtest.DecodeDefinition(t, defs.Target).Head, llbtest.Decode(t, res.State).Head; got != want {
		t.Errorf("target definition ends in %s, want %s", got, want)
	}
	for i, g := range res.Gates {
		if got, want := llbtest.DecodeDefinition(t, defs.Gates[i]).Head, llbtest.Decode(t, g.State).Head; got != want {
			t.Errorf("gate %s: definition ends in %s, want %s", g.Stage, got, want)
		}
	}
	for i, g := range res.Guards {
		if got, want := llbtest.DecodeDefinition(t, defs.Guards[i]).Head, llbtest.Decode(t, g.State).Head; got != want {
			t.Errorf("guard %s: definition ends in %s, want %s", g.Stage, got, want)
		}
	}
}
