package lint

import (
	"context"

	"github.com/mstage/mstage/spec"
)

// File checks a spec file as `mstage lint` does and as a build would see
// it: it parses data, checks that a build of opt.Target would compile (Buildable), and runs
// the rules with opt.Source set to data. err is what makes the file
// unbuildable: the spec's positioned errors (a spec.ErrorList) or the unknown
// target; findings are then nil. The spec is returned when it parsed.
func File(filename string, data []byte, opt Options) (s *spec.Spec, findings []Finding, err error) {
	s, err = spec.Parse(filename, data)
	if err != nil {
		return nil, nil, err
	}
	if err := Buildable(context.Background(), s, opt); err != nil {
		return s, nil, err
	}
	opt.Source = data
	return s, Run(s, opt), nil
}
