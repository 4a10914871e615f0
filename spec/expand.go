package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// PlatformVarNames are the variables PlatformVars sets.
func PlatformVarNames() []string {
	return []string{
		"BUILDARCH", "BUILDOS", "BUILDPLATFORM", "BUILDVARIANT",
		"TARGETARCH", "TARGETOS", "TARGETPLATFORM", "TARGETVARIANT",
	}
}

// builtinArgs are build arguments BuildKit and buildx pass on their own or
// users pass to every build; they are not reported as undeclared.
func isBuiltinArg(name string) bool {
	switch strings.ToUpper(name) {
	case "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY", "SOURCE_DATE_EPOCH":
		return true
	}
	return strings.HasPrefix(name, "BUILDKIT_")
}

// ArgValues returns the value of every declared arg: the --build-arg of
// the same name, else its default. A default may use the args declared
// before it (GO_TAG: ${GO_VERSION}-bookworm), with their final values; a
// --build-arg value is literal. err is an ErrorList at the defaults that
// cannot be expanded. undeclared lists, sorted, the build args the spec
// does not declare (proxy variables, SOURCE_DATE_EPOCH and BUILDKIT_* are
// not reported).
func (s *Spec) ArgValues(buildArgs map[string]string) (values map[string]string, undeclared []string, err error) {
	values = make(map[string]string, len(s.Args))
	x := newExpander(s.Filename, values)
	for _, a := range s.Args {
		if v, ok := buildArgs[a.Name]; ok {
			values[a.Name] = v
			continue
		}
		values[a.Name] = x.word(a.Default, a.At("default"))
	}
	for name := range buildArgs {
		if _, declared := values[name]; !declared && !isBuiltinArg(name) {
			undeclared = append(undeclared, name)
		}
	}
	slices.Sort(undeclared)
	return values, undeclared, x.errs.result()
}

// PlatformVars returns TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT
// and the same four BUILD* variables. TARGETVARIANT and BUILDVARIANT are
// empty when the platform has no variant.
func PlatformVars(target, build ocispecs.Platform) map[string]string {
	return map[string]string{
		"TARGETPLATFORM": platforms.Format(target),
		"TARGETOS":       target.OS,
		"TARGETARCH":     target.Architecture,
		"TARGETVARIANT":  target.Variant,
		"BUILDPLATFORM":  platforms.Format(build),
		"BUILDOS":        build.OS,
		"BUILDARCH":      build.Architecture,
		"BUILDVARIANT":   build.Variant,
	}
}

// varsEnv adapts a map to the shell lexer.
type varsEnv map[string]string

func (e varsEnv) Get(key string) (string, bool) {
	v, ok := e[key]
	return v, ok
}

func (e varsEnv) Keys() []string { return slices.Sorted(maps.Keys(e)) }

// StageExpander expands the stages of one spec for one set of variables, one
// stage at a time and only when asked: a build expands the stages its
// target reaches, not the whole file. A stage without any ${VAR} is handed
// out as it is in the spec, so callers must not modify what they get. The
// limit on the total expanded size covers every stage one StageExpander
// expands, as it does a whole file in Expand.
type StageExpander struct {
	src  *Spec
	vars varsEnv
	x    *expander
	done map[string]expandedStage
}

type expandedStage struct {
	stage *Stage
	err   error
}

// NewStageExpander returns a StageExpander of s for vars.
func NewStageExpander(s *Spec, vars map[string]string) *StageExpander {
	return &StageExpander{src: s, vars: varsEnv(vars), x: newExpander(s.Filename, vars), done: map[string]expandedStage{}}
}

// Stage returns stage name with its variables expanded and its values
// checked, or nil when the spec has no such stage: In for an image without
// env. A build uses Base and In, which also see the image's env.
func (e *StageExpander) Stage(name string) (*Stage, error) {
	if d, ok := e.done[name]; ok {
		return d.stage, d.err
	}
	st, err := e.In(name, nil)
	e.done[name] = expandedStage{stage: st, err: err}
	return st, err
}

// Base returns stage name with the values that choose its base expanded
// and checked: image, platform, builder and from, which see the variables
// only, as a Dockerfile's FROM sees only the global ARGs. Its other values are as
// written; In expands them once the base image's env is known. The result
// is shared: callers must not modify it.
func (e *StageExpander) Base(name string) (*Stage, error) {
	key := "\x00base " + name
	if d, ok := e.done[key]; ok {
		return d.stage, d.err
	}
	st := e.src.Stage(name)
	var err error
	if st != nil && (strings.Contains(st.Image, "$") || strings.Contains(st.Platform, "$") || IsRefPattern(st.Builder) || IsRefPattern(st.From)) {
		out := *st
		e.x.errs = &errorSink{filename: e.src.Filename}
		e.x.words.vars = e.vars
		walkBase(&out, e.x)
		if e.x.errs.empty() {
			c := valueChecker{errs: e.x.errs, expanded: true}
			if out.Has("image") {
				c.image(out.Image, out.At("image"))
			}
			if out.Has("platform") {
				c.platform(out.Platform, out.At("platform"), out.Kind == KindBuilder)
			}
		}
		if err = e.x.errs.result(); err != nil {
			st = nil
		} else {
			st = &out
		}
	}
	e.done[key] = expandedStage{stage: st, err: err}
	return st, err
}

// In returns stage name expanded for a base whose image config env is env
// (KEY=VALUE entries, as in an image config), as a Dockerfile's ENV, WORKDIR,
// USER, COPY, LABEL, EXPOSE and VOLUME see the image's env: image and
// platform see the variables only; the stage's env values are expanded in
// order, each seeing env with the stage's entries before it; every other
// value sees env with all of the stage's env. A name in env hides a
// variable of the same name, as ENV hides an ARG. The result is not cached
// (a stage is built once per platform); when the stage holds no variable it
// is the spec's own stage, which callers must not modify.
func (e *StageExpander) In(name string, env []string) (*Stage, error) {
	st := e.src.Stage(name)
	if st == nil || !stageHasVars(st) {
		return st, nil
	}
	st = st.clone()
	e.x.errs = &errorSink{filename: e.src.Filename}
	e.x.words.vars = e.vars
	walkBase(st, e.x)
	scope := maps.Clone(e.vars)
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k != "" {
			scope[k] = v
		}
	}
	e.x.words.vars = scope
	for i := range st.Env {
		kv := &st.Env[i]
		kv.Value = e.x.word(kv.Value, kv.Pos)
		scope[kv.Key] = kv.Value
	}
	walkRest(st, e.x)
	e.x.words.vars = e.vars
	if e.x.errs.empty() {
		checkStageValues(valueChecker{errs: e.x.errs, expanded: true}, st)
	}
	if err := e.x.errs.result(); err != nil {
		return nil, err
	}
	return st, nil
}

func newExpander(filename string, vars map[string]string) *expander {
	return &expander{words: NewWordExpander(vars), errs: &errorSink{filename: filename}}
}

// expandable is what walkStage visits: every value of a stage that ${VAR}
// expansion applies to, given by the node and key it is positioned at, or
// by its position for list items.
type expandable interface {
	field(n Node, key string, value *string)
	item(value *string, pos Pos)
}

// varsFinder is an expandable that only looks: it records whether any
// value holds a $ and changes nothing.
type varsFinder struct{ found bool }

func (f *varsFinder) field(_ Node, _ string, value *string) { f.look(*value) }
func (f *varsFinder) item(value *string, _ Pos)             { f.look(*value) }
func (f *varsFinder) look(v string) {
	if !f.found && strings.Contains(v, "$") {
		f.found = true
	}
}

func stageHasVars(st *Stage) bool {
	var f varsFinder
	walkStage(st, &f)
	return f.found
}

// expander is the expandable that substitutes: it expands each value with
// its WordExpander and positions the errors at the value.
type expander struct {
	words *WordExpander
	errs  *errorSink
}

// word expands one value, or reports why it cannot and keeps it.
func (x *expander) word(value string, pos Pos) string {
	result, _, err := x.words.Expand(value)
	if err != nil {
		if e, ok := err.(*Error); ok {
			x.errs.add(pos, e.Msg, e.Expected, "")
		} else {
			x.errs.add(pos, err.Error(), "", "")
		}
		return value
	}
	if err := checkText(result); err != nil {
		x.errs.add(pos, fmt.Sprintf("%s expands to a value that %v", shorten(value), err), expectedText, "")
		return value
	}
	return result
}

// shorten quotes value for an error message, cutting a long one.
func shorten(value string) string {
	const keep = 60
	if len(value) <= keep {
		return fmt.Sprintf("%q", value)
	}
	cut := keep
	for cut > 0 && !utf8.RuneStart(value[cut]) {
		cut--
	}
	return fmt.Sprintf("%q... (%d bytes)", value[:cut], len(value))
}

// lexErrorReason drops the lexer's "failed to process" wrapper, which
// repeats the value, and names the missing brace that the lexer reports as
// an unsupported modifier.
func lexErrorReason(value string, err error) string {
	msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("failed to process %q: ", value))
	if strings.Contains(msg, "(\uFFFD)") {
		return "syntax error: missing '}'"
	}
	return msg
}

func (x *expander) field(n Node, key string, value *string) {
	if *value == "" { // most optional fields are unset
		return
	}
	*value = x.word(*value, n.At(key))
}

func (x *expander) item(value *string, pos Pos) {
	*value = x.word(*value, pos)
}

func walkStrings(list []String, v expandable) {
	for i := range list {
		v.item(&list[i].Value, list[i].Pos)
	}
}

func walkKVs(list []KV, v expandable) {
	for i := range list {
		v.item(&list[i].Value, list[i].Pos)
	}
}

func walkStage(st *Stage, v expandable) {
	walkBase(st, v)
	walkKVs(st.Env, v)
	walkRest(st, v)
}

// walkBase visits the values that choose a stage's base.
func walkBase(st *Stage, v expandable) {
	v.field(st.Node, "image", &st.Image)
	v.field(st.Node, "platform", &st.Platform)
	v.field(st.Node, "builder", &st.Builder)
	v.field(st.Node, "from", &st.From)
}

// walkRest visits the values after the stage's env.
func walkRest(st *Stage, v expandable) {
	v.field(st.Node, "workdir", &st.Workdir)
	v.field(st.Node, "user", &st.User)
	walkStrings(st.Outputs, v)
	walkKVs(st.Labels, v)
	walkStrings(st.Expose, v)
	walkStrings(st.Volumes, v)
	for _, step := range st.Steps {
		v.field(step.Node, "workdir", &step.Workdir)
		v.field(step.Node, "user", &step.User)
		walkKVs(step.Env, v)
		for _, m := range step.Mounts {
			v.field(m.Node, "target", &m.Target)
			v.field(m.Node, "id", &m.ID)
			v.field(m.Node, "src", &m.Src)
			v.field(m.Node, "artifact", &m.Artifact)
			v.field(m.Node, "stage", &m.Stage)
			v.field(m.Node, "image", &m.Image)
			v.field(m.Node, "url", &m.URL)
			v.field(m.Node, "sha256", &m.SHA256)
			v.field(m.Node, "filename", &m.Filename)
			v.field(m.Node, "git", &m.Git)
			v.field(m.Node, "ref", &m.Ref)
			v.field(m.Node, "commit", &m.Commit)
			v.field(m.Node, "subdir", &m.Subdir)
		}
		if step.Copy != nil {
			walkCopy(step.Copy, v)
		}
	}
	for _, c := range st.Copy {
		walkCopy(c, v)
	}
}

func walkCopy(c *Copy, v expandable) {
	walkStrings(c.Src, v)
	v.field(c.Node, "artifact", &c.Artifact)
	v.field(c.Node, "stage", &c.Stage)
	v.field(c.Node, "image", &c.Image)
	v.field(c.Node, "url", &c.URL)
	v.field(c.Node, "sha256", &c.SHA256)
	v.field(c.Node, "filename", &c.Filename)
	v.field(c.Node, "git", &c.Git)
	v.field(c.Node, "ref", &c.Ref)
	v.field(c.Node, "commit", &c.Commit)
	v.field(c.Node, "subdir", &c.Subdir)
	v.field(c.Node, "to", &c.To)
	v.field(c.Node, "chown", &c.Chown)
	v.field(c.Node, "chmod", &c.Chmod)
	walkStrings(c.Exclude, v)
}

// RunVars returns the variables of vars that a run command references ($NAME
// or ${NAME}, also inside quotes and ${A:-$B} defaults), sorted by name, each
// positioned at the command. A run step gets exactly these as environment
// variables, so a change to an unrelated arg does not invalidate its cache.
func RunVars(cmd *Command, vars map[string]string) []KV {
	if cmd == nil || len(vars) == 0 {
		return nil
	}
	words := cmd.Args
	if cmd.IsShell() {
		words = []string{cmd.Shell}
	}
	if !slices.ContainsFunc(words, func(w string) bool { return strings.Contains(w, "$") }) {
		return nil // references none; a lexer per step is costly
	}
	used := map[string]struct{}{}
	x := NewWordExpander(vars)
	for _, w := range words {
		names, ok := x.Names(w)
		if !ok {
			// Shell syntax the lexer does not know, such as ${#VAR} or
			// ${VAR:0:3}: fall back to finding the names.
			names = referencedNames(w)
		}
		for _, name := range names {
			if _, ok := vars[name]; ok {
				used[name] = struct{}{}
			}
		}
	}
	out := make([]KV, 0, len(used))
	for _, name := range slices.Sorted(maps.Keys(used)) {
		out = append(out, KV{Key: name, Value: vars[name], Pos: cmd.Pos})
	}
	return out
}

// referencedNames finds the names after every $ or ${ (and ${#, ${!).
func referencedNames(w string) []string {
	var names []string
	for i := 0; i < len(w); i++ {
		if w[i] != '$' {
			continue
		}
		j := i + 1
		if j < len(w) && w[j] == '{' {
			j++
			if j < len(w) && (w[j] == '#' || w[j] == '!') {
				j++
			}
		}
		k := j
		for k < len(w) && (w[k] == '_' || w[k] >= 'a' && w[k] <= 'z' || w[k] >= 'A' && w[k] <= 'Z' || k > j && w[k] >= '0' && w[k] <= '9') {
			k++
		}
		if k > j {
			names = append(names, w[j:k])
		}
		i = k - 1
	}
	return names
}

// HasVars reports whether a value of st references a variable, so that
// expanding it needs the env it starts with.
func (st *Stage) HasVars() bool { return stageHasVars(st) }
