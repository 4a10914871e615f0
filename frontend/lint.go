package frontend

import (
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	speclint "github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/spec"
)

// lintSpec answers --check. A spec that does not parse is reported as the
// build error of the results, so --check prints it instead of failing.
func lintSpec(s *spec.Spec, parseErr error, opt speclint.Options, sm *llb.SourceMap) *lint.LintResults {
	results := &lint.LintResults{}
	srcIdx := results.AddSource(sm)
	if parseErr != nil {
		results.Error = &lint.BuildError{Message: parseErr.Error()}
		if srcs := errdefs.Sources(parseErr); len(srcs) > 0 {
			results.Error.Location = pb.Location{SourceIndex: int32(srcIdx), Ranges: srcs[0].Ranges}
		}
		return results
	}
	for _, f := range speclint.Run(s, opt) {
		// Info findings are advice for `mstage lint`; --check fails on
		// any warning it returns, so it gets only the warnings.
		if f.Level != speclint.LevelWarning {
			continue
		}
		results.AddWarning(f.Rule.Name, f.Rule.Description, f.Rule.URL, f.Msg, srcIdx, lintRanges(f.Pos))
	}
	return results
}

func lintRanges(pos spec.Pos) []parser.Range {
	if !pos.IsValid() {
		return nil
	}
	p := parser.Position{Line: pos.Line, Character: max(pos.Col-1, 0)}
	return []parser.Range{{Start: p, End: p}}
}
