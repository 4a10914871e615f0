package plan

import (
	"testing"

	"github.com/mstage/mstage/spec"
)

func TestProjectNameFallsBackToStageHash(t *testing.T) {
	a := &spec.Spec{Builders: []*spec.Stage{{Name: "go"}}}
	b := &spec.Spec{Builders: []*spec.Stage{{Name: "golang"}}}
	again := &spec.Spec{Builders: []*spec.Stage{{Name: "go"}}}
	if projectName(a) == projectName(b) || len(projectName(a)) != 12 || projectName(a) != projectName(again) {
		t.Errorf("project names %q %q", projectName(a), projectName(b))
	}
	if projectName(&spec.Spec{Name: "x"}) != "x" {
		t.Error("spec name ignored")
	}
}
