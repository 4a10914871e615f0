package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mstage/mstage/preset"
)

// validate checks what decoding cannot: references between stages, cycles,
// and the format of values. Values that hold ${VAR} are checked again by
// the StageExpander.
func validate(s *Spec, errs *errorSink) {
	v := &validator{s: s, errs: errs, byName: map[string]*Stage{}}
	v.version()
	v.projectName()
	v.args()
	v.names()
	v.refPatterns()
	for _, st := range s.Stages() {
		v.stage(st)
	}
	v.defaultTarget()
	v.cycles()
	checkValues(s, errs)
	if errs.empty() {
		v.exposedPorts()
		v.chainWork()
	}
	if errs.empty() && len(s.Builders)+len(s.Artifacts)+len(s.Runtimes) == 0 {
		errs.add(s.Pos, "the spec has no stages, so nothing to build", "at least one stage under builders, artifacts or runtimes", "")
	}
}

type validator struct {
	s      *Spec
	errs   *errorSink
	byName map[string]*Stage
}

func (v *validator) version() {
	if !v.s.Has("version") {
		v.errs.add(v.s.Pos, "missing version", "version: 1", "")
		return
	}
	if v.s.Version != 1 {
		v.errs.add(v.s.At("version"), fmt.Sprintf("unknown version %d", v.s.Version), "version: 1", "")
	}
}

// projectName checks the spec's name, which namespaces its preset caches.
func (v *validator) projectName() {
	if v.s.Has("name") {
		if err := CheckCacheIDPart(v.s.Name); err != nil {
			v.errs.add(v.s.At("name"), fmt.Sprintf("name %s %v", shorten(v.s.Name), err), "a project name such as myapp or team/app", "")
		}
	}
}

// CheckCacheIDPart reports why part cannot be a part of a cache mount id
// (the spec's name or a cache mount's id): a ".." segment would climb out
// of the cache namespace (BUILDKIT_CACHE_MOUNT_NS) the id is joined to.
func CheckCacheIDPart(part string) error {
	for seg := range strings.SplitSeq(part, "/") {
		if seg == ".." {
			return errors.New("has a .. segment, which would leave its cache namespace")
		}
	}
	return nil
}

// mountSources checks that m names at most one of the source keys and
// that the stage it names exists, and reports whether it names one.
func (v *validator) mountSources(m *Mount, keys []string) bool {
	sources := 0
	for _, key := range keys {
		if m.Has(key) {
			sources++
			if sources > 1 {
				v.errs.add(m.At(key), fmt.Sprintf("a %s mount has more than one source", m.Type), "at most one of "+strings.Join(keys, ", "), "")
			}
		}
	}
	if m.Has("artifact") {
		v.ref(m.Artifact, m.At("artifact"), "artifact", KindArtifact)
	}
	if m.Has("stage") {
		v.ref(m.Stage, m.At("stage"), "stage", "")
	}
	if m.Has("image") && m.Image == "" {
		v.errs.add(m.At("image"), "image is empty", "an image reference such as busybox:1.36", "")
	}
	return sources > 0
}

// where names the position p for a message at the position at: with its
// file when the two are in different files.
func (v *validator) where(p, at Pos) string {
	switch {
	case p.File == at.File:
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	case p.File == "":
		return v.s.Filename + ":" + p.String()
	}
	return p.String()
}

func (v *validator) args() {
	declared := map[string]*Arg{}
	for _, a := range v.s.Args {
		if first, dup := declared[a.Name]; dup {
			// Within one file the mapping's duplicate keys are reported;
			// this is an arg of an included file declared again.
			v.errs.add(a.Pos, fmt.Sprintf("arg %q is already declared at %s", a.Name, v.where(first.Pos, a.Pos)), "arg names unique across the spec and the files it includes", "")
			continue
		}
		declared[a.Name] = a
		switch {
		case !validVarName(a.Name):
			v.errs.add(a.Pos, fmt.Sprintf("invalid arg name %q", a.Name), "letters, digits and _, not starting with a digit", "")
		case slices.Contains(PlatformVarNames(), a.Name):
			v.errs.add(a.Pos, fmt.Sprintf("arg %q is set by mstage for each platform and cannot be declared", a.Name), "", "")
		}
	}
	// Defaults expand with the args declared before them; check that they
	// can, with the defaults.
	var list ErrorList
	if _, _, err := v.s.ArgValues(nil); errors.As(err, &list) {
		v.errs.errs = append(v.errs.errs, list...)
	}
}

// names checks stage names and indexes the stages by name.
func (v *validator) names() {
	for _, st := range v.s.Stages() {
		if !validStageName(st.Name) {
			v.errs.add(st.Pos, fmt.Sprintf("invalid stage name %q", st.Name),
				"lowercase letters, digits, '.', '_' and '-', starting with a letter or digit", "")
		}
		if first, dup := v.byName[st.Name]; dup {
			v.errs.add(st.Pos, fmt.Sprintf("stage name %q is already used by the %s declared at %s", st.Name, first.Kind, v.where(first.Pos, st.Pos)), "stage names unique across builders, artifacts and runtimes", "")
			continue
		}
		v.byName[st.Name] = st
	}
}

func validStageName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case i > 0 && (r == '.' || r == '_' || r == '-'):
		default:
			return false
		}
	}
	return true
}

func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

// ref checks that name refers to a stage of kind want ("" for any kind) and
// returns it.
func (v *validator) ref(name string, pos Pos, key string, want Kind) *Stage {
	what := "stage"
	if want != "" {
		what = string(want)
	}
	if name == "" {
		v.errs.add(pos, fmt.Sprintf("%s is empty", key), "the name of a "+what, "")
		return nil
	}
	if IsRefPattern(name) {
		v.refPattern(name, pos, key, want)
		return nil
	}
	target := v.byName[name]
	if target == nil {
		if v.errs.full() {
			return nil
		}
		var candidates []string
		for _, st := range v.s.Stages() {
			if want == "" || st.Kind == want {
				candidates = append(candidates, st.Name)
			}
		}
		expected := "the name of a " + what
		if len(candidates) > 0 && len(candidates) <= 10 {
			expected = "one of " + strings.Join(candidates, ", ")
		}
		// Only the first MaxErrors errors are likely to be shown: the
		// others are not worth the comparisons of a suggestion.
		suggestion := ""
		if len(v.errs.errs) < MaxErrors {
			suggestion = Suggest(name, candidates)
		}
		v.errs.add(pos, fmt.Sprintf("%s %s not found", what, shorten(name)), expected, suggestion)
		return nil
	}
	if want != "" && target.Kind != want {
		v.errs.add(pos, fmt.Sprintf("`%s` must name a %s, but %s is %s", key, want, name, article(string(target.Kind))), "", "")
		return nil
	}
	return target
}

// refPatterns indexes the stages and works out the candidates of the stage
// references with variables (the graph's edges read both), and rejects
// more of them than MaxRefPatterns.
func (v *validator) refPatterns() {
	v.s.index()
	if ps := refPatterns(v.s.Stages()); len(ps) > MaxRefPatterns {
		v.errs.add(ps[MaxRefPatterns].Pos, fmt.Sprintf("more than %d different stage references with a ${VAR}", MaxRefPatterns), "fewer references that pick a stage per platform", "")
	}
}

// refPattern checks a stage reference with variables: it must be able to
// name a stage of the kind key wants. Which one is decided per platform.
func (v *validator) refPattern(name string, pos Pos, key string, want Kind) {
	what := "stage"
	if want != "" {
		what = string(want)
	}
	known := PlatformVarNames()
	for _, a := range v.s.Args {
		known = append(known, a.Name)
	}
	for _, m := range argReference.FindAllStringSubmatch(name, -1) {
		if !slices.Contains(known, m[1]) {
			v.errs.add(pos, fmt.Sprintf("%s %s uses %s, which is neither a declared arg nor a platform variable", key, shorten(name), shorten(m[1])), "args and platform variables such as TARGETARCH", Suggest(m[1], known))
			return
		}
	}
	names, ok := v.s.refs[name]
	if !ok {
		return // beyond MaxRefPatterns, reported once
	}
	for _, n := range names {
		if st := v.byName[n]; st != nil && (want == "" || st.Kind == want) {
			return
		}
	}
	v.errs.add(pos, fmt.Sprintf("no %s name can match %s", what, shorten(name)), fmt.Sprintf("`%s` to expand to the name of a %s, such as base-${TARGETARCH} with builders base-amd64 and base-arm64", key, what), "")
}

// parents returns the stages st extends (from) or, for an artifact, runs
// in (builder): one, or the candidates of a reference with variables.
func (v *validator) parents(st *Stage) []*Stage {
	name := st.From
	if st.Kind == KindArtifact {
		name = st.Builder
	}
	if name == "" {
		return nil
	}
	var out []*Stage
	for _, n := range v.s.RefNames(name) {
		if p := v.byName[n]; p != nil && p != st {
			out = append(out, p)
		}
	}
	return out
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func (v *validator) stage(st *Stage) {
	switch st.Kind {
	case KindBuilder:
		switch {
		case st.Image == "" && st.From == "" && !st.Has("image") && !st.Has("from"):
			v.errs.add(st.Pos, fmt.Sprintf("builder %q has no image or from", st.Name), "exactly one of image or from", "")
		case st.Has("image") && st.Has("from"):
			v.errs.add(st.At("from"), fmt.Sprintf("builder %q has both image and from", st.Name), "exactly one of image or from", "")
		}
		if st.Has("from") {
			v.ref(st.From, st.At("from"), "from", KindBuilder)
		}
		if st.Has("preset") {
			if _, ok := preset.Lookup(st.Preset); !ok {
				v.errs.add(st.At("preset"), fmt.Sprintf("unknown preset %q", st.Preset), "one of "+strings.Join(preset.Names(), ", "), Suggest(st.Preset, preset.Names()))
			}
		}
	case KindArtifact:
		if !st.Has("builder") {
			v.errs.add(st.Pos, fmt.Sprintf("artifact %q has no builder", st.Name), "builder: the name of the builder its steps run in", "")
		} else {
			v.ref(st.Builder, st.At("builder"), "builder", KindBuilder)
		}
		if st.Has("dependencies") && st.Dependencies != DependenciesProduction {
			v.errs.add(st.At("dependencies"), fmt.Sprintf("unknown dependencies %q", st.Dependencies), DependenciesProduction, Suggest(st.Dependencies, []string{DependenciesProduction}))
		}
	case KindRuntime:
		if st.Has("image") && st.Has("from") {
			v.errs.add(st.At("from"), fmt.Sprintf("runtime %q has both image and from", st.Name), "at most one of image or from", "")
		}
		if st.Has("from") {
			v.ref(st.From, st.At("from"), "from", KindRuntime)
		}
	}
	for _, n := range st.Needs {
		if IsRefPattern(n.Value) {
			v.errs.add(n.Pos, fmt.Sprintf("needs %s holds a ${VAR}", shorten(n.Value)), "stage names as written; a stage that needs other stages per platform can list them all, or pick them in a builder, from, copy or bind reference", "")
			continue
		}
		v.ref(n.Value, n.Pos, "needs", "")
	}
	v.env(st.Env)
	v.stageArgs(st)
	for _, step := range st.Steps {
		v.step(step)
	}
	for _, c := range st.Copy {
		v.copy(c, true)
	}
	v.command(st.Entrypoint, "entrypoint")
	v.command(st.Cmd, "cmd")
	for _, l := range st.Labels {
		if l.Key == "" {
			v.errs.add(l.Pos, "empty label name", "a label name", "")
		}
	}
	if st.Has("stop-signal") && !validSignal(st.StopSignal) {
		v.errs.add(st.At("stop-signal"), fmt.Sprintf("invalid stop-signal %q", st.StopSignal), "a signal name such as SIGTERM or a number", "")
	}
	if h := st.Healthcheck; h != nil {
		v.healthcheck(h)
	}
}

func (v *validator) env(env []KV) {
	for _, kv := range env {
		if kv.Key == "" || strings.ContainsAny(kv.Key, "= \t\n") {
			v.errs.add(kv.Pos, fmt.Sprintf("invalid environment variable name %q", kv.Key), "a name without '=' or spaces", "")
		}
	}
}

// stageArgs checks that a stage's args name declared args or platform
// variables, each once.
func (v *validator) stageArgs(st *Stage) {
	known := PlatformVarNames()
	for _, a := range v.s.Args {
		known = append(known, a.Name)
	}
	seen := map[string]bool{}
	for _, a := range st.Args {
		switch {
		case seen[a.Value]:
			v.errs.add(a.Pos, fmt.Sprintf("arg %q is listed twice in %s %q", a.Value, st.Kind, st.Name), "", "")
		case !slices.Contains(known, a.Value):
			v.errs.add(a.Pos, fmt.Sprintf("arg %q is not declared", a.Value), "an arg declared in the top-level args, or one of "+strings.Join(PlatformVarNames(), ", "), Suggest(a.Value, known))
		}
		seen[a.Value] = true
	}
}

func (v *validator) command(c *Command, what string) {
	if c == nil {
		return
	}
	if (c.IsShell() && strings.TrimSpace(c.Shell) == "") || (!c.IsShell() && len(c.Args) == 0) {
		v.errs.add(c.Pos, fmt.Sprintf("empty %s command", what), "a shell string or a list of arguments", "")
	}
}

func (v *validator) step(step *Step) {
	if step.Run != nil {
		v.command(step.Run, "run")
		switch step.Network {
		case "", "default", "none", "host":
		default:
			v.errs.add(step.At("network"), fmt.Sprintf("unknown network %q", step.Network), "one of default, none, host", Suggest(step.Network, []string{"default", "none", "host"}))
		}
		v.env(step.Env)
		for _, m := range step.Mounts {
			v.mount(m)
		}
	}
	if step.Copy != nil {
		v.copy(step.Copy, false)
	}
}

func (v *validator) mount(m *Mount) {
	switch m.Type {
	case MountCache:
		if v.mountSources(m, []string{"artifact", "stage", "image"}) {
			for _, key := range []string{"mode", "uid", "gid"} {
				if m.Has(key) {
					v.errs.add(m.At(key), fmt.Sprintf("%s of a cache seeded from a source", key), "no mode, uid or gid: the cache starts with the source's files, owners and modes", "")
				}
			}
		} else if m.Has("src") {
			v.errs.add(m.At("src"), "src of a cache mount without a source", "artifact, stage or image with src, as RUN --mount=type=cache,from=...,source=...", "")
		}
		switch m.Sharing {
		case "", "shared", "private", "locked":
		default:
			v.errs.add(m.At("sharing"), fmt.Sprintf("unknown sharing %q", m.Sharing), "one of shared, private, locked", Suggest(m.Sharing, []string{"shared", "private", "locked"}))
		}
	case MountSecret, MountSSH:
		if m.ID == "" {
			v.errs.add(m.At("id"), fmt.Sprintf("%s mount has an empty id", m.Type), "the id the client provides", "")
		}
		if m.Env != "" && !validVarName(m.Env) {
			v.errs.add(m.At("env"), fmt.Sprintf("invalid environment variable name %q", m.Env), "letters, digits and _, not starting with a digit", "")
		}
	case MountTmpfs:
		if m.Has("size") {
			if _, err := ParseSize(m.Size); err != nil {
				v.errs.add(m.At("size"), fmt.Sprintf("invalid tmpfs size %s: %v", shorten(m.Size), err), "a size such as 64m or 1g, at most 8 EiB", "")
			}
		}
	case MountBind:
		v.mountSources(m, []string{"artifact", "stage", "image", "context", "url", "git"})
		v.urlKeys(m.Node, "bind mount")
		v.gitKeys(m.Node)
		if m.Has("context") && m.Context == "" {
			v.errs.add(m.At("context"), "context is empty", "the name of a build context", "")
		}
	}
	if m.Target == "" && m.Type != MountSecret && m.Type != MountSSH {
		v.errs.add(m.At("target"), fmt.Sprintf("%s mount has an empty target", m.Type), "the path to mount at", "")
	}
	for _, key := range []string{"uid", "gid"} {
		p := m.UID
		if key == "gid" {
			p = m.GID
		}
		if p != nil && *p < 0 {
			v.errs.add(m.At(key), fmt.Sprintf("negative %s %d", key, *p), "a number from 0", "")
		}
	}
}

func (v *validator) copy(c *Copy, runtimeEntry bool) {
	var sources []string
	for _, key := range []string{"artifact", "stage", "image", "context", "url", "git", "content"} {
		if c.Has(key) {
			sources = append(sources, key)
			if len(sources) > 1 {
				v.errs.add(c.At(key), fmt.Sprintf("a copy has more than one source (%s)", strings.Join(sources, " and ")), "at most one of artifact, stage, image, context, url, git, content", "")
			}
		}
	}
	v.fileSource(c)
	v.gitKeys(c.Node)
	if c.Has("artifact") {
		v.ref(c.Artifact, c.At("artifact"), "artifact", KindArtifact)
	}
	if c.Has("stage") {
		v.ref(c.Stage, c.At("stage"), "stage", "")
	}
	if c.Has("image") && c.Image == "" {
		v.errs.add(c.At("image"), "image is empty", "an image reference", "")
	}
	if c.Has("context") && c.Context == "" {
		v.errs.add(c.At("context"), "context is empty", "the name of a build context", "")
	}
	if runtimeEntry && !c.Has("to") {
		v.errs.add(c.Pos, "a runtime copy entry has no `to`", "to: the destination path in the runtime", "")
	}
}

// fileSource checks the keys that only a url or content copy takes, and the
// keys those copies do not take.
func (v *validator) fileSource(c *Copy) {
	v.urlKeys(c.Node, "copy")
	if c.Has("unpack") && !c.Has("url") {
		v.errs.add(c.At("unpack"), "unpack without url", "url: the http(s) URL of an archive to extract", "")
	}
	if c.Has("content") {
		switch {
		case !c.Has("to") || c.To == "":
			v.errs.add(c.Pos, "a content copy has no `to`", "to: the path of the file to write", "")
		case strings.HasSuffix(c.To, "/"):
			v.errs.add(c.At("to"), fmt.Sprintf("content is written to a directory (%q)", c.To), "to: the path of a file, not ending in /", strings.TrimRight(c.To, "/")+"/FILE")
		}
	}
	if c.Has("url") || c.Has("content") {
		source := "url"
		if c.Has("content") {
			source = "content"
		}
		if len(c.Src) > 0 {
			v.errs.add(c.At("src"), fmt.Sprintf("a %s copy has source paths", source), fmt.Sprintf("no src (copy: [] in a step): a %s copy copies one file", source), "")
		}
		if c.Has("exclude") {
			v.errs.add(c.At("exclude"), fmt.Sprintf("a %s copy has exclude", source), fmt.Sprintf("no exclude: a %s copy copies one file", source), "")
		}
	}
}

// urlKeys checks that a url source has its sha256, and that sha256 and
// filename come with a url.
func (v *validator) urlKeys(n Node, what string) {
	if n.Has("url") {
		if !n.Has("sha256") {
			v.errs.add(n.At("url"), fmt.Sprintf("a url %s has no sha256", what), "sha256: the file's checksum, 64 hex digits (required, so that BuildKit verifies and caches the download)", "")
		}
		return
	}
	for _, key := range []string{"sha256", "filename"} {
		if n.Has(key) {
			v.errs.add(n.At(key), fmt.Sprintf("%s without url", key), "url: the http(s) URL of the file", "")
		}
	}
}

// gitKeys checks that the keys of a git source come with git.
func (v *validator) gitKeys(n Node) {
	if n.Has("git") {
		return
	}
	for _, key := range []string{"ref", "commit", "subdir", "keep-git-dir", "auth-token", "auth-header", "ssh-agent", "known-hosts"} {
		if n.Has(key) {
			v.errs.add(n.At(key), fmt.Sprintf("%s without git", key), "git: the URL of the repository", "")
		}
	}
}

func (v *validator) healthcheck(h *Healthcheck) {
	if h.None && h.Test != nil {
		v.errs.add(h.At("none"), "healthcheck has both none and test", "either none: true or a test", "")
	}
	if !h.None && h.Test == nil {
		v.errs.add(h.Pos, "healthcheck has no test", "test: a command, or none: true", "")
	}
	v.command(h.Test, "healthcheck test")
	for _, key := range []string{"interval", "timeout", "start-period", "start-interval"} {
		if !h.Has(key) {
			continue
		}
		value := map[string]string{"interval": h.Interval, "timeout": h.Timeout, "start-period": h.StartPeriod, "start-interval": h.StartInterval}[key]
		if _, err := ParseDuration(value); err != nil {
			v.errs.add(h.At(key), fmt.Sprintf("invalid %s %q", key, value), "a duration such as 30s or 1m30s", "")
		}
	}
	if h.Retries < 0 {
		v.errs.add(h.At("retries"), fmt.Sprintf("negative retries %d", h.Retries), "a number from 0", "")
	}
}

func (v *validator) defaultTarget() {
	if !v.s.Has("default") {
		return
	}
	if v.byName[v.s.Default] == nil {
		var names []string
		for _, st := range v.s.Stages() {
			names = append(names, st.Name)
		}
		v.errs.add(v.s.At("default"), fmt.Sprintf("default stage %q not found", v.s.Default), "the name of a stage", Suggest(v.s.Default, names))
	}
}

// cycles reports stages that depend on themselves, directly or through
// other stages, with the path of the cycle.
func (v *validator) cycles() {
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(st *Stage)
	visit = func(st *Stage) {
		state[st.Name] = visiting
		stack = append(stack, st.Name)
		for _, e := range v.s.edges(st) {
			target := v.byName[e.name]
			if target == nil {
				continue
			}
			if target == st {
				v.errs.add(e.pos, fmt.Sprintf("%s %q %s itself", st.Kind, st.Name, e.verb()), "", "")
				continue
			}
			switch state[target.Name] {
			case unvisited:
				visit(target)
			case visiting:
				i := slices.Index(stack, target.Name)
				path := append(slices.Clone(stack[i:]), target.Name)
				v.errs.add(e.pos, "dependency cycle: "+cyclePath(path), "stages that do not depend on themselves", "")
			}
		}
		stack = stack[:len(stack)-1]
		state[st.Name] = done
	}
	for _, st := range v.s.Stages() {
		if v.byName[st.Name] == st && state[st.Name] == unvisited {
			visit(st)
		}
	}
}

// exposedPorts bounds the ports the runtimes expose, ranges counted by the
// ports they hold and each runtime counting the ports of the runtimes it
// extends (its image config starts as a copy of theirs). A value with a
// variable counts as a whole range.
func (v *validator) exposedPorts() {
	total := 0
	own := func(st *Stage) int {
		n := 0
		for _, e := range st.Expose {
			n += exposeSize(e.Value)
		}
		return n
	}
	chain := map[*Stage]int{}
	var portsOf func(st *Stage, depth int) int
	portsOf = func(st *Stage, depth int) int {
		if n, ok := chain[st]; ok {
			return n
		}
		chain[st] = own(st) // a cycle through candidates ends here
		most := 0
		if st.Kind == KindRuntime && depth < MaxStages {
			for _, base := range v.parents(st) {
				most = max(most, portsOf(base, depth+1))
			}
		}
		n := own(st) + most
		chain[st] = n
		return n
	}
	for _, rt := range v.s.Runtimes {
		if total += portsOf(rt, 0); total > MaxExposedPorts {
			pos := rt.Pos
			if rt.Has("expose") {
				pos = rt.At("expose")
			}
			v.errs.add(pos, fmt.Sprintf("the runtimes expose more than %d ports, counting the ports of each runtime's from chain and every port of a range", MaxExposedPorts), "fewer or smaller port ranges", "")
			return
		}
	}
}

// exposeSize is the number of ports of an expose value.
func exposeSize(value string) int {
	if strings.Contains(value, "$") {
		return 65535
	}
	r, err := ParseExpose(value)
	if err != nil {
		return 1
	}
	return r.High - r.Low + 1
}

// chainWork bounds the work of compiling the stages (MaxBuildOps) and
// their steps (MaxChainWork), for MaxBuildPlatforms platforms. A step's
// settings (env, workdir, user, platform) are looked up by walking back
// through every step before it in its chain (the steps of the stages it
// extends or runs in, and its own), so the work is the sum, over every
// step and copy entry, of the steps before it.
func (v *validator) chainWork() {
	end := map[*Stage]int{}
	var endOf func(st *Stage, depth int) int
	endOf = func(st *Stage, depth int) int {
		if n, ok := end[st]; ok {
			return n
		}
		end[st] = len(st.Steps) + len(st.Copy) // a cycle through candidates ends here
		base := 0
		if depth < MaxStages {
			for _, p := range v.parents(st) {
				base = max(base, endOf(p, depth+1))
			}
		}
		end[st] = base + len(st.Steps) + len(st.Copy)
		return end[st]
	}
	work, total := 0, 0
	for _, st := range v.s.Stages() {
		if total += stageOps(st); total*MaxBuildPlatforms > MaxBuildOps {
			v.errs.add(st.Pos, fmt.Sprintf("the stages up to %s %s hold more than %d stages, steps and copy entries, which %d platforms build %d times", st.Kind, shorten(st.Name), MaxBuildOps/MaxBuildPlatforms, MaxBuildPlatforms, MaxBuildPlatforms),
				"fewer steps (run several commands in one) or fewer stages", "")
			return
		}
		ops := len(st.Steps) + len(st.Copy)
		base := endOf(st, 0) - ops
		if work += ops*base + ops*(ops+1)/2; work*MaxBuildPlatforms > MaxChainWork {
			v.errs.add(st.Pos, fmt.Sprintf("the steps of the stages up to %s %s build on more than %d earlier steps in all, which %d platforms build %d times", st.Kind, shorten(st.Name), MaxChainWork/MaxBuildPlatforms, MaxBuildPlatforms, MaxBuildPlatforms),
				"fewer steps in one chain of stages (from, builder): split long chains, or run several commands in one step", "")
			return
		}
	}
	v.s.chainWork = work
}

// cyclePath joins the stages of a cycle, eliding the middle of a long one.
func cyclePath(path []string) string {
	const ends = 4
	if len(path) <= 2*ends+1 {
		return strings.Join(path, " -> ")
	}
	return fmt.Sprintf("%s -> ... (%d more) ... -> %s",
		strings.Join(path[:ends], " -> "), len(path)-2*ends, strings.Join(path[len(path)-ends:], " -> "))
}
