package spec

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// Parse decodes and validates a spec file that includes no other file (an
// include is an error). filename is used in error messages only. On failure
// the error is an ErrorList of *Error, each naming the line and column of
// the offending node.
func Parse(filename string, data []byte) (*Spec, error) {
	return Load(filename, data, nil)
}

// Load decodes and validates a spec file and the files it includes, which
// read returns (see ReadFunc); with a nil read, an include is an error.
// filename is used in error messages, and names the included files with
// the paths they are read at: an include ci/go.yaml of dir/mstage.yaml is
// dir/ci/go.yaml. On failure the error is an ErrorList of *Error, each
// naming the file, line and column of the offending node.
func Load(filename string, data []byte, read ReadFunc) (s *Spec, err error) {
	errs := &errorSink{filename: filename}
	defer func() {
		// The YAML library is third-party code fed with untrusted input; a
		// panic there must become an error, not a crashed frontend.
		if r := recover(); r != nil {
			s, err = nil, ErrorList{{Filename: filename, Msg: fmt.Sprintf("internal error while parsing: %v", r)}}
		}
	}()
	l := &loader{errs: errs, read: read, filename: filename, loaded: map[string]bool{}}
	s = &Spec{Filename: filename}
	if !l.decode(data, s, false) {
		return nil, errs.result()
	}
	l.includes(s, []string{path.Base(filename)})
	s.Included = l.included
	if errs.empty() {
		validate(s, errs)
	}
	if err := errs.result(); err != nil {
		return nil, err
	}
	s.index()
	return s, nil
}

// decode checks the bytes of one file against the limits (what the files
// read before it used counting toward them) and decodes it into s; a
// fragment may hold only what an included file may.
func (l *loader) decode(data []byte, s *Spec, fragment bool) bool {
	errs := l.errs
	// Editors on Windows may start a UTF-8 file with a byte-order mark; it
	// is not part of the first key. Line 1's columns do not count it, as
	// editors do not show it.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !checkBytes(errs, data) {
		return false
	}
	l.bytes += len(data)
	tokens := lexer.Tokenize(string(data))
	if !checkTokens(errs, tokens) {
		return false
	}
	file, perr := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	if perr != nil {
		yamlError(errs, perr)
		return false
	}
	body := documentBody(errs, file, fragment)
	if body == nil {
		return false
	}
	sh, ok := measure(errs, body, &l.totals)
	if !ok {
		return false
	}
	d := &decoder{errs: errs, shape: sh, fragment: fragment, stageCount: &l.stages}
	d.spec(body, s)
	return errs.empty()
}

// documentBody returns the single document of the file.
func documentBody(errs *errorSink, file *ast.File, fragment bool) ast.Node {
	var docs []*ast.DocumentNode
	for _, doc := range file.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if _, comment := doc.Body.(*ast.CommentGroupNode); comment {
			continue
		}
		docs = append(docs, doc)
	}
	switch len(docs) {
	case 0:
		if fragment {
			errs.add(Pos{Line: 1, Col: 1}, "the included file is empty", "a mapping with args, builders, artifacts or runtimes", "")
			return nil
		}
		errs.add(Pos{Line: 1, Col: 1}, "the file holds no spec", "a mapping that starts with version: 1", "")
		return nil
	case 1:
		return docs[0].Body
	default:
		errs.add(nodePos(docs[1].Body), "more than one YAML document in the file", "a single document", "")
		return nil
	}
}

func (d *decoder) spec(root ast.Node, s *Spec) {
	what := "the spec"
	if d.fragment {
		what = "an included file"
	}
	m, ok := d.mapping(root, what)
	if !ok {
		return
	}
	top := &mapping{pos: m.pos, index: map[string]int{}}
	for _, e := range m.entries {
		if !strings.HasPrefix(e.key, "x-") {
			top.index[e.key] = len(top.entries)
			top.entries = append(top.entries, e)
		}
	}
	m = top
	s.Node = m.node(m.pos)
	if d.fragment {
		d.checkKeys(m, fragmentKeys, "an included file", nil)
	} else {
		d.checkKeys(m, d.allowedKeys(typeOf[Spec](), ""), "the spec", nil)
	}
	if !d.checkStageCount(m) {
		return
	}
	for _, e := range m.entries {
		switch e.key {
		case "version":
			s.Version, _ = d.integer(e.value, "version")
		case "name":
			s.Name, _ = d.str(e.value, "name")
		case "include":
			s.Include, _ = d.strList(e.value, "include")
		case "description":
			s.Description, _ = d.str(e.value, "description")
		case "args":
			s.Args = d.args(e.value)
		case "platforms":
			s.Platforms, _ = d.strList(e.value, "platforms")
		case "default":
			s.Default, _ = d.str(e.value, "default")
		case "lint":
			s.Lint = d.lint(e.value)
		case "builders":
			s.Builders = d.stages(e.value, KindBuilder)
		case "artifacts":
			s.Artifacts = d.stages(e.value, KindArtifact)
		case "runtimes":
			s.Runtimes = d.stages(e.value, KindRuntime)
		}
	}
}

// checkStageCount enforces MaxStages before any stage is decoded.
func (d *decoder) checkStageCount(m *mapping) bool {
	count := *d.stageCount
	defer func() { *d.stageCount = count }()
	for _, section := range []string{"builders", "artifacts", "runtimes"} {
		e, ok := m.get(section)
		if !ok {
			continue
		}
		stages, isMap := d.resolve(e.value).(*ast.MappingNode)
		if !isMap {
			continue
		}
		for _, mv := range stages.Values {
			count++
			if count > MaxStages {
				msg := fmt.Sprintf("more than %d stages", MaxStages)
				if d.fragment {
					msg += " in the spec and its included files"
				}
				d.errs.add(nodePos(mv), msg, "", "")
				return false
			}
		}
	}
	return true
}

func (d *decoder) args(n ast.Node) []*Arg {
	if _, isNull := d.resolve(n).(*ast.NullNode); isNull {
		return nil
	}
	m, ok := d.mapping(n, "args")
	if !ok {
		return nil
	}
	args := make([]*Arg, 0, len(m.entries))
	for _, e := range m.entries {
		arg := &Arg{Name: e.key, Node: Node{Pos: e.keyPos, Keys: map[string]Pos{}}}
		args = append(args, arg)
		what := fmt.Sprintf("arg %q", e.key)
		switch v := d.resolve(e.value).(type) {
		case *ast.NullNode:
			// declared without a default, like ARG NAME
		case *ast.MappingNode:
			am, _ := d.mapping(e.value, what)
			arg.Node = am.node(e.keyPos)
			d.checkKeys(am, d.allowedKeys(typeOf[Arg](), ""), what, nil)
			for _, ae := range am.entries {
				switch ae.key {
				case "default":
					arg.Default, _ = d.str(ae.value, what+" default")
				case "description":
					arg.Description, _ = d.str(ae.value, what+" description")
				}
			}
		default:
			if _, scalar := scalarText(v); !scalar {
				d.typeErr(e.value, what, "a default value or a mapping with default and description")
				continue
			}
			arg.Default, _ = d.str(e.value, what)
			arg.Keys["default"] = e.pos
		}
	}
	return args
}

func (d *decoder) lint(n ast.Node) *LintConfig {
	m, ok := d.mapping(n, "lint")
	if !ok {
		return nil
	}
	l := &LintConfig{Node: m.node(m.pos)}
	d.checkKeys(m, d.allowedKeys(typeOf[LintConfig](), ""), "lint", nil)
	for _, e := range m.entries {
		switch e.key {
		case "skip":
			l.Skip, _ = d.strList(e.value, "lint.skip")
		case "require-digests":
			l.RequireDigests, _ = d.boolean(e.value, "lint.require-digests")
		}
	}
	return l
}

func (d *decoder) stages(n ast.Node, kind Kind) []*Stage {
	section := string(kind) + "s"
	if _, isNull := d.resolve(n).(*ast.NullNode); isNull {
		return nil
	}
	m, ok := d.mapping(n, section)
	if !ok {
		return nil
	}
	out := make([]*Stage, 0, len(m.entries))
	for _, e := range m.entries {
		if d.errs.full() {
			break
		}
		out = append(out, d.stage(e, kind))
	}
	return out
}

func (d *decoder) stage(e entry, kind Kind) *Stage {
	st := &Stage{Kind: kind, Name: e.key, Node: Node{Pos: e.keyPos, Keys: map[string]Pos{}}}
	what := fmt.Sprintf("%s %q", kind, e.key)
	if _, isNull := d.resolve(e.value).(*ast.NullNode); isNull {
		// An empty stage is written `name: {}`; `name:` alone is reported by
		// validation (a builder needs an image, an artifact a builder) or is
		// a scratch runtime.
		return st
	}
	m, ok := d.mapping(e.value, what)
	if !ok {
		return st
	}
	st.Node = m.node(e.keyPos)
	d.checkKeys(m, d.allowedKeys(typeOf[Stage](), string(kind)), what, func(key string) string {
		return plural(keyKinds(typeOf[Stage](), key))
	})
	for _, e := range m.entries {
		key := e.key
		switch key {
		case "description":
			st.Description, _ = d.str(e.value, key)
		case "image":
			st.Image, _ = d.str(e.value, key)
		case "from":
			st.From, _ = d.str(e.value, key)
		case "builder":
			st.Builder, _ = d.str(e.value, key)
		case "preset":
			st.Preset, _ = d.str(e.value, key)
		case "platform":
			st.Platform, _ = d.str(e.value, key)
		case "workdir":
			st.Workdir, _ = d.str(e.value, key)
		case "user":
			st.User, _ = d.str(e.value, key)
		case "env":
			st.Env = d.strMap(e.value, key)
		case "args":
			st.Args, _ = d.strList(e.value, key)
		case "platforms":
			st.Platforms, _ = d.strList(e.value, key)
		case "steps":
			st.Steps = d.steps(e.value)
		case "outputs":
			st.Outputs, _ = d.strList(e.value, key)
		case "arch-guard":
			if b, ok := d.boolean(e.value, key); ok {
				st.ArchGuard = &b
			}
		case "dependencies":
			st.Dependencies, _ = d.str(e.value, key)
		case "needs":
			st.Needs, _ = d.strList(e.value, key)
		case "copy":
			st.Copy = d.copyEntries(e.value)
		case "entrypoint":
			st.Entrypoint, _ = d.command(e.value, key)
		case "cmd":
			st.Cmd, _ = d.command(e.value, key)
		case "expose":
			st.Expose, _ = d.strList(e.value, key)
		case "volumes":
			st.Volumes, _ = d.strList(e.value, key)
		case "labels":
			st.Labels = d.strMap(e.value, key)
		case "stop-signal":
			st.StopSignal, _ = d.str(e.value, key)
		case "healthcheck":
			st.Healthcheck = d.healthcheck(e.value)
		}
	}
	return st
}

// plural turns stage kinds into the section names that allow a key.
func plural(kinds []string) string {
	if len(kinds) == 0 {
		return ""
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k + "s"
	}
	return strings.Join(names, " and ")
}

// strMap decodes a mapping of names to scalar values (env, labels).
func (d *decoder) strMap(n ast.Node, what string) []KV {
	m, ok := d.mapping(n, what)
	if !ok {
		return nil
	}
	out := make([]KV, 0, len(m.entries))
	for _, e := range m.entries {
		v, _ := d.str(e.value, fmt.Sprintf("%s %q", what, e.key))
		out = append(out, KV{Key: e.key, Value: v, Pos: e.pos})
	}
	return out
}

// list decodes a sequence with item, keeping the items it returns; a node
// that is not a sequence is a type error that names what and expected.
func list[T any](d *decoder, n ast.Node, what, expected string, item func(ast.Node) *T) []*T {
	seq, ok := d.resolve(n).(*ast.SequenceNode)
	if !ok {
		d.typeErr(n, what, expected)
		return nil
	}
	out := make([]*T, 0, len(seq.Values))
	for _, v := range seq.Values {
		if it := item(v); it != nil {
			out = append(out, it)
		}
	}
	return out
}

func (d *decoder) steps(n ast.Node) []*Step {
	return list(d, n, "steps", "a list of steps", d.step)
}

func (d *decoder) step(n ast.Node) *Step {
	m, ok := d.mapping(n, "a step")
	if !ok {
		return nil
	}
	step := &Step{Node: m.node(m.pos)}
	run, hasRun := m.get("run")
	cp, hasCopy := m.get("copy")
	switch {
	case hasRun && hasCopy:
		d.errs.add(cp.keyPos, "a step has both run and copy", "exactly one of run or copy per step", "")
		return step
	case hasRun:
		d.checkKeys(m, d.allowedKeys(typeOf[Step](), "run"), "a run step", func(key string) string {
			if containsString(d.copyStepKeys(), key) {
				return "copy steps"
			}
			return ""
		})
		step.Run, _ = d.command(run.value, "run")
		d.runOptions(m, step)
	case hasCopy:
		d.checkKeys(m, d.copyStepKeys(), "a copy step", func(key string) string {
			if containsString(d.allowedKeys(typeOf[Step](), "run"), key) {
				return "run steps"
			}
			return ""
		})
		step.Copy = d.copyFields(m, "copy")
	default:
		d.errs.add(m.pos, "a step needs run or copy", "exactly one of run or copy per step", suggestStepKey(m))
	}
	if e, ok := m.get("platforms"); ok {
		step.Platforms, _ = d.strList(e.value, "platforms")
	}
	return step
}

// suggestStepKey offers "run" or "copy" for a misspelt step key.
func suggestStepKey(m *mapping) string {
	for _, e := range m.entries {
		if s := Suggest(e.key, []string{"run", "copy"}); s != "" {
			return s
		}
	}
	return ""
}

// copyStepKeys are the keys of a copy step: `copy` names the source paths,
// the options are those of a Copy except src.
func (d *decoder) copyStepKeys() []string {
	keys := []string{"copy", "platforms"}
	for _, k := range d.allowedKeys(typeOf[Copy](), "") {
		if k != "src" {
			keys = append(keys, k)
		}
	}
	return keys
}

func (d *decoder) runOptions(m *mapping, step *Step) {
	for _, e := range m.entries {
		switch e.key {
		case "env":
			step.Env = d.strMap(e.value, "env")
		case "workdir":
			step.Workdir, _ = d.str(e.value, "workdir")
		case "user":
			step.User, _ = d.str(e.value, "user")
		case "network":
			step.Network, _ = d.str(e.value, "network")
		case "mounts":
			step.Mounts = d.mounts(e.value)
		}
	}
}

// copyFields decodes the fields of a Copy from m; srcKey is the key that
// holds the source paths ("copy" in a step, "src" in a runtime copy entry).
func (d *decoder) copyFields(m *mapping, srcKey string) *Copy {
	c := &Copy{Node: m.node(m.pos)}
	if e, ok := m.get(srcKey); ok {
		c.Keys["src"] = e.pos
	}
	for _, e := range m.entries {
		switch e.key {
		case srcKey:
			c.Src, _ = d.strList(e.value, srcKey)
		case "artifact":
			c.Artifact, _ = d.str(e.value, e.key)
		case "stage":
			c.Stage, _ = d.str(e.value, e.key)
		case "image":
			c.Image, _ = d.str(e.value, e.key)
		case "context":
			c.Context, _ = d.str(e.value, e.key)
		case "url":
			c.URL, _ = d.str(e.value, e.key)
		case "sha256":
			c.SHA256, _ = d.str(e.value, e.key)
		case "filename":
			c.Filename, _ = d.str(e.value, e.key)
		case "content":
			c.Content, _ = d.str(e.value, e.key)
		case "unpack":
			if b, ok := d.boolean(e.value, e.key); ok {
				c.Unpack = &b
			}
		case "to":
			c.To, _ = d.str(e.value, e.key)
		case "chown":
			c.Chown, _ = d.str(e.value, e.key)
		case "chmod":
			c.Chmod, _ = d.str(e.value, e.key)
		case "exclude":
			c.Exclude, _ = d.strList(e.value, e.key)
		case "link":
			if b, ok := d.boolean(e.value, e.key); ok {
				c.Link = &b
			}
		default:
			d.gitKey(e, c.gitFields())
		}
	}
	return c
}

func (d *decoder) copyEntries(n ast.Node) []*Copy {
	return list(d, n, "copy", "a list of copy entries", d.copyEntry)
}

func (d *decoder) copyEntry(n ast.Node) *Copy {
	m, ok := d.mapping(n, "a copy entry")
	if !ok {
		return nil
	}
	d.checkKeys(m, d.allowedKeys(typeOf[Copy](), ""), "a copy entry", nil)
	return d.copyFields(m, "src")
}

// mountTypeNames are the keys that name a mount's type, sorted.
func mountTypeNames() []string {
	return []string{string(MountBind), string(MountCache), string(MountSecret), string(MountSSH), string(MountTmpfs)}
}

func (d *decoder) mounts(n ast.Node) []*Mount {
	return list(d, n, "mounts", "a list of mounts", d.mount)
}

func (d *decoder) mount(n ast.Node) *Mount {
	m, ok := d.mapping(n, "a mount")
	if !ok {
		return nil
	}
	mt := &Mount{Node: m.node(m.pos)}
	var typeEntry entry
	for _, e := range m.entries {
		if !containsString(mountTypeNames(), e.key) {
			continue
		}
		if mt.Type != "" {
			d.errs.add(e.keyPos, fmt.Sprintf("a mount has both %s and %s", mt.Type, e.key), "exactly one of "+strings.Join(mountTypeNames(), ", "), "")
			return nil
		}
		mt.Type, typeEntry = MountType(e.key), e
	}
	if mt.Type == "" {
		var sugg string
		for _, e := range m.entries {
			if sugg = Suggest(e.key, mountTypeNames()); sugg != "" {
				break
			}
		}
		d.errs.add(m.pos, "a mount needs a type key", "exactly one of "+strings.Join(mountTypeNames(), ", "), sugg)
		return nil
	}
	allowed := append([]string{string(mt.Type)}, d.allowedKeys(typeOf[Mount](), string(mt.Type))...)
	d.checkKeys(m, allowed, "a "+string(mt.Type)+" mount", func(key string) string {
		if kinds := keyKinds(typeOf[Mount](), key); len(kinds) > 0 {
			return strings.Join(kinds, " and ") + " mounts"
		}
		return ""
	})
	switch mt.Type {
	case MountCache, MountTmpfs, MountBind:
		mt.Target, _ = d.str(typeEntry.value, string(mt.Type))
		mt.Keys["target"] = typeEntry.pos
	case MountSecret:
		mt.ID, _ = d.str(typeEntry.value, "secret")
		mt.Keys["id"] = typeEntry.pos
	case MountSSH:
		mt.ID = "default"
		if _, isNull := d.resolve(typeEntry.value).(*ast.NullNode); !isNull {
			mt.ID, _ = d.str(typeEntry.value, "ssh")
		}
		mt.Keys["id"] = typeEntry.pos
	}
	for _, e := range m.entries {
		switch e.key {
		case "target":
			mt.Target, _ = d.str(e.value, e.key)
		case "id":
			mt.ID, _ = d.str(e.value, e.key)
		case "sharing":
			mt.Sharing, _ = d.str(e.value, e.key)
		case "env":
			mt.Env, _ = d.str(e.value, e.key)
		case "required":
			mt.Required, _ = d.boolean(e.value, e.key)
		case "mode":
			mt.Mode, _ = d.str(e.value, e.key)
		case "uid":
			if v, ok := d.integer(e.value, e.key); ok {
				mt.UID = &v
			}
		case "gid":
			if v, ok := d.integer(e.value, e.key); ok {
				mt.GID = &v
			}
		case "size":
			mt.Size, _ = d.str(e.value, e.key)
		case "artifact":
			mt.Artifact, _ = d.str(e.value, e.key)
		case "stage":
			mt.Stage, _ = d.str(e.value, e.key)
		case "image":
			mt.Image, _ = d.str(e.value, e.key)
		case "context":
			mt.Context, _ = d.str(e.value, e.key)
		case "url":
			mt.URL, _ = d.str(e.value, e.key)
		case "sha256":
			mt.SHA256, _ = d.str(e.value, e.key)
		case "filename":
			mt.Filename, _ = d.str(e.value, e.key)
		case "src":
			mt.Src, _ = d.str(e.value, e.key)
		case "rw":
			mt.ReadWrite, _ = d.boolean(e.value, e.key)
		default:
			d.gitKey(e, mt.gitFields())
		}
	}
	return mt
}

func (d *decoder) healthcheck(n ast.Node) *Healthcheck {
	m, ok := d.mapping(n, "healthcheck")
	if !ok {
		return nil
	}
	h := &Healthcheck{Node: m.node(m.pos)}
	d.checkKeys(m, d.allowedKeys(typeOf[Healthcheck](), ""), "healthcheck", nil)
	for _, e := range m.entries {
		switch e.key {
		case "test":
			h.Test, _ = d.command(e.value, "healthcheck test")
		case "none":
			h.None, _ = d.boolean(e.value, "healthcheck none")
		case "interval":
			h.Interval, _ = d.str(e.value, e.key)
		case "timeout":
			h.Timeout, _ = d.str(e.value, e.key)
		case "start-period":
			h.StartPeriod, _ = d.str(e.value, e.key)
		case "start-interval":
			h.StartInterval, _ = d.str(e.value, e.key)
		case "retries":
			h.Retries, _ = d.integer(e.value, e.key)
		}
	}
	return h
}

// gitKey decodes e into f when it is one of the git source keys, which a
// copy and a bind mount share.
func (d *decoder) gitKey(e entry, f gitFields) {
	switch e.key {
	case "git":
		*f.url, _ = d.str(e.value, e.key)
	case "ref":
		*f.ref, _ = d.str(e.value, e.key)
	case "commit":
		*f.commit, _ = d.str(e.value, e.key)
	case "subdir":
		*f.subdir, _ = d.str(e.value, e.key)
	case "keep-git-dir":
		if b, ok := d.boolean(e.value, e.key); ok {
			*f.keepGitDir = &b
		}
	case "auth-token":
		*f.authToken, _ = d.str(e.value, e.key)
	case "auth-header":
		*f.authHeader, _ = d.str(e.value, e.key)
	case "ssh-agent":
		*f.sshAgent, _ = d.str(e.value, e.key)
	case "known-hosts":
		*f.knownHosts, _ = d.str(e.value, e.key)
	}
}
