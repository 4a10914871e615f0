package frontend

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/spec"
)

// ruleUndeclaredBuildArg is reported for a --build-arg the spec does not
// declare in args.
const ruleUndeclaredBuildArg = "UndeclaredBuildArg"

// lintSpec answers --check. A spec that does not parse is reported as the
// build error of the results, so --check prints it instead of failing.
func lintSpec(s *spec.Spec, parseErr error, buildArgs map[string]string, sm *llb.SourceMap) *lint.LintResults {
	results := &lint.LintResults{}
	srcIdx := results.AddSource(sm)
	if parseErr != nil {
		results.Error = &lint.BuildError{Message: parseErr.Error()}
		if srcs := errdefs.Sources(parseErr); len(srcs) > 0 {
			results.Error.Location = pb.Location{SourceIndex: int32(srcIdx), Ranges: srcs[0].Ranges}
		}
		return results
	}
	_, undeclared := s.ArgValues(buildArgs)
	for _, name := range undeclared {
		if frontendBuildArg(name) {
			continue
		}
		pos := s.At("args")
		results.AddWarning(ruleUndeclaredBuildArg,
			"Build args set with --build-arg should be declared in the spec's args",
			"", fmt.Sprintf("build arg %q is not declared in args; it has no effect", name),
			srcIdx, lintRanges(pos))
	}
	return results
}

// frontendBuildArg reports whether BuildKit or the frontend understand a
// build arg without a declaration.
func frontendBuildArg(name string) bool {
	if strings.HasPrefix(name, "BUILDKIT_") {
		return true
	}
	switch strings.ToUpper(name) {
	case "SOURCE_DATE_EPOCH", "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY":
		return true
	}
	return false
}

func lintRanges(pos spec.Pos) []parser.Range {
	if !pos.IsValid() {
		return nil
	}
	p := parser.Position{Line: pos.Line, Character: max(pos.Col-1, 0)}
	return []parser.Range{{Start: p, End: p}}
}
