package frontend

import (
	"context"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mstage/mstage/spec"
)

// A gate's failure must keep its "stage ... failed" context when the
// frontend returns it over gRPC, along with the solve's source location.
func TestContextErrorSurvivesGRPC(t *testing.T) {
	daemonErr := grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(),
		errdefs.WithSource(grpcerrors.FromGRPC(status.Error(codes.Unknown, `process "/bin/sh -c go test" did not complete successfully: exit code: 1`)),
			&errdefs.Source{Info: &pb.SourceInfo{Filename: "mstage.yaml"}, Ranges: []*pb.Range{posRange(spec.Pos{Line: 7, Col: 3})}})))

	wrapped := wrapContext(daemonErr, "stage %q (needed by %s) failed", "unit-tests", "app")
	got := grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), wrapped))
	want := `stage "unit-tests" (needed by app) failed: process "/bin/sh -c go test" did not complete successfully: exit code: 1`
	if !strings.Contains(got.Error(), want) {
		t.Errorf("after gRPC: %q; want it to contain %q", got.Error(), want)
	}
	srcs := errdefs.Sources(got)
	if len(srcs) != 1 || srcs[0].Ranges[0].Start.Line != 7 {
		t.Errorf("source locations after gRPC: %v", srcs)
	}
}
