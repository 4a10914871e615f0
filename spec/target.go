package spec

import (
	"fmt"
	"strings"
)

// TargetStage returns the stage a build of target builds: the stage of that
// name, or the default target when name is empty. An unknown name is an
// error that suggests the closest stage and lists them all. It concerns the
// client's --target rather than the file, so it has no position.
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
	msg := fmt.Sprintf("target %q is not a stage of %s", name, file)
	if guess := Suggest(name, names); guess != "" {
		msg += fmt.Sprintf("; did you mean %q?", guess)
	}
	if len(names) > 0 {
		msg += " (stages: " + strings.Join(names, ", ") + ")"
	}
	return nil, fmt.Errorf("%s", msg)
}
