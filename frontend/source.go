package frontend

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/spec"
)

// posRange converts a 1-based line and column to the range BuildKit shows
// in its source snippets. BuildKit's characters are 0-based.
func posRange(pos spec.Pos) *pb.Range {
	char := int32(max(pos.Col-1, 0))
	return &pb.Range{
		Start: &pb.Position{Line: int32(pos.Line), Character: char},
		End:   &pb.Position{Line: int32(pos.Line), Character: char},
	}
}

// sourceInfo describes the spec file for errors, warnings and subrequests.
func sourceInfo(sm *llb.SourceMap) *pb.SourceInfo {
	info := &pb.SourceInfo{
		Filename: sm.Filename,
		Language: sm.Language,
		Data:     sm.Data,
	}
	if sm.Definition != nil {
		info.Definition = sm.Definition.ToPB()
	}
	return info
}

// withSourceAt attaches the spec file and the positions to err, so that
// buildx prints the lines of the spec around the problem. Invalid positions
// are left out; with none left, err is returned unchanged.
func withSourceAt(err error, sm *llb.SourceMap, positions ...spec.Pos) error {
	if err == nil || sm == nil {
		return err
	}
	var ranges []*pb.Range
	for _, pos := range positions {
		if pos.IsValid() {
			ranges = append(ranges, posRange(pos))
		}
	}
	if len(ranges) == 0 {
		return err
	}
	return errdefs.WithSource(err, &errdefs.Source{Info: sourceInfo(sm), Ranges: ranges})
}

// location points into the first (and only) source of a subrequest result.
func location(pos spec.Pos) *pb.Location {
	if !pos.IsValid() {
		return nil
	}
	return &pb.Location{SourceIndex: 0, Ranges: []*pb.Range{posRange(pos)}}
}
