package frontend

import (
	"strings"

	"github.com/moby/buildkit/frontend/subrequests/targets"

	"github.com/mstage/mstage/spec"
)

// targetStage returns the stage named by --target, or the default stage.
func targetStage(s *spec.Spec, name string) (*spec.Stage, error) {
	return s.TargetStage(name)
}

// listTargets answers --call=targets: every stage in file order, its kind in
// front of its description.
func listTargets(s *spec.Spec, data []byte) *targets.List {
	def := s.DefaultTarget()
	sources, locate := sourceList(s, data)
	list := &targets.List{Sources: sources}
	for _, st := range s.Stages() {
		list.Targets = append(list.Targets, targets.Target{
			Name:        st.Name,
			Default:     st.Name == def,
			Description: strings.TrimSpace("[" + string(st.Kind) + "] " + st.Description),
			Base:        stageBase(st),
			Platform:    st.Platform,
			Location:    locate(st.Pos),
		})
	}
	return list
}

// stageBase names what a stage starts from: an image, another stage, or
// the builder an artifact runs in.
func stageBase(st *spec.Stage) string {
	switch {
	case st.Image != "":
		return st.Image
	case st.From != "":
		return st.From
	case st.Builder != "":
		return st.Builder
	case st.Kind == spec.KindRuntime:
		return "scratch"
	}
	return ""
}
