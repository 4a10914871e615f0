package spec

import (
	"fmt"
	"strings"
)

// maxListedTargets is how many stage names an unknown-target error lists.
const maxListedTargets = 10

// TargetStage returns the stage a build of target builds: the stage of that
// name, or the default target when name is empty. An unknown name is an
// error that suggests the closest stage and lists them when they are few.
// The name comes from the client's --target, not from the file, so the
// error is at the start of the document.
func (s *Spec) TargetStage(name string) (*Stage, error) {
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
	file := s.Filename
	if file == "" {
		file = "the spec"
	}
	expected := "the name of a stage"
	if len(names) > 0 && len(names) <= maxListedTargets {
		expected = "one of " + strings.Join(names, ", ")
	}
	return nil, ErrorList{{Filename: s.Filename, Pos: s.Pos, Msg: fmt.Sprintf("target %s is not a stage of %s", shorten(name), file),
		Expected: expected, Suggestion: Suggest(name, names)}}
}
