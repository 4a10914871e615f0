package llbgen

import (
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
