package frontend

import (
	"errors"
	"fmt"

	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/status"

	"github.com/mstage/mstage/spec"
)

// withSpecSource attaches the spec file, or the included file, to an error
// from spec (a parse, validation or expansion error), pointing at every
// position it names, so that buildx prints the offending lines. Other
// errors pass unchanged.
func withSpecSource(err error, srcs specSources) error {
	if err == nil {
		return nil
	}
	var positions []spec.Pos
	var list spec.ErrorList
	var one *spec.Error
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			positions = append(positions, e.Pos)
		}
	case errors.As(err, &one):
		positions = append(positions, one.Pos)
	default:
		return err
	}
	// One source per file, in the order the positions name them (the
	// errors are sorted, so the spec file's come first).
	var files []string
	byFile := map[string][]spec.Pos{}
	for _, p := range positions {
		if _, seen := byFile[p.File]; !seen {
			files = append(files, p.File)
		}
		byFile[p.File] = append(byFile[p.File], p)
	}
	for i := len(files) - 1; i >= 0; i-- {
		ps := byFile[files[i]]
		err = withSourceAt(err, srcs.of(ps[0]), ps...)
	}
	return err
}

// contextError puts what failed in front of an error from the daemon.
// Such an error wraps a gRPC status, and when the frontend returns it
// BuildKit sends only the innermost status's message and drops plain
// fmt.Errorf context. contextError therefore reports its own status, with
// the whole message; the typed details below it (exec error, source
// location) are still found by unwrapping.
type contextError struct {
	context string
	err     error
}

func wrapContext(err error, format string, a ...any) error {
	return &contextError{context: fmt.Sprintf(format, a...), err: err}
}

func (e *contextError) Error() string { return e.context + ": " + e.err.Error() }

func (e *contextError) Unwrap() error { return e.err }

func (e *contextError) GRPCStatus() *status.Status {
	return status.New(grpcerrors.Code(e.err), e.Error())
}
