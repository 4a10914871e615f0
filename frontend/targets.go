package frontend

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/subrequests/targets"

	"github.com/mstage/mstage/spec"
)

// defaultTarget is the stage built without --target: the spec's default,
// else the last runtime, else the last stage. llbgen picks the same.
func defaultTarget(s *spec.Spec) string {
	if s.Default != "" {
		return s.Default
	}
	if n := len(s.Runtimes); n > 0 {
		return s.Runtimes[n-1].Name
	}
	all := s.Stages()
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1].Name
}

// targetStage returns the stage named by --target, or the default stage.
func targetStage(s *spec.Spec, name string) (*spec.Stage, error) {
	if name == "" {
		name = defaultTarget(s)
	}
	if st := s.Stage(name); st != nil {
		return st, nil
	}
	var names []string
	for _, st := range s.Stages() {
		names = append(names, st.Name)
	}
	msg := fmt.Sprintf("target %q is not a stage of %s", name, s.Filename)
	if guess := closest(name, names); guess != "" {
		msg += fmt.Sprintf("; did you mean %q?", guess)
	}
	if len(names) > 0 {
		msg += " (stages: " + strings.Join(names, ", ") + ")"
	}
	return nil, fmt.Errorf("%s", msg)
}

// listTargets answers --call=targets: every stage in file order, its kind in
// front of its description.
func listTargets(s *spec.Spec, data []byte) *targets.List {
	def := defaultTarget(s)
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

// closest returns the candidate within a small edit distance of name, for a
// "did you mean" hint, or "".
func closest(name string, candidates []string) string {
	best, bestDist := "", max(2, len(name)/3)+1
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
