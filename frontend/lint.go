package frontend

import (
	"context"
	"fmt"
	"maps"
	"slices"

	dflinter "github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"

	speclint "github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/spec"
)

// lintSpec answers --check. A spec that does not parse, or whose target
// would not compile (lint.Buildable), is reported as the build error of the
// results, so --check prints it instead of failing.
func lintSpec(ctx context.Context, s *spec.Spec, parseErr error, opt speclint.Options, srcs specSources) *lint.LintResults {
	results := &lint.LintResults{}
	srcIdx := results.AddSource(srcs.main)
	// The included files follow the spec, in name order.
	index := map[string]int{"": srcIdx}
	for _, name := range slices.Sorted(maps.Keys(srcs.included)) {
		index[name] = results.AddSource(srcs.included[name])
	}
	if parseErr == nil {
		parseErr = withSpecSource(speclint.Buildable(ctx, s, opt), srcs)
	}
	if parseErr != nil {
		setBuildError(results, parseErr, index)
		return results
	}
	opt.Source = srcs.main.Data
	chk, err := speclint.ReadCheck(s.Filename, opt)
	if err != nil {
		setBuildError(results, withSpecSource(err, srcs), index)
		return results
	}
	findings := speclint.Run(s, opt)
	for _, f := range findings {
		// Info findings are advice for `mstage lint`; --check fails on
		// any warning it returns, so it gets only the warnings.
		if f.Level != speclint.LevelWarning {
			continue
		}
		results.AddWarning(f.Rule.Name, f.Rule.Description, f.Rule.URL, f.Msg, index[f.Pos.File], lintRanges(f.Pos))
	}
	// With error=true a build fails on these warnings; so does the check.
	if err := speclint.Failure(chk, s.Filename, findings); err != nil {
		setBuildError(results, withSpecSource(err, srcs), index)
	}
	return results
}

// setBuildError makes err, positioned at its first source range, the build
// error of results. index gives the source index of each file by the name
// positions give (the spec's is "").
func setBuildError(results *lint.LintResults, err error, index map[string]int) {
	results.Error = &lint.BuildError{Message: err.Error()}
	if srcs := errdefs.Sources(err); len(srcs) > 0 {
		idx := index[""]
		if e := spec.FirstError(err); e != nil {
			idx = index[e.Pos.File]
		}
		results.Error.Location = pb.Location{SourceIndex: int32(idx), Ranges: srcs[0].Ranges}
	}
}

func lintRanges(pos spec.Pos) []parser.Range {
	if !pos.IsValid() {
		return nil
	}
	p := parser.Position{Line: pos.Line, Character: max(pos.Col-1, 0)}
	return []parser.Range{{Start: p, End: p}}
}

// lintBuild runs the lint rules in a build, once for all its platforms, as
// --check would (warnings only), and shows each warning through the client
// as the Dockerfile frontend shows its checks: the rule, the message and the
// line, the rule's description and URL, and the range in the spec, so that
// buildx prints "N warnings found" with the YAML line. The error is an
// invalid check directive, or the warnings when the check has error=true;
// the rules themselves never fail the build.
func lintBuild(ctx context.Context, s *spec.Spec, opt speclint.Options, src *dockerui.Source, srcs specSources) error {
	opt.Source = src.Data
	chk, err := speclint.ReadCheck(s.Filename, opt)
	if err != nil {
		return withSpecSource(err, srcs)
	}
	findings := runRules(s, opt)
	shown, total := 0, 0
	for _, f := range findings {
		if f.Level != speclint.LevelWarning {
			continue
		}
		total++
		if shown == maxBuildWarnings {
			continue
		}
		shown++
		var ranges []*pb.Range
		if f.Pos.IsValid() {
			ranges = []*pb.Range{posRange(f.Pos)}
		}
		src.Warn(ctx, dflinter.LintFormatShort(f.Rule.Name, f.Msg, f.Pos.Line), client.WarnOpts{
			Level:      1,
			Detail:     [][]byte{[]byte(f.Rule.Description)},
			URL:        f.Rule.URL,
			Range:      ranges,
			SourceInfo: includedInfo(srcs, f.Pos),
		})
	}
	if total > shown {
		src.Warn(ctx, fmt.Sprintf("%d more lint warnings; docker buildx build --check (or mstage lint) lists them all", total-shown), client.WarnOpts{Level: 1})
	}
	return withSpecSource(speclint.Failure(chk, s.Filename, findings), srcs)
}

// maxBuildWarnings bounds the lint warnings a build sends: each carries the
// whole spec file, and a generated spec can have thousands.
const maxBuildWarnings = 50

// runRules is speclint.Run, except that a rule that panics costs the build
// its warnings, not the build.
func runRules(s *spec.Spec, opt speclint.Options) (findings []speclint.Finding) {
	defer func() {
		if recover() != nil {
			findings = nil
		}
	}()
	return speclint.Run(s, opt)
}
