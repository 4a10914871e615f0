package lint

import (
	"fmt"

	dflinter "github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/mstage/mstage/spec"
)

// CheckArg is the build arg that replaces the file's check directive, as
// it does for the Dockerfile frontend.
const CheckArg = "BUILDKIT_DOCKERFILE_CHECK"

// Check is how a build judges the findings: the "# check=" directive among
// the comment lines that open the file (the Dockerfile's spelling, read with
// BuildKit's directive parser), or the BUILDKIT_DOCKERFILE_CHECK build arg,
// which replaces the directive. Both take BuildKit's syntax:
// "skip=RuleA,RuleB;error=true", "skip=all".
type Check struct {
	Skip    []string // rules not run, in addition to the spec's lint.skip
	SkipAll bool     // no rule runs
	Error   bool     // a build with a warning fails before solving
	Pos     spec.Pos // the directive's line; invalid for the build arg
}

// skips reports whether the check turns rule off.
func (c Check) skips(rule string) bool {
	if c.SkipAll {
		return true
	}
	for _, r := range c.Skip {
		if r == rule {
			return true
		}
	}
	return false
}

// ReadCheck reads the check configuration of a build: the CheckArg build arg
// when given, else the directive of opt.Source. A value BuildKit's parser
// rejects is a spec.ErrorList, positioned at the directive.
func ReadCheck(filename string, opt Options) (Check, error) {
	var c Check
	value, ok := opt.BuildArgs[CheckArg]
	where := "--build-arg " + CheckArg + "="
	if !ok {
		if opt.Source == nil {
			return c, nil
		}
		var loc []parser.Range
		value, _, loc, ok = parser.ParseDirective("check", opt.Source)
		if !ok {
			return c, nil
		}
		c.Pos = spec.Pos{Line: 1, Col: 1}
		if len(loc) > 0 {
			c.Pos.Line = loc[0].Start.Line
		}
		where = "# check="
	}
	cfg, err := dflinter.ParseLintOptions(value)
	if err != nil {
		return Check{}, spec.ErrorList{{
			Filename: filename,
			Pos:      c.Pos,
			Msg:      fmt.Sprintf("%s%s: %v", where, value, err),
			Expected: "skip=Rule1,Rule2 or skip=all, and error=true, joined by a semicolon",
		}}
	}
	c.Skip, c.SkipAll, c.Error = cfg.SkipRules, cfg.SkipAll, cfg.ReturnAsError
	return c, nil
}

// Failure is the error of a build whose check has error=true and whose
// findings hold a warning: the warnings (the first maxFailures, then their
// count), positioned, as a spec.ErrorList.
// It is nil otherwise.
func Failure(c Check, filename string, findings []Finding) error {
	if !c.Error {
		return nil
	}
	var list spec.ErrorList
	more := 0
	for _, f := range findings {
		if f.Level != LevelWarning {
			continue
		}
		if len(list) == maxFailures {
			more++
			continue
		}
		list = append(list, &spec.Error{
			Filename: filename,
			Pos:      f.Pos,
			Msg:      fmt.Sprintf("lint warning %s (check error=true): %s", f.Rule.Name, f.Msg),
		})
	}
	if len(list) == 0 {
		return nil
	}
	if more > 0 {
		list = append(list, &spec.Error{Filename: filename, Msg: fmt.Sprintf("and %d more lint warnings", more)})
	}
	return list
}

// maxFailures bounds the warnings a Failure lists.
const maxFailures = 50
