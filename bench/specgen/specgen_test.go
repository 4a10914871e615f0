package specgen

import (
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
