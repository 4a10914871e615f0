// Package lint checks a parsed spec for patterns that build correctly but
// make images slower to build, larger, or less safe than they could be. It
// backs `mstage lint` and the frontend's --check.
package lint

import (
	"fmt"
	"sort"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// Level is how serious a finding is.
type Level string

const (
	LevelInfo    Level = "info"
	LevelWarning Level = "warning"
)

// Rule describes one check.
type Rule struct {
	Name        string
	Description string
	URL         string
	Level       Level // default level; require-digests raises ImageNotPinned
}

// Finding is one problem found by a rule.
type Finding struct {
	Rule  Rule
	Level Level
	Msg   string
	Pos   spec.Pos
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: [%s] %s: %s", f.Pos, f.Rule.Name, f.Level, f.Msg)
}

// Options carries what the client asked for, which some rules check against
// the spec.
type Options struct {
	BuildArgs map[string]string // --build-arg values
	Target    string            // --target; counts as reachable
	// Platforms are the target platforms; none means the spec's list.
	Platforms []ocispecs.Platform
	// BuildPlatform is the platform buildkitd runs on; nil means unknown,
	// which rules take as different from every target.
	BuildPlatform *ocispecs.Platform
	// Source is the spec file as read, for the rules that read what the
	// spec does not keep (the # syntax= line). Without it they do not run.
	Source []byte
	// Files reads the files the spec includes (see spec.Load); nil makes
	// an include an error.
	Files spec.ReadFunc
}

const docsURL = "https://github.com/mstage/mstage/blob/main/docs/lint.md#"

// Rule names.
const (
	RuntimeRunsAsRoot     = "RuntimeRunsAsRoot"
	RuntimeBaseHasShell   = "RuntimeBaseHasShell"
	ScratchUserName       = "ScratchUserName"
	ImageNotPinned        = "ImageNotPinned"
	GitRefNotPinned       = "GitRefNotPinned"
	SecretInEnvOrArgs     = "SecretInEnvOrArgs"
	UnusedArg             = "UnusedArg"
	UndeclaredBuildArg    = "UndeclaredBuildArg"
	UnreachableStage      = "UnreachableStage"
	WholeContextInRuntime = "WholeContextInRuntime"
	WrongArchArtifact     = "WrongArchArtifact"
	CopyOrderDefeatsCache = "CopyOrderDefeatsCache"
	UnknownLintRule       = "UnknownLintRule"
	MissingSyntaxLine     = "MissingSyntaxLine"
	UndefinedVar          = "UndefinedVar"
)

type check struct {
	Rule
	run func(*linter)
}

func checks() []check {
	mk := func(name, desc string, lvl Level, run func(*linter)) check {
		return check{Rule{Name: name, Description: desc, URL: docsURL + strings.ToLower(name), Level: lvl}, run}
	}
	return []check{
		mk(RuntimeRunsAsRoot, "A runtime image runs its process as root.", LevelWarning, (*linter).runtimeRunsAsRoot),
		mk(ScratchUserName, "A runtime on scratch names its user, which nothing on scratch resolves.", LevelWarning, (*linter).scratchUserName),
		mk(RuntimeBaseHasShell, "A runtime that only holds static binaries is based on a full distribution image.", LevelWarning, (*linter).runtimeBaseHasShell),
		mk(ImageNotPinned, "An image is referenced without a version tag or digest.", LevelInfo, (*linter).imageNotPinned),
		mk(GitRefNotPinned, "A git source checks out a tag or branch that no commit pins.", LevelWarning, (*linter).gitRefNotPinned),
		mk(SecretInEnvOrArgs, "A secret is passed through env, args or a command instead of a secret mount.", LevelWarning, (*linter).secretInEnvOrArgs),
		mk(UnusedArg, "A declared arg is never referenced.", LevelWarning, (*linter).unusedArg),
		mk(UndefinedVar, "A ${VAR} names a variable that is not defined where it is expanded.", LevelWarning, (*linter).undefinedVar),
		mk(UndeclaredBuildArg, "A --build-arg names an arg the spec does not declare.", LevelWarning, (*linter).undeclaredBuildArg),
		mk(UnreachableStage, "A stage is used by no runtime and is not the default target.", LevelInfo, (*linter).unreachableStage),
		mk(WholeContextInRuntime, "A runtime copies the whole build context into the image.", LevelWarning, (*linter).wholeContextInRuntime),
		mk(WrongArchArtifact, "A runtime gets the native binaries of an artifact built for another platform.", LevelWarning, (*linter).wrongArchArtifact),
		mk(CopyOrderDefeatsCache, "The whole context is copied before dependencies are fetched, so any source change refetches them.", LevelWarning, (*linter).copyOrderDefeatsCache),
		mk(UnknownLintRule, "lint.skip or the check directive's skip names a rule that does not exist.", LevelWarning, (*linter).unknownLintRule),
		mk(MissingSyntaxLine, "The file has no # syntax= line where BuildKit reads it, so a build parses the YAML as a Dockerfile.", LevelWarning, (*linter).missingSyntaxLine),
	}
}

// Rules returns every rule, in documentation order.
func Rules() []Rule {
	cs := checks()
	out := make([]Rule, len(cs))
	for i, c := range cs {
		out[i] = c.Rule
	}
	return out
}

// Run checks s and returns the findings sorted by position. Rules named in
// the spec's lint.skip, or skipped by the build's check (ReadCheck; an
// invalid one skips nothing), are not run.
func Run(s *spec.Spec, opt Options) []Finding {
	chk, _ := ReadCheck(s.Filename, opt)
	l := &linter{s: s, opt: opt, skip: map[string]bool{}, check: chk}
	if s.Lint != nil {
		l.requireDigests = s.Lint.RequireDigests
		for _, n := range s.Lint.Skip {
			l.skip[n.Value] = true
		}
	}
	for _, c := range checks() {
		if l.skip[c.Name] || chk.skips(c.Name) {
			continue
		}
		l.rule = c.Rule
		c.run(l)
	}
	sort.SliceStable(l.findings, func(i, j int) bool {
		a, b := l.findings[i], l.findings[j]
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Rule.Name != b.Rule.Name {
			return a.Rule.Name < b.Rule.Name
		}
		return a.Msg < b.Msg
	})
	return l.findings
}

type linter struct {
	s              *spec.Spec
	opt            Options
	skip           map[string]bool
	requireDigests bool
	check          Check // the build's check directive or build arg
	rule           Rule  // the rule being run
	findings       []Finding
	words          *spec.WordExpander // expands image references; made when first needed

	// facts of stages along their chains (memo.go)
	inheritedMemo map[chainKey]inheritedValue
	artifactsMemo map[*spec.Stage]copiedArtifacts
	staticMemo    map[*spec.Stage]bool
	envMemo       map[*spec.Stage][]string // env names the stages built on a stage start with

	secretMemo     map[string]bool // values scanned for credentials
	secretScanLeft int             // of maxSecretScan
}

func (l *linter) report(pos spec.Pos, format string, args ...any) {
	l.reportLevel(l.rule.Level, pos, format, args...)
}

func (l *linter) reportLevel(lvl Level, pos spec.Pos, format string, args ...any) {
	l.findings = append(l.findings, Finding{Rule: l.rule, Level: lvl, Msg: fmt.Sprintf(format, args...), Pos: pos})
}

func (l *linter) unknownLintRule() {
	var names []string
	for _, r := range Rules() {
		names = append(names, r.Name)
	}
	where := "# check=skip"
	if !l.check.Pos.IsValid() {
		where = "--build-arg " + CheckArg + " skip"
	}
	for _, n := range l.check.Skip {
		if contains(names, n) {
			continue
		}
		msg := fmt.Sprintf("%s names unknown rule %q", where, n)
		if s := spec.Suggest(n, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		l.report(l.check.Pos, "%s", msg)
	}
	if l.s.Lint == nil {
		return
	}
	for _, n := range l.s.Lint.Skip {
		if contains(names, n.Value) {
			continue
		}
		msg := fmt.Sprintf("lint.skip names unknown rule %q", n.Value)
		if s := spec.Suggest(n.Value, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		l.report(n.Pos, "%s", msg)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
