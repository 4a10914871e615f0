package lint

import (
	"context"

	"github.com/mstage/mstage/spec"
)

// File checks a spec file as `mstage lint` does and as a build would see
// it: it parses data, checks that a build of opt.Target would compile
// (Buildable) and that its check directive is valid (ReadCheck), and runs
// the rules with opt.Source set to data. err is what makes the file
// unbuildable: the spec's positioned errors (a spec.ErrorList) or the
// unknown target; findings are then nil. The one exception is a check with
// error=true: the findings are returned with their warnings as err
// (Failure), since a build would fail on them. The spec is returned when it
// parsed.
func File(filename string, data []byte, opt Options) (s *spec.Spec, findings []Finding, err error) {
	s, err = spec.Load(filename, data, opt.Files)
	if err != nil {
		return nil, nil, err
	}
	if err := Buildable(context.Background(), s, opt); err != nil {
		return s, nil, err
	}
	opt.Source = data
	chk, err := ReadCheck(filename, opt)
	if err != nil {
		return s, nil, err
	}
	findings = Run(s, opt)
	return s, findings, Failure(chk, filename, findings)
}
