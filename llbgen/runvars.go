package llbgen

import (
	"slices"

	"github.com/mstage/mstage/spec"
)

// runVars lists the variables of vars that cmd references, sorted; only
// these reach the step's environment, so an unrelated build arg does not
// invalidate its cache.
func runVars(cmd *spec.Command, vars map[string]string) []string {
	var names []string
	for _, kv := range spec.RunVars(cmd, vars) {
		names = append(names, kv.Key)
	}
	return names
}

// stepVars lists, sorted, the variables a run step gets as env: those its
// command references and the stage's args, which every run step of the
// stage gets, as after ARG in a Dockerfile stage.
func stepVars(cmd *spec.Command, stageArgs []spec.String, vars map[string]string) []string {
	names := runVars(cmd, vars)
	for _, a := range stageArgs {
		if _, ok := vars[a.Value]; ok && !slices.Contains(names, a.Value) {
			names = append(names, a.Value)
		}
	}
	slices.Sort(names)
	return names
}
