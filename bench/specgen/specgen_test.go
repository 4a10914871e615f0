package specgen

import (
	"strings"
	"testing"

	"github.com/mstage/mstage/spec"
)

func TestGenerateParses(t *testing.T) {
	dt := Generate(Shape1000)
	s, err := spec.Parse("generated.yaml", dt)
	if err != nil {
		t.Fatalf("generated spec does not parse: %v", err)
	}
	if got := len(s.Builders); got != 10 {
		t.Errorf("builders: got %d, want 10", got)
	}
	if got := len(s.Artifacts); got != 890 {
		t.Errorf("artifacts: got %d, want 890", got)
	}
	if got := len(s.Runtimes); got != 100 {
		t.Errorf("runtimes: got %d, want 100", got)
	}
	if got := len(s.Reachable(AllRuntime)); got != Shape1000.Stages() {
		t.Errorf("stages reachable from %s: got %d, want %d", AllRuntime, got, Shape1000.Stages())
	}
	if len(dt) > spec.MaxFileSize {
		t.Errorf("generated spec is %d bytes, over the parser's limit of %d", len(dt), spec.MaxFileSize)
	}
}

func TestForStages(t *testing.T) {
	if got := ForStages(1000); got != Shape1000 {
		t.Errorf("ForStages(1000) = %+v, want Shape1000 %+v", got, Shape1000)
	}
	for _, n := range []int{10, 100, 1000} {
		if got := ForStages(n).Stages(); got != n {
			t.Errorf("ForStages(%d) has %d stages", n, got)
		}
	}
}

// TestDockerfileHasAStagePerStage checks that the Dockerfile of a shape has
// one FROM per stage of the spec, in the spec's order, and is the same text
// every time.
func TestDockerfileHasAStagePerStage(t *testing.T) {
	sh := ForStages(100)
	dt := string(Dockerfile(sh))
	if dt != string(Dockerfile(sh)) {
		t.Fatal("Dockerfile is not deterministic")
	}
	var names []string
	for line := range strings.Lines(dt) {
		if strings.HasPrefix(line, "FROM ") {
			f := strings.Fields(line)
			names = append(names, f[len(f)-1])
		}
	}
	if len(names) != sh.Stages() {
		t.Fatalf("%d FROM lines, want %d", len(names), sh.Stages())
	}
	if names[0] != builderName(0) || names[sh.Builders] != artifactName(0) || names[len(names)-1] != AllRuntime {
		t.Errorf("stage order: first %s, first artifact %s, last %s", names[0], names[sh.Builders], names[len(names)-1])
	}
	if !strings.Contains(dt, "FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS b00\n") {
		t.Error("the go builder does not run on the build platform")
	}
}
