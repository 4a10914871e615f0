package plan

import (
	"testing"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

func TestManifestsFirstSkippedWhenUserCopiesManifests(t *testing.T) {
	steps := []*spec.Step{
		{Copy: &spec.Copy{Src: []spec.String{{Value: "go.mod"}, {Value: "go.sum"}}}},
		{Run: &spec.Command{Shell: "go mod download"}},
		{Copy: &spec.Copy{Src: []spec.String{{Value: "."}}}},
		{Run: &spec.Command{Shell: "go build ./..."}},
	}
	ps, _ := preset.Lookup("go")
	if got := manifestsFirst(steps, ps); len(got) != len(steps) {
		t.Errorf("%d steps, want the %d written ones", len(got), len(steps))
	}
	noTrigger := []*spec.Step{
		{Copy: &spec.Copy{}},
		{Run: &spec.Command{Shell: "ls"}},
	}
	if got := manifestsFirst(noTrigger, ps); len(got) != 2 {
		t.Errorf("%d steps without a trigger, want 2", len(got))
	}
	triggered := []*spec.Step{
		{Copy: &spec.Copy{To: "/src"}},
		{Run: &spec.Command{Shell: "cd x && CGO_ENABLED=1 go test ./..."}},
	}
	got := manifestsFirst(triggered, ps)
	if len(got) != 4 || got[0].Spec.Copy.To != "/src/" || got[1].Spec.Workdir != "/src" {
		t.Errorf("triggered steps = %+v", got)
	}
}

func TestTriggers(t *testing.T) {
	p, _ := preset.Lookup("go")
	goTriggers := p.Triggers
	for cmd, want := range map[string]bool{
		"go build ./...":            true,
		"make && go test -v ./...":  true,
		"CGO_ENABLED=1 go vet ./..": true,
		"echo go build":             false,
		"gobuild":                   false,
	} {
		if got := triggers(&spec.Step{Run: &spec.Command{Shell: cmd}}, goTriggers); got != want {
			t.Errorf("triggers(%q) = %v, want %v", cmd, got, want)
		}
	}
}

func TestCopiesWholeContext(t *testing.T) {
	for src, want := range map[string]bool{".": true, "./": true, "/": true, "*": true, "./*": true, "/*": true, " . ": true, "./.": true, "src": false, "*.go": false, "./src/*": false} {
		if got := CopiesWholeContext(&spec.Copy{Src: []spec.String{{Value: src}}}); got != want {
			t.Errorf("CopiesWholeContext(%q) = %v, want %v", src, got, want)
		}
	}
	if !CopiesWholeContext(&spec.Copy{}) || CopiesWholeContext(&spec.Copy{Stage: "b"}) {
		t.Error("a copy without sources copies the whole context; a copy from a stage does not")
	}
}
