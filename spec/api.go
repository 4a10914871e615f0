package spec

// The functions below are the package's contract with llbgen, frontend and
// cmd/mstage. Their implementations live in parse.go, validate.go,
// expand.go and graph.go.
//
//	Parse(filename string, data []byte) (*Spec, error)
//	    Decodes and validates. The error is an ErrorList of *Error, each
//	    with file, line, column, message, expectation and suggestion;
//	    Snippet(src, err) renders the offending line with a caret.
//	(s *Spec) ArgValues(buildArgs map[string]string) (values map[string]string, undeclared []string)
//	PlatformVars(target, build ocispecs.Platform) map[string]string
//	Expand(s *Spec, vars map[string]string) (*Spec, error)
//	    Returns a deep copy with ${VAR} expanded in every expandable field
//	    and the expanded values checked (image references, paths, platforms).
//	RunVars(cmd *Command, vars map[string]string) []KV
//	    The variables a run command references, to pass as its environment.
//	NewWordExpander(vars map[string]string) *WordExpander
//	    The one metered ${VAR} expander (Expand, RunVars, lint and
//	    `mstage lock` use it): it bounds what the lexer builds before it runs.
//	(s *Spec) CheckBuildSize(target string, platforms int) error
//	    Platforms, stages times platforms and chain work times platforms of
//	    one build request.
//	CheckCacheIDPart(part string) error, ParseSize(s string) (int64, error)
//	    The rules for cache id parts (the spec's name, a mount's id) and tmpfs
//	    sizes, shared with llbgen.
//	(s *Spec) Deps(st *Stage) []*Stage          // direct dependencies
//	(s *Spec) Reachable(target string) []*Stage // target and its transitive deps, dependencies first
//	(s *Spec) DefaultTarget() string
//
// Limits on hostile input are the constants in limits.go.
