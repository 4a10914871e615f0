package frontend

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/subrequests/targets"

	"github.com/mstage/mstage/spec"
)

// targetStage returns the stage named by --target, or the default stage.
func targetStage(s *spec.Spec, name string) (*spec.Stage, error) {
	if name == "" {
		name = s.DefaultTarget()
	}
	if st := s.Stage(name); st != nil {
		return st, nil
	}
	var names []string
	for _, st := range s.Stages() {
		names = append(names, st.Name)
	}
	expected := "the name of a stage"
	if len(names) > 0 && len(names) <= 10 {
		expected = "one of " + strings.Join(names, ", ")
	}
	return nil, spec.ErrorList{{Filename: s.Filename, Pos: s.Pos, Msg: fmt.Sprintf("target %s is not a stage of %s", shortName(name), s.Filename),
		Expected: expected, Suggestion: spec.Suggest(name, names)}}
}

// shortName quotes a name for a message, cutting a long one.
func shortName(name string) string {
	const keep = 60
	if len(name) <= keep {
		return strconv.Quote(name)
	}
	return strconv.Quote(strings.ToValidUTF8(name[:keep], "")) + "..."
}

// listTargets answers --call=targets: every stage in file order, its kind in
// front of its description.
func listTargets(s *spec.Spec, data []byte) *targets.List {
	def := s.DefaultTarget()
	list := &targets.List{Sources: [][]byte{data}}
	for _, st := range s.Stages() {
		list.Targets = append(list.Targets, targets.Target{
			Name:        st.Name,
			Default:     st.Name == def,
			Description: strings.TrimSpace("[" + string(st.Kind) + "] " + st.Description),
			Base:        stageBase(st),
			Platform:    st.Platform,
			Location:    location(st.Pos),
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
