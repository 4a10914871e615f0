package frontend

import (
	"errors"

	"github.com/moby/buildkit/client/llb"

	"github.com/mstage/mstage/spec"
)

// withSpecSource attaches the spec file to an error from spec (a parse,
// validation or expansion error), pointing at every position it names, so
// that buildx prints the offending lines. Other errors pass unchanged.
func withSpecSource(err error, sm *llb.SourceMap) error {
	if err == nil {
		return nil
	}
	var list spec.ErrorList
	if errors.As(err, &list) {
		var positions []spec.Pos
		for _, e := range list {
			positions = append(positions, e.Pos)
		}
		return withSourceAt(err, sm, positions...)
	}
	var one *spec.Error
	if errors.As(err, &one) {
		return withSourceAt(err, sm, one.Pos)
	}
	return err
}
