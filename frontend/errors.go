package frontend

import (
	"errors"
	"fmt"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/status"

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
